"""The unrouted queue and the mailbox settings pages."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from core.credentials import decrypt
from core.db import all_tenants
from core.models import Attachment, Event
from core.testing import csrf_token
from plugins.messaging.models import Mailbox, Message, State
from plugins.messaging.outbox import MESSAGE_IN
from plugins.messaging.receiving import IncomingFile, store
from tests.messaging.conftest import as_tenant
from tests.messaging.test_routing import incoming


@pytest.fixture
def stray(jobdb, acme, app_secrets):
    mail = incoming(
        1, sender="joku@example.org", files=[IncomingFile("kuva.png", "image/png", b"png")]
    )
    message = store(jobdb, as_tenant(jobdb, acme.tenant), app_secrets, mail)
    jobdb.commit()
    return message


def test_a_user_puts_an_unrouted_message_on_a_task_with_its_attachment(
    webapp, acme, login, stray, jobdb
):
    login(webapp, "maija@acme.example")
    page = webapp.get("/t/acme/messages/unrouted")
    assert "Kysymys" in page.text
    form = page.forms[f"assign-{stray.id}"]
    form["record"] = f"task:{acme.task.id}"
    form.submit(status=303)
    as_tenant(jobdb, acme.tenant)
    jobdb.expire_all()
    message = jobdb.get(Message, stray.id)
    assert (message.entity, message.record_id, message.state) == (
        "task",
        acme.task.id,
        State.RECEIVED,
    )
    [attachment] = jobdb.scalars(select(Attachment).where(Attachment.entity == "task"))
    assert attachment.filename == "kuva.png"
    assert jobdb.scalar(
        select(Event).where(Event.kind == MESSAGE_IN, Event.record_id == acme.task.id)
    )
    assert "Kysymys" not in webapp.get("/t/acme/messages/unrouted").text


def test_assigning_to_another_tenant_s_record_or_nothing_is_refused(
    webapp, acme, beta, login, stray
):
    login(webapp, "maija@acme.example")
    webapp.get("/t/acme/messages/unrouted")
    for record in (f"customer:{beta.customer.id}", "", "task:abc", "user_account:1"):
        response = webapp.post(
            f"/t/acme/messages/{stray.id}/assign",
            {"csrf_token": csrf_token(webapp), "record": record},
            status=400,
        )
        assert "Choose the record" in response.text


def test_another_tenant_s_unrouted_message_is_not_found(webapp, acme, beta, login, db):
    with all_tenants(db):
        other = Message(tenant_id=beta.tenant.id, direction="in", state=State.UNROUTED)
        db.add(other)
        db.flush()
    login(webapp, "maija@acme.example")
    webapp.get("/t/acme/messages/unrouted")
    webapp.post(
        f"/t/acme/messages/{other.id}/assign",
        {"csrf_token": csrf_token(webapp), "record": f"task:{acme.task.id}"},
        status=404,
    )
    assert (
        str(other.id)
        not in BeautifulSoup(webapp.get("/t/acme/messages/unrouted").text, "html.parser").get_text()
    )


def test_an_admin_connects_a_mailbox_with_the_password_encrypted(
    webapp, acme, login, jobdb, app_secrets
):
    login(webapp, "anna@acme.example")
    form = webapp.get("/t/acme/settings/mailboxes/new").forms["mailbox-form"]
    form["name"] = "Myynti"
    form["host"] = "imap.acme.example"
    form["username"] = "myynti@acme.example"
    form["folders"] = "INBOX, Tarjoukset"
    missing = form.submit(status=400)
    assert "Enter the mailbox's password." in missing.text
    form = missing.forms["mailbox-form"]
    form["password"] = "imap-salasana"
    form.submit(status=303)
    with all_tenants(jobdb):
        [row] = jobdb.scalars(select(Mailbox))
    assert row.folders == ["INBOX", "Tarjoukset"]
    assert decrypt(app_secrets, row.password) == "imap-salasana"
    assert "imap-salasana" not in row.password


def test_mailboxes_are_for_admins_and_another_tenant_s_is_not_found(webapp, acme, beta, login, db):
    with all_tenants(db):
        other = Mailbox(tenant_id=beta.tenant.id, name="B", host="h", username="u")
        db.add(other)
        db.flush()
    login(webapp, "maija@acme.example")
    webapp.get("/t/acme/settings/mailboxes", status=403)
    webapp.get("/logout", status="*")
    login(webapp, "anna@acme.example")
    webapp.get(f"/t/acme/settings/mailboxes/{other.id}", status=404)
