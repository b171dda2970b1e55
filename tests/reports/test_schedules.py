"""Scheduled reports: the form, the tenant's list, the job that e-mails each recipient's report.

A real SMTP server (aiosmtpd, ``tests.messaging.conftest.smtp``) receives the
mail; the job runs the report with each recipient's own permissions, so a
member gets only their and their team's numbers, and a tenant's job never
reads another tenant's rows.
"""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy
from typing import Any

import pytest
from sqlalchemy import select

from core.db import all_tenants
from core.models import as_utc, utcnow
from core.testing import run_jobs
from plugins.messaging.models import MailSettings, Security
from plugins.reports.models import ReportSchedule
from plugins.reports.schedules import NOT_ENABLED, SEND_JOB, due_schedules
from tests.messaging import conftest as messaging
from tests.reports.conftest import HALF, fill_acme

BY_USER = f"{HALF}&dimension=user"
#: A real SMTP server, and a session as a job has it, as messaging's tests make them.
smtp = messaging.smtp
jobdb = messaging.jobdb


def _mail_settings(db: Any, tenant: Any, port: int) -> None:
    with all_tenants(db):
        db.add(
            MailSettings(
                tenant_id=tenant.id,
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_security=Security.NONE,
                smtp_user="",
                smtp_password="",
                from_address="myynti@acme.example",
                from_name="Acme Oy",
                reply_address="myynti@acme.example",
            )
        )
        db.flush()


@pytest.fixture
def mailing_acme(db, make_tenant, make_user, smtp):
    tenant = make_tenant("acme", "Acme Oy", plugins=("reports", "messaging"))
    company = fill_acme(db, tenant, make_user)
    _mail_settings(db, tenant, smtp.port)
    return company


def _schedule(db: Any, company: Any, recipients: list[str], query: str = BY_USER) -> ReportSchedule:
    with all_tenants(db):
        schedule = ReportSchedule(
            tenant_id=company.tenant.id,
            report_key="reports.sales",
            query=query,
            frequency="weekly",
            recipient_ids=[company.users[name].id for name in recipients],
            next_run_at=utcnow() - timedelta(minutes=1),
            created_by_user_id=company.users["anna"].id if "anna" in company.users else None,
            last_error="",
        )
        db.add(schedule)
        db.flush()
    return schedule


def _run(jobdb: Any, company: Any) -> None:
    """The periodic job, then the tenant's send job, then messaging's send jobs."""
    due_schedules(jobdb)
    jobdb.flush()
    run_jobs(jobdb, company.tenant, SEND_JOB)
    run_jobs(jobdb, company.tenant)


def _received(smtp: Any) -> dict[str, email.message.EmailMessage]:
    mails = [email.message_from_bytes(r.data, policy=policy.default) for r in smtp.handler.received]
    return {m["To"]: m for m in mails}


def _csv(mail: email.message.EmailMessage) -> str:
    (attachment,) = [p for p in mail.iter_attachments() if p.get_filename().endswith(".csv")]
    data = attachment.get_payload(decode=True)
    assert data.startswith("\ufeff".encode())  # UTF-8 with a BOM, as Excel in Finland opens it
    return data.decode("utf-8-sig")


def test_each_recipient_gets_their_own_numbers_as_a_finnish_csv(db, jobdb, mailing_acme, smtp):
    schedule = _schedule(db, mailing_acme, ["anna", "pekka"])
    before = schedule.next_run_at
    _run(jobdb, mailing_acme)
    mails = _received(smtp)
    assert set(mails) == {"anna@acme.example", "pekka@acme.example"}
    everyone = _csv(mails["anna@acme.example"])
    assert "Maija Myyjä" in everyone and "Pekka Puuska" in everyone
    assert ";" in everyone.splitlines()[0]
    assert "2000,50" in everyone  # Minna's March win, with a decimal comma
    own = _csv(mails["pekka@acme.example"])
    assert "Pekka Puuska" in own
    assert "Maija Myyjä" not in own and "Minna" not in own
    assert mails["pekka@acme.example"]["Subject"].endswith("– Acme Oy")
    with all_tenants(jobdb):
        moved = jobdb.get(ReportSchedule, schedule.id)
        jobdb.refresh(moved)
        assert as_utc(moved.next_run_at) > as_utc(before)
        assert moved.last_error == "" and moved.last_sent_at is not None


def test_without_messaging_the_schedule_says_why_nothing_went(
    db, jobdb, make_tenant, make_user, webapp, login
):
    company = fill_acme(db, make_tenant("acme", "Acme Oy", plugins=("reports",)), make_user)
    schedule = _schedule(db, company, ["anna"])
    _run(jobdb, company)
    with all_tenants(jobdb):
        row = jobdb.get(ReportSchedule, schedule.id)
        jobdb.refresh(row)
        assert row.last_error == NOT_ENABLED and row.last_sent_at is None
        assert as_utc(row.next_run_at) > utcnow()
    login(webapp, "anna@acme.example")
    page = webapp.get(company.url("/reports/schedules"))
    assert "messaging is not enabled" in page.html.select_one(".schedule-error").get_text()


def test_the_job_of_one_tenant_never_sends_anothers_data(db, jobdb, mailing_acme, beta, smtp):
    _mail_settings(db, beta.tenant, smtp.port)
    _schedule(db, mailing_acme, ["anna"])
    _run(jobdb, mailing_acme)
    mails = _received(smtp)
    assert set(mails) == {"anna@acme.example"}
    text = _csv(mails["anna@acme.example"])
    assert "Bert" not in text and "77" not in text
    # a schedule of Acme naming Beta's user sends Beta's user nothing
    with all_tenants(db):
        (row,) = db.scalars(select(ReportSchedule)).all()
        row.recipient_ids = [beta.users["bert"].id]
        row.next_run_at = utcnow() - timedelta(minutes=1)
        db.flush()
    smtp.handler.received.clear()
    _run(jobdb, mailing_acme)
    assert smtp.handler.received == []


def _tick(form: Any, value: str) -> None:
    box = form.fields["recipients"][0]
    box.checked = True
    box._value = value


def _form(webapp: Any, company: Any) -> Any:
    page = webapp.get(company.url(f"/reports/reports.sales?{BY_USER}"))
    return page.click(linkid="schedule-report").forms["schedule-form"]


def test_scheduling_from_a_report_page_keeps_its_filters(webapp, as_anna, db):
    form = _form(webapp, as_anna)
    form["frequency"] = "monthly"
    for box in form.fields["recipients"]:
        if box._value == str(as_anna.users["pekka"].id):
            box.checked = True
    listing = form.submit().follow()
    assert "Pekka Puuska" in listing.html.select_one("#schedules").get_text()
    with all_tenants(db):
        (row,) = db.scalars(select(ReportSchedule)).all()
    assert row.frequency == "monthly" and row.recipient_ids == [as_anna.users["pekka"].id]
    assert "dimension=user" in row.query and "start=2026-01-01" in row.query
    assert row.next_run_at.day == 1


@pytest.mark.parametrize(
    ("field", "change", "message"),
    [
        ("recipients", lambda form, company, beta: None, "at least one recipient"),
        (
            "recipients",
            lambda form, company, beta: _tick(form, str(beta.users["bert"].id)),
            "users of this organisation",
        ),
        ("frequency", lambda form, company, beta: form["frequency"].force_value("daily"), "weekly"),
        (
            "report",
            lambda form, company, beta: form["start"].force_value("31.2.2026"),
            "filters are not valid",
        ),
    ],
)
def test_the_form_refuses_bad_input_by_the_field(webapp, as_anna, beta, db, field, change, message):
    form = _form(webapp, as_anna)
    if field in ("frequency", "report"):
        form.fields["recipients"][0].checked = True
    change(form, as_anna, beta)
    page = form.submit(status=400)
    error = page.html.select_one(f"#{field}-error")
    assert error is not None and message in error.get_text()
    with all_tenants(db):
        assert db.scalars(select(ReportSchedule)).all() == []


def test_another_tenants_schedule_is_not_found(webapp, as_anna, beta, db):
    other = _schedule(db, beta, ["bert"])
    form = _form(webapp, as_anna)
    token = form["csrf_token"].value
    webapp.post(
        as_anna.url(f"/reports/schedules/{other.id}/delete"), {"csrf_token": token}, status=404
    )
    webapp.post(
        as_anna.url("/reports/schedules/99999999999999999999/delete"),
        {"csrf_token": token},
        status=404,
    )
    listing = webapp.get(as_anna.url("/reports/schedules"))
    assert "Bert" not in listing.text
    with all_tenants(db):
        assert db.get(ReportSchedule, other.id) is not None


def test_a_schedule_is_deleted_from_the_list(webapp, as_anna, db):
    mine = _schedule(db, as_anna, ["anna"])
    listing = webapp.get(as_anna.url("/reports/schedules"))
    listing.forms[f"delete-{mine.id}"].submit().follow()
    db.expire_all()
    with all_tenants(db):
        assert db.scalars(select(ReportSchedule)).all() == []


def test_a_member_may_not_delete_a_schedule_of_someone_else(webapp, as_maija, db):
    annas = _schedule(db, as_maija, ["anna"])
    listing = webapp.get(as_maija.url("/reports/schedules"))
    assert f"delete-{annas.id}" not in listing.forms
    token = _form(webapp, as_maija)["csrf_token"].value
    webapp.post(
        as_maija.url(f"/reports/schedules/{annas.id}/delete"), {"csrf_token": token}, status=403
    )


def test_the_form_speaks_finnish(webapp, as_anna, db):
    as_anna.users["anna"].locale = "fi"
    db.flush()
    form = _form(webapp, as_anna)
    page = form.submit(status=400)
    assert page.html.select_one("#recipients-error").get_text() == (
        "Valitse vähintään yksi vastaanottaja."
    )
    assert page.html.select_one("#schedule-form h2").get_text() == "Ajasta tämä raportti"


def test_a_schedule_is_edited_from_the_list(webapp, as_anna, db):
    mine = _schedule(db, as_anna, ["anna"])
    form = webapp.get(as_anna.url("/reports/schedules")).click(linkid=f"edit-{mine.id}")
    form = form.forms["schedule-form"]
    assert form["frequency"].value == "weekly"
    form["frequency"] = "monthly"
    for box in form.fields["recipients"]:
        box.checked = box._value == str(as_anna.users["pekka"].id)
    listing = form.submit().follow()
    assert "The schedule was saved." in listing.text
    db.expire_all()
    with all_tenants(db):
        row = db.get(ReportSchedule, mine.id)
    assert row.frequency == "monthly" and row.recipient_ids == [as_anna.users["pekka"].id]
    assert row.next_run_at.day == 1 and row.query == BY_USER and row.version == 2


def test_an_edit_over_a_newer_save_is_refused_and_keeps_what_was_typed(webapp, as_anna, db):
    mine = _schedule(db, as_anna, ["anna"])
    form = webapp.get(as_anna.url(f"/reports/schedules/{mine.id}/edit")).forms["schedule-form"]
    with all_tenants(db):
        mine.version += 1
        db.flush()
    form["frequency"] = "monthly"
    page = form.submit(status=409)
    assert "Someone else saved this meanwhile" in page.html.select_one("#version-error").get_text()
    again = page.forms["schedule-form"]
    assert again["frequency"].value == "monthly"
    again.submit().follow()
    db.expire_all()
    with all_tenants(db):
        assert db.get(ReportSchedule, mine.id).frequency == "monthly"


def test_an_edit_refuses_bad_input_by_the_field_and_changes_nothing(webapp, as_anna, beta, db):
    mine = _schedule(db, as_anna, ["anna"])
    form = webapp.get(as_anna.url(f"/reports/schedules/{mine.id}/edit")).forms["schedule-form"]
    form.fields["recipients"][0].checked = False
    _tick(form, str(beta.users["bert"].id))
    page = form.submit(status=400)
    assert "users of this organisation" in page.html.select_one("#recipients-error").get_text()
    db.expire_all()
    with all_tenants(db):
        assert db.get(ReportSchedule, mine.id).recipient_ids == [as_anna.users["anna"].id]


def test_another_tenants_or_colleagues_schedule_cannot_be_edited(webapp, as_maija, beta, db):
    others = _schedule(db, beta, ["bert"])
    annas = _schedule(db, as_maija, ["anna"])
    webapp.get(as_maija.url(f"/reports/schedules/{others.id}/edit"), status=404)
    webapp.get(as_maija.url(f"/reports/schedules/{annas.id}/edit"), status=403)
    token = _form(webapp, as_maija)["csrf_token"].value
    post = {"csrf_token": token, "frequency": "monthly", "version": "1"}
    post["recipients"] = str(as_maija.users["anna"].id)
    webapp.post(as_maija.url(f"/reports/schedules/{others.id}/edit"), post, status=404)
    webapp.post(as_maija.url(f"/reports/schedules/{annas.id}/edit"), post, status=403)
    db.expire_all()
    with all_tenants(db):
        assert db.get(ReportSchedule, others.id).frequency == "weekly"
        assert db.get(ReportSchedule, annas.id).frequency == "weekly"
