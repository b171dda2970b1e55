"""A real IMAP server for the tests: Dovecot from Debian on loopback, in a folder of its own.

Each use starts ``dovecot -F`` with its own configuration (a free port, no
TLS, one user ``myynti`` with a plain password, maildirs in a temporary
folder) and stops it afterwards. Tests that need it are skipped where
Dovecot is not installed (``.ci/run`` installs ``dovecot-imapd``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
USER = "myynti"
PASSWORD = "imap-salasana"  # noqa: S105 - the throwaway server's test user

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int
    config: Path

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            client.append(folder, raw)
        finally:
            client.logout()

    def kick(self) -> None:
        """Disconnect the user's sessions from the server's side."""
        subprocess.run(
            [DOVEADM, "-c", str(self.config), "kick", USER], check=False, capture_output=True
        )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed (.ci/run installs dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="myynti-dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
    (root / "mail").chmod(0o777)
    (root / "home").chmod(0o777)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port))
    process = subprocess.Popen(  # noqa: S603 - our own binary and configuration
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = Dovecot(root, port, config)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                server.client().logout()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(root, ignore_errors=True)
