"""Templates: refused on save with the line and reason, sandboxed, per language with fallback."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from core import OutgoingMessage
from core.db import all_tenants
from core.jobs.outbox import tenant_hooks
from plugins.contacts.models import ContactPerson
from plugins.messaging.models import Message, Template
from tests.messaging.conftest import as_tenant


@pytest.fixture
def as_anna(webapp, acme, login):
    login(webapp, "anna@acme.example")
    return acme


def add_template(
    db,
    acme,
    language="fi",
    subject="Tarjous: {{ task.title }}",
    body="Hei {{ contact.first_name }}!",
    key="tarjous",
    channel="email",
):
    with all_tenants(db):
        row = Template(
            tenant_id=acme.tenant.id,
            key=key,
            channel=channel,
            language=language,
            name="Tarjous",
            subject=subject,
            body=body,
        )
        db.add(row)
        db.flush()
    return row


def test_a_broken_template_is_refused_with_the_line_and_reason_and_keeps_the_text(
    webapp, as_anna, db
):
    form = webapp.get("/t/acme/settings/message-templates/new").forms["template-form"]
    form["name"] = "Rikki"
    form["subject"] = "Hei"
    form["body"] = "Hei {{ contact.name }}\n{% if contact.name %}\nunohtui endif"
    response = form.submit(status=400)
    error = BeautifulSoup(response.text, "html.parser").select_one("#body-error").text
    assert "line 3" in error or "line 2" in error
    assert "endif" in error or "end of template" in error
    assert "unohtui endif" in response.text
    with all_tenants(db):
        assert list(db.scalars(select(Template))) == []


def test_a_saved_template_previews_for_a_chosen_record(webapp, as_anna):
    form = webapp.get("/t/acme/settings/message-templates/new").forms["template-form"]
    form["name"] = "Tarjous"
    form["subject"] = "Tarjous: {{ task.title }}"
    form["body"] = "Hei {{ contact.first_name }},\nterveisin {{ sender.name }} / {{ tenant.name }}"
    page = form.submit(status=303).follow()
    preview = page.forms["preview-form"]
    preview["record"] = f"task:{as_anna.task.id}"
    shown = preview.submit()
    section = BeautifulSoup(shown.text, "html.parser").select_one(".template-preview")
    assert "Tarjous: Uusi katto" in section.text
    assert "Hei Ville," in section.text
    assert "terveisin Anna Admin / Acme Oy" in section.text


def test_a_template_cannot_reach_anything_but_the_offered_values(webapp, as_anna, db):
    row = add_template(
        db, as_anna, body="{{ contact.update({'name': 'x'}) }}{{ ''.__class__.__mro__ }}"
    )
    page = webapp.get(
        f"/t/acme/settings/message-templates/{row.id}/preview",
        {"record": f"task:{as_anna.task.id}"},
    )
    section = BeautifulSoup(page.text, "html.parser").select_one(".template-preview")
    assert "unsafe" in section.select_one(".error").text


def test_the_recipient_s_language_is_chosen_with_a_fallback_to_finnish(jobdb, acme, db):
    add_template(db, acme, "fi", subject="Tarjous", body="Hei {{ contact.first_name }}")
    add_template(db, acme, "sv", subject="Offert", body="Hej {{ contact.first_name }}")
    tenant = as_tenant(jobdb, acme.tenant)
    hooks = tenant_hooks(jobdb, tenant)

    def send(language):
        person = jobdb.get(ContactPerson, acme.person.id)
        person.language = language
        jobdb.flush()
        message_id = hooks.myynti_send_message(
            db=jobdb,
            tenant=tenant,
            message=OutgoingMessage("contact_person", acme.person.id, template="tarjous"),
        )
        return jobdb.get(Message, message_id)

    swedish = send("sv")
    assert (swedish.subject, swedish.body_text) == ("Offert", "Hej Ville")
    english = send("en")
    assert (english.subject, english.body_text) == ("Tarjous", "Hei Ville")
    assert english.template_key == "tarjous"
    choices = hooks.collect("myynti_message_templates", db=jobdb, tenant=tenant, channel="email")
    assert choices == [("tarjous", "Tarjous")]


def test_compose_fills_the_subject_and_body_from_a_template(webapp, acme, db, login):
    add_template(db, acme)
    login(webapp, "maija@acme.example")
    page = webapp.get(f"/t/acme/messages/new/task/{acme.task.id}", {"template": "tarjous"})
    form = page.forms["message-form"]
    assert form["subject"].value == "Tarjous: Uusi katto"
    assert form["body"].value.strip() == "Hei Ville!"


def test_a_member_cannot_manage_templates(webapp, acme, login):
    login(webapp, "maija@acme.example")
    webapp.get("/t/acme/settings/message-templates", status=403)


def test_another_tenant_s_template_is_not_found(webapp, as_anna, beta, db):
    with all_tenants(db):
        row = Template(tenant_id=beta.tenant.id, key="x", name="X", body="x")
        db.add(row)
        db.flush()
    webapp.get(f"/t/acme/settings/message-templates/{row.id}", status=404)
    webapp.get(f"/t/acme/settings/message-templates/{row.id}/preview", status=404)
