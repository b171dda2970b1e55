"""Writing messages on records in the UI, the conversation tab, resending, settings, isolation."""

from __future__ import annotations

import email
from email import policy

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from core.credentials import decrypt
from core.db import all_tenants
from core.models import Role
from core.testing import csrf_token, run_jobs
from plugins.contacts.models import Customer
from plugins.messaging.models import MailSettings, Message, State
from plugins.messaging.outbox import SEND_JOB
from tests.messaging.conftest import as_tenant


@pytest.fixture
def as_maija(webapp, acme, login):
    login(webapp, "maija@acme.example")
    return acme


def compose_url(acme, entity="task", record_id=None):
    return f"/t/acme/messages/new/{entity}/{record_id or acme.task.id}"


def messages(db):
    with all_tenants(db):
        return list(db.scalars(select(Message).order_by(Message.id)))


def test_a_message_written_on_a_task_is_sent_with_an_uploaded_file_and_shown_in_its_thread(
    webapp, as_maija, jobdb, smtp
):
    acme = as_maija
    form = webapp.get(compose_url(acme)).forms["message-form"]
    form["subject"] = "Tarjous katosta"
    form["body"] = "Hei Ville,\n\nliitteenä tarjous.\n\nTerveisin Maija"
    form["files"] = [("tarjous.txt", b"Katto 12 000 e")]
    response = form.submit()
    assert response.status_int == 303
    assert response.location.endswith(f"/t/acme/tasks/{acme.task.id}")
    [row] = messages(jobdb)
    assert row.state == State.QUEUED and row.to == ["ville@virtanen.example"]
    assert row.sender == "maija@acme.example"

    [job] = run_jobs(jobdb, acme.tenant, SEND_JOB)
    assert job.last_error == ""
    mail = email.message_from_bytes(smtp.handler.received[0].data, policy=policy.default)
    assert mail["Subject"] == "Tarjous katosta"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "liitteenä tarjous" in plain and "<p>liitteenä tarjous.</p>" in html
    [attachment] = mail.iter_attachments()
    assert attachment.get_filename() == "tarjous.txt"

    page = webapp.get(f"/t/acme/tasks/{acme.task.id}")
    thread = BeautifulSoup(page.text, "html.parser").select_one("[data-panel=messaging-thread]")
    assert "Tarjous katosta" in thread.text
    assert "tarjous.txt" in thread.text
    assert "Sent" in thread.text


def test_a_subject_with_a_line_break_or_a_bad_address_keeps_what_was_typed(webapp, as_maija, jobdb):
    acme = as_maija
    webapp.get(compose_url(acme))
    response = webapp.post(
        compose_url(acme),
        {
            "csrf_token": csrf_token(webapp),
            "subject": "Hei\r\nBcc: kaikki@example.com",
            "body": "Tärkeä viesti",
        },
        status=400,
    )
    page = BeautifulSoup(response.text, "html.parser")
    assert "Write this on one line" in page.select_one("#subject-error").text
    assert page.select_one("#body").text.strip() == "Tärkeä viesti"

    response = webapp.post(
        compose_url(acme),
        {
            "csrf_token": csrf_token(webapp),
            "to": "ville@virtanen",
            "subject": "Hei",
            "body": "Tärkeä viesti",
        },
        status=400,
    )
    assert "ville@virtanen is not an e-mail address" in response.text
    assert "Tärkeä viesti" in response.text
    assert messages(jobdb) == []


def test_a_failed_message_shows_the_reason_and_can_be_sent_again(webapp, as_maija, jobdb, smtp):
    acme = as_maija
    smtp.handler.mode = "refuse"
    form = webapp.get(compose_url(acme, "customer", acme.customer.id)).forms["message-form"]
    form["subject"] = "Hei"
    form["body"] = "Viesti"
    form.submit(status=303)
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    [row] = messages(jobdb)
    page = webapp.get(f"/t/acme/messages/{row.id}")
    assert "550 5.7.1 Relaying denied" in page.text
    smtp.handler.mode = "accept"
    page.forms["resend-form"].submit(status=303)
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    jobdb.refresh(row)
    assert row.state == State.SENT
    assert len(smtp.handler.received) == 1


def test_an_sms_shows_its_length_and_segments_before_sending(webapp, as_maija, jobdb):
    acme = as_maija
    page = webapp.get(f"/t/acme/messages/sms/contact_person/{acme.person.id}")
    form = page.forms["sms-form"]
    form["body"] = "š" * 71
    counted = form.submit("preview")
    assert counted.status_int == 200
    segments = BeautifulSoup(counted.text, "html.parser").select_one(".sms-segments")
    assert segments["data-length"] == "71" and segments["data-count"] == "2"
    assert messages(jobdb) == []


def test_another_tenant_s_record_is_not_found(webapp, as_maija, beta):
    webapp.get(compose_url(as_maija, "customer", beta.customer.id), status=404)
    webapp.get(f"/t/acme/messages/on/customer/{beta.customer.id}", status=404)
    webapp.get(f"/t/acme/messages/sms/contact_person/{beta.person.id}", status=404)
    webapp.get("/t/acme/messages/new/user_account/1", status=404)


def test_another_tenant_s_message_is_not_found(webapp, as_maija, jobdb, beta, db):
    with all_tenants(db):
        other = Message(tenant_id=beta.tenant.id, entity="customer", record_id=beta.customer.id)
        db.add(other)
        db.flush()
    webapp.get(f"/t/acme/messages/{other.id}", status=404)
    webapp.post(
        f"/t/acme/messages/{other.id}/resend", {"csrf_token": csrf_token(webapp)}, status=404
    )


def test_a_tenant_without_messaging_gets_404(webapp, db, make_tenant, make_user, login):
    tenant = make_tenant("gamma", plugins=("contacts",))
    make_user("gina@gamma.example", tenant=tenant, role=Role.ADMIN)
    login(webapp, "gina@gamma.example")
    webapp.get("/t/gamma/settings/messaging", status=404)
    webapp.get("/t/gamma/messages/new/customer/1", status=404)
    webapp.get("/t/gamma/settings/message-templates", status=404)


def test_an_admin_saves_the_mail_server_with_the_password_encrypted(
    webapp, acme, login, jobdb, app_secrets
):
    login(webapp, "anna@acme.example")
    form = webapp.get("/t/acme/settings/messaging").forms["messaging-settings-form"]
    form["smtp_host"] = "smtp.acme.example"
    form["smtp_port"] = "465"
    form["smtp_security"] = "tls"
    form["smtp_user"] = "myynti@acme.example"
    form["smtp_password"] = "salasana-123"
    form.submit(status=303)
    as_tenant(jobdb, acme.tenant)
    row = jobdb.scalar(select(MailSettings))
    jobdb.refresh(row)
    assert row.smtp_host == "smtp.acme.example" and row.smtp_port == 465
    assert "salasana" not in row.smtp_password
    assert decrypt(app_secrets, row.smtp_password) == "salasana-123"
    # Saving again without a password keeps it.
    form = webapp.get("/t/acme/settings/messaging").forms["messaging-settings-form"]
    form["from_name"] = "Acme Myynti"
    form.submit(status=303)
    jobdb.refresh(row)
    assert decrypt(app_secrets, row.smtp_password) == "salasana-123"


def test_a_member_cannot_change_the_mail_server(webapp, as_maija):
    webapp.get("/t/acme/settings/messaging", status=403)


def test_a_message_can_be_scheduled_and_a_bad_time_is_refused(webapp, as_maija, jobdb, smtp):
    acme = as_maija
    form = webapp.get(compose_url(acme)).forms["message-form"]
    form["subject"] = "Muistutus"
    form["body"] = "Huomenna tavataan"
    form["send_at"] = "huomenna"
    refused = form.submit(status=400)
    assert "Enter the time as 28.11.2026 14.30" in refused.text
    form = refused.forms["message-form"]
    form["send_at"] = "1.1.2099 09.00"
    form.submit(status=303)
    [row] = messages(jobdb)
    assert row.send_after.year == 2099 and row.state == State.QUEUED
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    assert smtp.handler.received == []


def test_a_customer_s_conversation_holds_its_people_s_and_tasks_messages(
    webapp, as_maija, beta, db
):
    """The messages on the customer, its contact person and its task; not another customer's."""
    other = Customer(tenant_id=as_maija.tenant.id, name="Toinen Oy")
    with all_tenants(db):
        db.add(other)
        db.flush()
        for entity, record_id, subject in (
            ("customer", as_maija.customer.id, "Asiakkaalle"),
            ("contact_person", as_maija.person.id, "Yhteyshenkilölle"),
            ("task", as_maija.task.id, "Tehtävästä"),
            ("customer", other.id, "Toiselle"),
            ("customer", beta.customer.id, "Beetalle"),
        ):
            db.add(
                Message(
                    tenant_id=beta.tenant.id
                    if record_id == beta.customer.id
                    else as_maija.tenant.id,
                    entity=entity,
                    record_id=record_id,
                    to=["a@example.org"],
                    subject=subject,
                    body_text="Hei",
                )
            )
        db.flush()
    page = webapp.get(f"/t/acme/messages/on/customer/{as_maija.customer.id}")
    text = page.text
    for subject in ("Asiakkaalle", "Yhteyshenkilölle", "Tehtävästä"):
        assert subject in text
    assert "Toiselle" not in text and "Beetalle" not in text
