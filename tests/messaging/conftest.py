"""Fixtures of the messaging tests: a real SMTP server (aiosmtpd), two tenants, the job runner.

Acme has messaging and workflow, a customer with a contact person and a task,
and its mail server set to the test's aiosmtpd on loopback. Beta is another
tenant whose ids the tests put into Acme's URLs, tokens and forms.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core.credentials import encrypt
from core.db import TenantSession, all_tenants, set_tenant
from core.models import Role, Tenant, User
from plugins.contacts.models import ContactPerson, Customer
from plugins.messaging.models import MailSettings, Security
from plugins.workflow.models import Stage, Task, Workflow


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SmtpHandler:
    """What the server does with a message: ``accept``, ``refuse``, ``busy``, ``slow``, ``drop``."""

    mode: str = "accept"
    received: list[Received] = field(default_factory=list)
    delay: float = 3.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.mode == "refuse":
            return "550 5.7.1 Relaying denied"
        if self.mode == "busy":
            return "451 4.3.0 Try again later"
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if self.mode == "drop":
            server.transport.close()
            return "250 never seen"
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[Any]:
    """A real SMTP server on loopback; ``smtp.handler.mode`` sets its answer."""
    handler = SmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.handler = handler
    try:
        yield controller
    finally:
        controller.stop()


@dataclass
class Acme:
    tenant: Tenant
    maija: User
    anna: User
    customer: Customer
    person: ContactPerson
    task: Any
    settings: MailSettings


@dataclass
class Beta:
    tenant: Tenant
    user: User
    customer: Customer
    person: ContactPerson


def _task(db: Any, tenant: Tenant, customer: Customer, person: ContactPerson, title: str) -> Task:
    with all_tenants(db):
        workflow = db.scalar(select(Workflow).where(Workflow.tenant_id == tenant.id))
        stage = db.scalar(
            select(Stage).where(Stage.workflow_id == workflow.id).order_by(Stage.position)
        )
        task = Task(
            tenant_id=tenant.id,
            workflow_id=workflow.id,
            stage_id=stage.id,
            title=title,
            customer_id=customer.id,
            contact_person_id=person.id,
        )
        db.add(task)
        db.flush()
    return task


def _people(
    db: Any, tenant: Tenant, name: str, person: str, email: str
) -> tuple[Customer, ContactPerson]:
    with all_tenants(db):
        customer = Customer(tenant_id=tenant.id, name=name, email=f"info@{email.split('@')[1]}")
        db.add(customer)
        db.flush()
        contact = ContactPerson(
            tenant_id=tenant.id, customer_id=customer.id, name=person, email=email
        )
        db.add(contact)
        db.flush()
    return customer, contact


@pytest.fixture
def app_secrets(wsgi_app) -> dict[str, Any]:
    return wsgi_app.registry.settings


@pytest.fixture
def acme(db, make_tenant, make_user, smtp, app_secrets) -> Acme:
    tenant = make_tenant("acme", "Acme Oy", plugins=("messaging", "workflow"))
    maija = make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä")
    anna = make_user("anna@acme.example", tenant=tenant, role=Role.ADMIN, name="Anna Admin")
    customer, person = _people(
        db, tenant, "Rakennus Virtanen Oy", "Ville Virtanen", "ville@virtanen.example"
    )
    task = _task(db, tenant, customer, person, "Uusi katto")
    with all_tenants(db):
        settings = MailSettings(
            tenant_id=tenant.id,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security=Security.NONE,
            smtp_user="",
            smtp_password="",
            from_address="myynti@acme.example",
            from_name="Acme Oy",
            reply_address="myynti@acme.example",
        )
        db.add(settings)
        db.flush()
    return Acme(tenant, maija, anna, customer, person, task, settings)


@pytest.fixture
def beta(db, make_tenant, make_user) -> Beta:
    tenant = make_tenant("beta", "Beta Oy", plugins=("messaging", "workflow"))
    user = make_user("bert@beta.example", tenant=tenant, name="Bert Beta")
    customer, person = _people(
        db, tenant, "Beta Asiakas Oy", "Bea Beta", "bea@beta-asiakas.example"
    )
    return Beta(tenant, user, customer, person)


@pytest.fixture
def jobdb(job_db: TenantSession) -> TenantSession:
    """A session as a job has it (core.testing's ``job_db``), under this suite's old name."""
    return job_db


def as_tenant(session: TenantSession, tenant: Tenant) -> Tenant:
    set_tenant(session, tenant.id)
    return session.get(Tenant, tenant.id)


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


__all__ = ["as_tenant", "encrypt", "wait_for"]
