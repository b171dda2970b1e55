"""A group send of 10,000 e-mails through a real SMTP server (aiosmtpd): all delivered, none twice.

    python bench/messaging_group_send.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Makes a throwaway PostgreSQL database with a role that is neither superuser
nor exempt from row-level security (dropped afterwards), or a SQLite file
without ``--database-url``. One tenant with messaging has ``--recipients``
contact persons who have agreed to marketing, a template, and its mail
server set to an aiosmtpd server on loopback. The group send is started as
the group page starts it (``groups.start`` in a committed transaction); the
in-process worker (``--threads`` threads, the embedded broker) runs the
fan-out jobs and the send jobs. The clock runs until every message row is
sent or failed. Then the server's log is checked: every recipient got one
message, no Message-ID arrived twice.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import socket
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from core.db import all_tenants, make_engine, set_tenant
from core.jobs.queue import JobQueue
from core.licensing import enable_plugin
from core.models import Membership, Role, Tenant, User
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.settings import resolve
from core.testing import PostgresScratchDatabase
from plugins.contacts.models import ContactPerson, Customer
from plugins.messaging import groups
from plugins.messaging.models import MailSettings, Message, Security, Template


class Counting:
    """An SMTP server's handler that remembers who got which Message-ID."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recipients: collections.Counter[str] = collections.Counter()
        self.message_ids: collections.Counter[str] = collections.Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        head = envelope.content.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        message_id = next(
            (
                line.split(":", 1)[1].strip()
                for line in head.splitlines()
                if line.lower().startswith("message-id:")
            ),
            "",
        )
        with self.lock:
            self.recipients.update(envelope.rcpt_tos)
            self.message_ids[message_id] += 1
        await asyncio.sleep(0)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a superuser)")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8, help="worker threads")
    args = parser.parse_args()
    scratch = PostgresScratchDatabase(args.database_url) if args.database_url else nullcontext()
    with tempfile.TemporaryDirectory() as tmp, scratch as url:
        run(url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args, Path(tmp))


def set_up(queue: JobQueue, registry: PluginRegistry, port: int, recipients: int) -> int:
    with queue.session() as db, db.begin(), all_tenants(db):
        tenant = Tenant(slug="bench", name="Bench Oy", licence={})
        db.add(tenant)
        db.flush()
        enable_plugin(db, registry, tenant, "messaging", with_dependencies=True)
        user = User(email="bench@bench.example", name="Bench", password_hash="!")  # noqa: S106 - no login
        db.add(user)
        db.flush()
        db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.ADMIN))
        db.add(
            MailSettings(
                tenant_id=tenant.id,
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_security=Security.NONE,
                from_address="myynti@bench.example",
                reply_address="myynti@bench.example",
                per_minute=10_000_000,
            )
        )
        db.add(
            Template(
                tenant_id=tenant.id,
                key="kevat",
                name="Kevätale",
                subject="Kevätale {{ customer.name }}",
                body="Hei {{ contact.first_name }},\n\nkevätale alkaa!\n\n{{ sender.name }}",
            )
        )
        for start in range(0, recipients, 100):
            customer = Customer(tenant_id=tenant.id, name=f"Asiakas {start // 100} Oy")
            db.add(customer)
            db.flush()
            db.add_all(
                ContactPerson(
                    tenant_id=tenant.id,
                    customer_id=customer.id,
                    name=f"Henkilö {number}",
                    email=f"henkilo{number}@asiakas{start // 100}.example",
                    marketing_consent=True,
                )
                for number in range(start, min(start + 100, recipients))
            )
        db.flush()
        return tenant.id


def run(url: str, args: argparse.Namespace, tmp: Path) -> None:
    settings = resolve(
        {
            "sqlalchemy.url": url,
            "myynti.data_dir": str(tmp),
            "myynti.secret": "s" * 40,
            "myynti.worker_threads": str(args.threads),
            "myynti.job_retry_delay": "1",
        }
    )
    registry = PluginRegistry.from_environment()
    engine = make_engine(url)
    upgrade(engine, registry)
    queue = JobQueue(settings, registry, engine)
    handler = Counting()
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        tenant_id = set_up(queue, registry, smtp.port, args.recipients)
        queue.start(args.threads, scheduler=False)
        started = time.perf_counter()
        with queue.session() as db, db.begin():
            set_tenant(db, tenant_id)
            tenant = db.get(Tenant, tenant_id)
            user = db.scalar(select(User))
            group = groups.start(
                db,
                tenant,
                groups.Selection("contact_person"),
                "kevat",
                user,
                "https://bench.example",
            )
            group_id = group.id
        states = wait(queue, tenant_id, group_id, args.recipients)
        seconds = time.perf_counter() - started
    finally:
        queue.stop()
        smtp.stop()
    twice = [mid for mid, count in handler.message_ids.items() if count > 1]
    doubled = [addr for addr, count in handler.recipients.items() if count > 1]
    print(
        f"database: {engine.dialect.name}; recipients: {args.recipients}; threads: {args.threads}"
    )
    print(f"message rows by state: {dict(states)}")
    print(
        f"delivered to the SMTP server: {sum(handler.recipients.values())} messages to "
        f"{len(handler.recipients)} addresses"
    )
    print(f"Message-IDs received twice: {len(twice)}; addresses that got two: {len(doubled)}")
    print(
        f"time from start to the last message sent: {seconds:.1f} s "
        f"({args.recipients / seconds:.0f} messages/s)"
    )
    ok = (
        states.get("sent") == args.recipients
        and len(handler.recipients) == args.recipients
        and not twice
        and not doubled
    )
    print("OK: all delivered, none twice" if ok else "NOT OK")
    engine.dispose()
    sys.exit(0 if ok else 1)


def wait(
    queue: JobQueue, tenant_id: int, group_id: int, expected: int, timeout: float = 3600
) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        with queue.session() as db, db.begin():
            set_tenant(db, tenant_id)
            states = dict(
                db.execute(
                    select(Message.state, func.count())
                    .where(Message.group_id == group_id)
                    .group_by(Message.state)
                ).all()
            )
        done = states.get("sent", 0) + states.get("failed", 0)
        if done >= expected or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


if __name__ == "__main__":
    main()
