"""Invoices at size: made through the stage action, their Finvoice and PDF, the task's panel.

    python bench/accounting_link_documents.py
    python bench/accounting_link_documents.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Makes a scratch database (a temporary SQLite file, or with ``--database-url``
a new PostgreSQL database with a non-superuser role, so row-level security is
on as in production), one tenant with contacts, workflow and accounting_link
enabled, ``--customers`` customers with billing addresses, five products and
``--tasks`` tasks. Then:

1. makes ``--invoices`` invoices of five lines each through the stage action
   "make an invoice" (``StageAction.run``, as the workflow's job calls it:
   lines from product codes, VAT by date, numbering, reference, history on the
   task and the customer), committing every ``--batch``; prints invoices/s
   and the SQL statements per invoice (the job's own read of the task included);
2. generates the Finvoice XML and the PDF of ``--outputs`` of them (all by
   default); prints documents/s for each and the CPU time of one (which the
   other sessions on the machine do not inflate; the first PDF's reading of
   the fonts is included);
3. gives one task ``--panel-documents`` documents and times its financial
   panel (the query and the whole task page through the WSGI app); prints
   median, p95 and max.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import webtest
from sqlalchemy import event, insert, select

from core.app import make_config
from core.db import make_engine, make_session_factory, set_tenant
from core.models import Membership, Role, Tenant, TenantPlugin, User
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.testing import PostgresScratchDatabase
from plugins.accounting_link.documents import settings_of
from plugins.accounting_link.finvoice import finvoice_xml
from plugins.accounting_link.models import Product, SalesDocument
from plugins.accounting_link.outputs import document_data
from plugins.accounting_link.panel import task_summary
from plugins.accounting_link.pdf import document_pdf
from plugins.accounting_link.setup import set_up_tenant
from plugins.accounting_link.stage_actions import action_key, stage_actions
from plugins.contacts.models import Customer, search_key
from plugins.workflow.defaults import set_up_tenant as set_up_workflow
from plugins.workflow.models import Stage, Task

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway database's user
PRODUCTS = (
    ("ASENNUS", "Asennustyö", "h", "68.00", "standard"),
    ("SUUNNITTELU", "Suunnittelu", "h", "85.50", "standard"),
    ("KAAPELI", "Kaapeli 10 m", "kpl", "12.90", "standard"),
    ("KAHVI", "Kahvipaketti", "kpl", "7.90", "reduced"),
    ("MATKA", "Matkakulut", "km", "0.59", "zero"),
)
TEMPLATE = "ASENNUS:7.5, SUUNNITTELU:2, KAAPELI:4, KAHVI:3, MATKA:120"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server (superuser); SQLite if left out")
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--outputs", type=int, default=None, help="how many to render (all)")
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--panel-documents", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            with PostgresScratchDatabase(args.database_url) as url:
                run(url, args, tmp)
        else:
            run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args, tmp)


def _setup(factory: Any, args: argparse.Namespace) -> dict[str, Any]:
    with factory.begin() as db:
        tenant = Tenant(slug="bench", name="Bench Oy", licence={})
        db.add(tenant)
        db.flush()
        set_tenant(db, tenant.id)
        for plugin in ("contacts", "workflow", "accounting_link"):
            db.add(TenantPlugin(tenant_id=tenant.id, plugin=plugin, enabled=True))
        user = User(
            email="myyja@bench.example", name="Myyjä", password_hash=hash_password(PASSWORD)
        )
        db.add(user)
        db.flush()
        db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.ADMIN))
        set_up_workflow(db, tenant)
        set_up_tenant(db, tenant)
        db.flush()
        settings = settings_of(db)
        settings.business_id, settings.iban, settings.bic = (
            "1572860-0",
            "FI2112345600000785",
            "NDEAFIHH",
        )
        settings.address = {"street": "Kauppakatu 5", "postcode": "40100", "city": "Jyväskylä"}
        for code, name, unit, price, vat_class in PRODUCTS:
            db.add(
                Product(
                    code=code,
                    name={"fi": name, "sv": name, "en": name},
                    unit=unit,
                    unit_price=Decimal(price),
                    vat_class=vat_class,
                )
            )
        stage = db.scalar(select(Stage).order_by(Stage.position))
        customers = db.scalars(
            insert(Customer).returning(Customer.id),
            [
                {
                    "tenant_id": tenant.id,
                    "kind": "company",
                    "name": f"Asiakas {n} Oy",
                    "name_key": search_key(f"Asiakas {n} Oy"),
                    "language": ("fi", "sv", "en")[n % 3],
                    "visiting_address": {},
                    "postal_address": {},
                    "billing_address": {
                        "street": f"Teollisuuskatu {n}",
                        "postcode": "00510",
                        "city": "Helsinki",
                    },
                    "custom_values": {},
                    "marketing_consent": False,
                    "version": 1,
                }
                for n in range(args.customers)
            ],
        ).all()
        tasks = db.scalars(
            insert(Task).returning(Task.id),
            [
                {
                    "tenant_id": tenant.id,
                    "workflow_id": stage.workflow_id,
                    "stage_id": stage.id,
                    "title": f"Toimitus {n}",
                    "description": "",
                    "customer_id": customers[n % len(customers)],
                    "responsible_user_id": user.id,
                    "priority": "normal",
                    "source": "manual",
                    "board_rank": float(n),
                    "custom_values": {},
                    "version": 1,
                }
                for n in range(args.tasks)
            ],
        ).all()
        return {"tenant_id": tenant.id, "tasks": tasks}


def _make_invoices(
    factory: Any, ids: dict[str, Any], count: int, batch: int, tasks: list[int]
) -> float:
    (action,) = [a for a in stage_actions() if a.key == action_key("invoice")]
    start = time.perf_counter()
    made = 0
    while made < count:
        with factory.begin() as db:
            set_tenant(db, ids["tenant_id"])
            tenant = db.get(Tenant, ids["tenant_id"])
            for n in range(made, min(made + batch, count)):
                task = db.get(Task, tasks[n % len(tasks)])
                action.run(db=db, tenant=tenant, task=task, options={"products": TEMPLATE})
            made = min(made + batch, count)
    return time.perf_counter() - start


def _render(factory: Any, tenant_id: int, limit: int | None) -> tuple[int, list[float]]:
    """How many were rendered; wall and CPU seconds of Finvoice, then of the PDF."""
    spent = [0.0, 0.0, 0.0, 0.0]
    with factory() as db:
        set_tenant(db, tenant_id)
        ids = db.scalars(select(SalesDocument.id).order_by(SalesDocument.id).limit(limit)).all()
        for doc_id in ids:
            doc = db.get(SalesDocument, doc_id)
            data = document_data(db, doc)
            t0, c0 = time.perf_counter(), time.process_time()
            finvoice_xml(data)
            t1, c1 = time.perf_counter(), time.process_time()
            document_pdf(data)
            t2, c2 = time.perf_counter(), time.process_time()
            for index, value in enumerate((t1 - t0, c1 - c0, t2 - t1, c2 - c1)):
                spent[index] += value
            db.expunge_all()
    return len(ids), spent


def _time(label: str, repeat: int, call: Callable[[], Any]) -> None:
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    ms = sorted(times)
    print(
        f"{label:38} n={len(ms)} median {statistics.median(ms):6.1f} ms"
        f"  p95 {ms[int(len(ms) * 0.95) - 1]:6.1f} ms  max {ms[-1]:6.1f} ms"
    )


def run(url: str, args: argparse.Namespace, tmp: str) -> None:
    registry = PluginRegistry.from_environment()
    engine = make_engine(url)
    upgrade(engine, registry)
    factory = make_session_factory(engine)
    ids = _setup(factory, args)
    print(f"database: {engine.dialect.name}; customers: {args.customers:,}; tasks: {args.tasks:,}")

    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    seconds = _make_invoices(factory, ids, args.invoices, args.batch, ids["tasks"][1:])
    event.remove(engine, "before_cursor_execute", count)
    print(
        f"invoices through the stage action: {args.invoices:,} × 5 lines in {seconds:.1f} s"
        f" = {args.invoices / seconds:,.0f} invoices/s,"
        f" {statements / args.invoices:.1f} SQL statements per invoice"
    )
    count, spent = _render(factory, ids["tenant_id"], args.outputs)
    for label, wall, cpu in (("Finvoice XML", *spent[:2]), ("PDF", *spent[2:])):
        print(
            f"{label + ':':13} {count:,} in {wall:.1f} s = {count / wall:,.0f} documents/s"
            f" ({cpu / count * 1000:.1f} ms of CPU each)"
        )

    panel_task = ids["tasks"][0]
    _make_invoices(factory, ids, args.panel_documents, args.batch, [panel_task])
    app = make_config(
        {"myynti.data_dir": tmp, "myynti.secret": "bench" * 10, "myynti.worker_threads": "0"},
        registry=registry,
        engine=engine,
    ).make_wsgi_app()
    client = webtest.TestApp(app)
    form = client.get("/login").forms["login-form"]
    form["email"], form["password"] = "myyja@bench.example", PASSWORD
    form.submit(status=303)
    page = client.get(f"/t/bench/tasks/{panel_task}")
    shown = page.html.select("[data-panel=accounting-task-documents] tr[data-document]")
    print(f"task with {len(shown)} documents on its financial panel")
    with factory() as db:
        set_tenant(db, ids["tenant_id"])
        _time(
            "financial panel query (200 documents)",
            args.repeat,
            lambda: task_summary(db, panel_task),
        )
    _time(
        "task page with the panel (whole request)",
        args.repeat,
        lambda: client.get(f"/t/bench/tasks/{panel_task}"),
    )


if __name__ == "__main__":
    main()
