"""Handing an e-mail to the tenant's SMTP server, and telling a lasting refusal from a hiccup.

A 5xx answer is the server's final word (the message is *failed* with its
reason, not tried again); a 4xx answer, a timeout or a dropped connection is
temporary (``TryLater``: the job raises and core's attempts retry it with a
growing delay).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from plugins.messaging.models import Security

#: Seconds to wait for the server at each step (connect, each command).
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str
    user: str = ""
    password: str = ""
    timeout: float = DEFAULT_TIMEOUT


class Refused(Exception):
    """The server refused the message for good; ``str()`` is its answer."""


class TryLater(Exception):
    """The message could not be handed over now; ``str()`` says why."""


def deliver(server: Server, message: EmailMessage, envelope_from: str, to: list[str]) -> str:
    """Send ``message`` to ``to``; the recipients the server refused, described ("" if none)."""
    try:
        with _connect(server) as smtp:
            if server.user:
                smtp.login(server.user, server.password)
            refused = smtp.send_message(message, from_addr=envelope_from, to_addrs=to)
    except smtplib.SMTPRecipientsRefused as exc:
        raise _classified(exc.recipients) from None
    except smtplib.SMTPResponseException as exc:
        reason = _reason(exc.smtp_code, exc.smtp_error)
        if exc.smtp_code >= 500:
            raise Refused(reason) from None
        raise TryLater(reason) from None
    except TimeoutError:
        raise TryLater(f"the mail server {server.host} did not answer in time") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise TryLater(f"the mail server {server.host} closed the connection: {exc}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TryLater(f"the mail server {server.host} cannot be reached: {exc}") from None
    return "; ".join(f"{addr}: {_reason(*answer)}" for addr, answer in refused.items())


def _connect(server: Server) -> smtplib.SMTP:
    if server.security == Security.TLS:
        return smtplib.SMTP_SSL(
            server.host, server.port, timeout=server.timeout, context=ssl.create_default_context()
        )
    smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    if server.security == Security.STARTTLS:
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp


def _classified(recipients: dict[str, tuple[int, bytes]]) -> Exception:
    reason = "; ".join(f"{addr}: {_reason(*answer)}" for addr, answer in recipients.items())
    if all(code >= 500 for code, _text in recipients.values()):
        return Refused(reason)
    return TryLater(reason)


def _reason(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()[:900]
