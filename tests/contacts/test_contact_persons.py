"""Contact persons of a company: add, validate, edit with locking, archive, isolation."""

import pytest
from sqlalchemy import select

from core.db import set_tenant
from core.models import Event, Role
from plugins.contacts.models import ContactPerson, Customer


@pytest.fixture
def company(db, make_tenant, make_user, webapp, login):
    tenant = make_tenant("acme", "Acme Oy", plugins=("contacts",))
    make_user("myyja@acme.example", tenant=tenant, role=Role.MEMBER)
    login(webapp, "myyja@acme.example")
    set_tenant(db, tenant.id)
    customer = Customer(name="Asiakas Oy", tags=[])
    db.add(customer)
    db.flush()
    return customer


def _persons(db, customer):
    return list(db.scalars(select(ContactPerson).where(ContactPerson.customer_id == customer.id)))


def test_add_contact_person_with_consent(webapp, company, db):
    form = webapp.get(f"/t/acme/customers/{company.id}/contacts/new").forms["contact-person-form"]
    form["name"] = "Liisa Laine"
    form["email"] = "liisa@asiakas.fi"
    form["marketing_consent"] = True
    form["consent_source"] = "Messut 2026"
    page = form.submit().follow()
    assert "Liisa Laine" in page.text
    (person,) = _persons(db, company)
    assert person.consent_date is not None and person.consent_source == "Messut 2026"
    assert db.scalar(select(Event.kind).where(Event.kind == "contact_person_added"))


@pytest.mark.parametrize(("field", "value"), [("email", "liisa@"), ("phone", "abc"), ("name", "")])
def test_bad_contact_person_input(webapp, company, db, field, value):
    form = webapp.get(f"/t/acme/customers/{company.id}/contacts/new").forms["contact-person-form"]
    form["name"] = "Liisa"
    form[field] = value
    page = form.submit()
    assert page.html.select_one(f"#{field}-error") is not None
    assert page.forms["contact-person-form"][field].value == value
    assert _persons(db, company) == []


def test_stale_contact_person_edit_is_refused(webapp, company, db):
    person = ContactPerson(customer_id=company.id, name="Pekka")
    db.add(person)
    db.flush()
    url = f"/t/acme/customers/{company.id}/contacts/{person.id}/edit"
    mine, theirs = (
        webapp.get(url).forms["contact-person-form"],
        webapp.get(url).forms["contact-person-form"],
    )
    theirs["title"] = "Toimitusjohtaja"
    theirs.submit().follow()
    mine["title"] = "Myyntipäällikkö"
    refused = mine.submit(status=409)
    assert refused.html.select_one(".stale") is not None
    db.refresh(person)
    assert person.title == "Toimitusjohtaja"


def test_archive_contact_person(webapp, company, db):
    person = ContactPerson(customer_id=company.id, name="Poistuva")
    db.add(person)
    db.flush()
    page = webapp.get(f"/t/acme/customers/{company.id}/contacts/{person.id}/edit")
    next(f for f in page.forms.values() if f.action.endswith("/archive")).submit().follow()
    section = webapp.get(f"/t/acme/customers/{company.id}").html.select_one(".contact-persons")
    assert "Poistuva" not in section.get_text()
    db.refresh(person)
    assert person.archived_at is not None


def test_other_tenants_contact_person_is_404(webapp, company, db, make_tenant):
    other = make_tenant("other", plugins=("contacts",))
    set_tenant(db, other.id)
    theirs = Customer(name="Heidän Oy", tags=[])
    db.add(theirs)
    db.flush()
    person = ContactPerson(customer_id=theirs.id, name="Salainen Henkilö")
    db.add(person)
    db.flush()
    for url in (
        f"/t/acme/customers/{theirs.id}/contacts/new",
        f"/t/acme/customers/{theirs.id}/contacts/{person.id}/edit",
        f"/t/acme/customers/{company.id}/contacts/{person.id}/edit",
        f"/t/other/customers/{theirs.id}/contacts/{person.id}/edit",
    ):
        assert "Salainen" not in webapp.get(url, status=404).text
    token = webapp.cookies["myynti_csrf"]
    webapp.post(
        f"/t/acme/customers/{company.id}/contacts/{person.id}/archive",
        {"csrf_token": token},
        status=404,
    )
    db.refresh(person)
    assert person.archived_at is None
