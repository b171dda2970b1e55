"""Received mail read, routed and stored: messages per second on PostgreSQL (floor 200/s).

    python bench/messaging_inbound.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Makes a throwaway PostgreSQL database with a role that is neither superuser
nor exempt from row-level security (dropped afterwards), or a SQLite file
without ``--database-url``. One tenant with messaging and workflow has 1,000
customers, each with a contact person and an open task, and a mailbox. The
messages (``--messages``) are a mix, made before the clock starts: plain
text from a known contact (routed by the sender's one open task), HTML with
remote images and a script, multipart with a PDF attachment, replies to our
mail with its Message-ID in References (routed by the thread), replies to our
plus-address (routed by the token), and mail from strangers (unrouted).

The clock covers what the poll job does with a fetched chunk of mail
(``polling.store_fetched``): find the chunk's duplicates from the headers,
read the new messages (``incoming.from_bytes``), route and store them (the
message rows, their attachments and the history events), ``--batch``
messages per chunk, one transaction each, working as the tenant. Then every
message is fetched again (a re-poll, same chunks) to show that none is
stored twice.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import event, func, select

from core.db import all_tenants, make_engine, set_tenant
from core.jobs.queue import JobQueue
from core.licensing import enable_plugin
from core.models import Tenant
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.settings import resolve
from core.testing import PostgresScratchDatabase
from plugins.contacts.models import ContactPerson, Customer
from plugins.messaging import tokens
from plugins.messaging.models import Mailbox, Message
from plugins.messaging.polling import store_fetched
from plugins.workflow.models import Stage, Task, Workflow

CUSTOMERS = 1000
PDF = b"%PDF-1.4\n" + b"0" * 30_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a superuser)")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument(
        "--batch", type=int, default=50, help="messages per fetched chunk and transaction"
    )
    args = parser.parse_args()
    scratch = PostgresScratchDatabase(args.database_url) if args.database_url else nullcontext()
    with tempfile.TemporaryDirectory() as tmp, scratch as url:
        run(url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args, Path(tmp))


def set_up(queue: JobQueue, registry: PluginRegistry) -> tuple[int, int, list[tuple[int, str]]]:
    """The tenant, its mailbox, and (task id, contact address) pairs."""
    with queue.session() as db, db.begin(), all_tenants(db):
        tenant = Tenant(slug="bench", name="Bench Oy", licence={})
        db.add(tenant)
        db.flush()
        for plugin in ("messaging", "workflow"):
            enable_plugin(db, registry, tenant, plugin, with_dependencies=True)
        db.flush()
        workflow = db.scalar(select(Workflow).where(Workflow.tenant_id == tenant.id))
        stage = db.scalar(select(Stage).where(Stage.workflow_id == workflow.id))
        mailbox = Mailbox(
            tenant_id=tenant.id,
            name="Myynti",
            host="imap.bench.example",
            username="myynti",
            folders=["INBOX"],
            sync_state={},
        )
        db.add(mailbox)
        pairs = []
        for number in range(CUSTOMERS):
            customer = Customer(tenant_id=tenant.id, name=f"Asiakas {number} Oy")
            db.add(customer)
            db.flush()
            person = ContactPerson(
                tenant_id=tenant.id,
                customer_id=customer.id,
                name=f"Henkilö {number}",
                email=f"henkilo{number}@asiakas{number}.example",
            )
            db.add(person)
            db.flush()
            task = Task(
                tenant_id=tenant.id,
                workflow_id=workflow.id,
                stage_id=stage.id,
                title=f"Tarjous {number}",
                customer_id=customer.id,
                contact_person_id=person.id,
            )
            db.add(task)
            db.flush()
            pairs.append((task.id, person.email))
        return tenant.id, mailbox.id, pairs


def messages(
    settings: dict, tenant_id: int, pairs: list[tuple[int, str]], count: int
) -> list[bytes]:
    rng = random.Random(11)
    out = []
    for number in range(count):
        task_id, sender = rng.choice(pairs)
        ref = tokens.RecordRef("task", task_id)
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "myynti@bench.example"
        message["Subject"] = f"Viesti {number}"
        message["Message-ID"] = f"<bench-{number}@asiakas.example>"
        kind = number % 6
        text = f"Hei,\n\nviesti numero {number}.\n\nTerveisin\n"
        if kind == 0:
            message.set_content(text)
        elif kind == 1:
            message.set_content(text)
            message.add_alternative(
                f"<p onclick='x()'>Hei, viesti {number}<script>alert(1)</script>"
                "<img src='https://track.example/p.gif'></p>",
                subtype="html",
            )
        elif kind == 2:
            message.set_content(text)
            message.add_attachment(PDF, "application", "pdf", filename=f"tarjous-{number}.pdf")
        elif kind == 3:
            message["In-Reply-To"] = tokens.message_id(settings, tenant_id, ref)
            message["References"] = f"<x{number}@a.example> {message['In-Reply-To']}"
            message.replace_header("Subject", f"Re: Tarjous {number}")
            message.set_content(text + "\nOn Mon, 1 Dec 2026 Myynti wrote:\n> Tarjous\n")
        elif kind == 4:
            message.replace_header(
                "To", tokens.reply_address(settings, tenant_id, ref, "myynti@bench.example")
            )
            message.set_content(text)
        else:
            message.replace_header("From", f"tuntematon{number}@example.org")
            message.set_content(text)
        out.append(message.as_bytes())
    return out


def run(url: str, args: argparse.Namespace, tmp: Path) -> None:
    settings = resolve(
        {
            "sqlalchemy.url": url,
            "myynti.data_dir": str(tmp),
            "myynti.secret": "s" * 40,
            "myynti.worker_threads": "0",
        }
    )
    registry = PluginRegistry.from_environment()
    engine = make_engine(url)
    upgrade(engine, registry)
    queue = JobQueue(settings, registry, engine)
    tenant_id, mailbox_id, pairs = set_up(queue, registry)
    raw = messages(settings, tenant_id, pairs, args.messages)
    size = sum(len(r) for r in raw)
    fetched = list(enumerate(raw, start=1))
    chunks = [fetched[start : start + args.batch] for start in range(0, len(raw), args.batch)]
    batch_seconds = []
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *_args: statements.append(1))
    started = time.perf_counter()
    for chunk in chunks:
        batch_started = time.perf_counter()
        with queue.session() as db, db.begin():
            set_tenant(db, tenant_id)
            tenant = db.get(Tenant, tenant_id)
            mailbox = db.get(Mailbox, mailbox_id)
            store_fetched(db, tenant, settings, chunk, mailbox, 1)
        batch_seconds.append(time.perf_counter() - batch_started)
    seconds = time.perf_counter() - started
    per_chunk = len(statements) / len(chunks)
    repoll_started = time.perf_counter()
    doubled = 0
    with queue.session() as db, db.begin():
        set_tenant(db, tenant_id)
        tenant = db.get(Tenant, tenant_id)
        mailbox = db.get(Mailbox, mailbox_id)
        for chunk in chunks:
            doubled += len(store_fetched(db, tenant, settings, chunk, mailbox, 1))
    repoll = time.perf_counter() - repoll_started
    with queue.session() as db, db.begin():
        set_tenant(db, tenant_id)
        routes = dict(
            db.execute(select(Message.routed_by, func.count()).group_by(Message.routed_by)).all()
        )
        total = db.scalar(select(func.count()).select_from(Message))
    rate = len(raw) / seconds
    print(
        f"database: {engine.dialect.name}; messages: {len(raw)} ({size / 1e6:.1f} MB), "
        f"{args.batch} per chunk and transaction; {CUSTOMERS} customers with a task each"
    )
    print(
        f"read + route + store: {seconds:.1f} s, {rate:.0f} messages/s, "
        f"{size / 1e6 / seconds:.1f} MB/s (chunk median "
        f"{statistics.median(batch_seconds) * 1000:.0f} ms, {per_chunk:.1f} SQL statements)"
    )
    print(f"routed by: {routes}")
    print(f"re-poll of all {len(raw)}: {repoll:.1f} s, stored again: {doubled}; rows: {total}")
    ok = rate >= 200 and doubled == 0 and total == len(raw)
    print("OK: at least 200 messages/s, none stored twice" if ok else "NOT OK")
    engine.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
