"""The admin defines fields: keys, labels, types, retiring, deleting, type changes."""

import pytest
from sqlalchemy import select

from core.db import set_tenant
from core.testing import csrf_token
from plugins.contacts.models import Customer
from plugins.custom_fields.models import CustomField, FieldType
from tests.custom_fields.conftest import CLASSES


def _new_form(webapp, entity="customer"):
    return webapp.get(f"/t/acme/settings/custom-fields/{entity}/new").forms["field-form"]


def _fields(db, tenant):
    set_tenant(db, tenant.id)
    return list(db.scalars(select(CustomField).order_by(CustomField.id)))


def test_admin_adds_a_choice_field(webapp, acme, db):
    form = _new_form(webapp)
    form["key"] = "asiakasluokka"
    form["label_fi"] = "Asiakasluokka"
    form["label_en"] = "Customer class"
    form["type"] = "choice"
    form["choices"] = "a; A-luokka; Class A\nb; B-luokka; Class B"
    form["show_in_list"] = True
    form["filterable"] = True
    page = form.submit().follow()
    assert "Customer class" in page.text
    (field,) = _fields(db, acme)
    assert field.key == "asiakasluokka" and field.type == FieldType.CHOICE
    assert [c["value"] for c in field.choices] == ["a", "b"]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("my field", "no spaces"),
        ("päättyy", "no spaces"),
        ("name", "built-in field"),
        ("Email", "built-in field"),
        ("tags", "built-in field"),
        ("asiakasluokka", "already has the key"),
        ("ASIAKASLUOKKA", "already has the key"),
    ],
)
def test_a_bad_or_clashing_key_is_refused(webapp, acme, db, make_field, key, message):
    make_field(acme, "asiakasluokka")
    form = _new_form(webapp)
    form["key"] = key
    form["label_fi"] = "Jotain"
    page = form.submit(status=400)
    assert message in page.html.select_one("#key-error").get_text()
    assert page.forms["field-form"]["key"].value == key
    assert len(_fields(db, acme)) == 1


def test_the_same_key_on_another_entity_is_fine(webapp, acme, db, make_field):
    make_field(acme, "luokka")
    form = _new_form(webapp, "contact_person")
    form["key"] = "luokka"
    form["label_en"] = "Class"
    form.submit(status=303)
    assert [(f.entity, f.key) for f in _fields(db, acme)] == [
        ("customer", "luokka"),
        ("contact_person", "luokka"),
    ]


def test_a_label_in_one_language_falls_back_in_the_other(webapp, acme, db):
    form = _new_form(webapp)
    form["key"] = "toimiala"
    form["label_fi"] = "Toimialaluokka"
    form.submit(status=303)
    english = webapp.get("/t/acme/customers/new")
    assert "Toimialaluokka" in english.text
    (field,) = _fields(db, acme)
    assert field.label == {"fi": "Toimialaluokka"}


def test_no_label_at_all_is_refused(webapp, acme, db):
    form = _new_form(webapp)
    form["key"] = "toimiala"
    page = form.submit(status=400)
    assert "Finnish or in English" in page.html.select_one("#label_en-error").get_text()
    assert _fields(db, acme) == []


def test_a_default_that_does_not_fit_the_type_is_refused(webapp, acme, db):
    form = _new_form(webapp)
    form["key"] = "henkilosto"
    form["label_fi"] = "Henkilöstö"
    form["type"] = "integer"
    form["default"] = "paljon"
    page = form.submit(status=400)
    assert "whole number" in page.html.select_one("#default-error").get_text()
    assert _fields(db, acme) == []


def _customer(db, tenant, **values):
    set_tenant(db, tenant.id)
    customer = Customer(name="Testi Oy", custom_values=values)
    db.add(customer)
    db.flush()
    return customer


def test_a_type_change_that_would_lose_values_is_refused_with_the_count(
    webapp, acme, db, make_field
):
    field = make_field(acme, "koko")
    for value in ("12", "iso", "pieni", "40"):
        _customer(db, acme, koko=value)
    form = webapp.get(f"/t/acme/settings/custom-fields/{field.id}").forms["field-form"]
    form["type"] = "integer"
    page = form.submit(status=400)
    assert "2 stored values would not convert" in page.html.select_one("#type-error").get_text()
    db.expire_all()
    assert field.type == FieldType.TEXT
    assert sorted(c.custom_values["koko"] for c in db.scalars(select(Customer))) == [
        "12",
        "40",
        "iso",
        "pieni",
    ]


def test_a_type_change_where_every_value_converts_converts_them(webapp, acme, db, make_field):
    field = make_field(acme, "koko")
    customer = _customer(db, acme, koko="1 200")
    form = webapp.get(f"/t/acme/settings/custom-fields/{field.id}").forms["field-form"]
    form["type"] = "integer"
    form.submit(status=303)
    db.expire_all()
    assert field.type == FieldType.INTEGER
    assert customer.custom_values == {"koko": 1200}


def test_removing_a_choice_in_use_is_refused_retiring_is_fine(webapp, acme, db, make_field):
    field = make_field(acme, "luokka", FieldType.CHOICE, choices=CLASSES[:2])
    _customer(db, acme, luokka="b")
    form = webapp.get(f"/t/acme/settings/custom-fields/{field.id}").forms["field-form"]
    form["choices"] = "a; A-luokka; Class A"
    page = form.submit(status=400)
    assert "1 records have a choice you removed (b)" in page.text
    form = page.forms["field-form"]
    form["choices"] = "b; B-luokka; Class B; Klass B; x\na; A-luokka; Class A; Klass A"
    form.submit(status=303)
    db.expire_all()
    assert [(c["value"], c["retired"]) for c in field.choices] == [("b", True), ("a", False)]


def test_retire_hides_the_field_and_restore_brings_it_back(webapp, acme, db, make_field):
    field = make_field(acme, "luokka", label={"fi": "Luokka", "en": "Class level"})
    customer = _customer(db, acme, luokka="kulta")
    webapp.get("/t/acme/settings/custom-fields").forms["retire-luokka"].submit(status=303)
    edit = webapp.get(f"/t/acme/customers/{customer.id}/edit")
    assert "cf_luokka" not in edit.forms["customer-form"].fields
    edit.forms["customer-form"].submit(status=303)
    db.expire_all()
    assert customer.custom_values == {"luokka": "kulta"}
    assert "kulta" not in webapp.get(f"/t/acme/customers/{customer.id}").text
    webapp.get("/t/acme/settings/custom-fields").forms["restore-luokka"].submit(status=303)
    assert field.retired_at is None
    assert "kulta" in webapp.get(f"/t/acme/customers/{customer.id}").text


def test_delete_names_the_count_and_needs_confirmation(webapp, acme, db, make_field):
    field = make_field(acme, "luokka")
    customers = [_customer(db, acme, luokka="x"), _customer(db, acme, luokka="y")]
    page = webapp.get(f"/t/acme/settings/custom-fields/{field.id}/delete")
    assert "2 records have a value" in page.html.select_one(".delete-count").get_text()
    page = page.forms["delete-form"].submit(status=400)
    assert _fields(db, acme) == [field]
    form = page.forms["delete-form"]
    form["confirm"] = True
    form.submit(status=303)
    db.expire_all()
    assert _fields(db, acme) == []
    assert [c.custom_values for c in customers] == [{}, {}]


def test_a_field_without_values_is_deleted_straight(webapp, acme, db, make_field):
    field = make_field(acme, "luokka")
    page = webapp.get(f"/t/acme/settings/custom-fields/{field.id}/delete")
    assert "No record has a value" in page.text
    page.forms["delete-form"].submit(status=303)
    assert _fields(db, acme) == []


def test_members_cannot_manage_fields(webapp, acme, make_user, login, make_field):
    field = make_field(acme, "luokka")
    make_user("member@acme.example", tenant=acme)
    login(webapp, "member@acme.example")
    webapp.get("/t/acme/settings/custom-fields", status=403)
    webapp.get(f"/t/acme/settings/custom-fields/{field.id}", status=403)


def test_a_field_reads_in_swedish_with_its_choices(webapp, acme, db):
    form = _new_form(webapp)
    form["key"] = "asiakasluokka"
    form["label_fi"] = "Asiakasluokka"
    form["label_en"] = "Customer class"
    form["label_sv"] = "Kundklass"
    form["help_sv"] = "Klass enligt försäljningen"
    form["type"] = "choice"
    form["choices"] = "a; A-luokka; Class A; Klass A\nb; B-luokka; Class B; Klass B"
    form.submit().follow()
    (field,) = _fields(db, acme)
    assert field.label == {"fi": "Asiakasluokka", "en": "Customer class", "sv": "Kundklass"}
    assert field.choices[0] == {
        "value": "a",
        "fi": "A-luokka",
        "en": "Class A",
        "sv": "Klass A",
        "retired": False,
    }
    # The admin's form shows the Swedish again, in the five-column choice lines.
    again = webapp.get(f"/t/acme/settings/custom-fields/{field.id}").forms["field-form"]
    assert again["label_sv"].value == "Kundklass"
    assert again["choices"].value.splitlines()[0] == "a; A-luokka; Class A; Klass A"

    token = csrf_token(webapp)
    webapp.post("/locale", {"locale": "sv", "came_from": "/", "csrf_token": token}, status=303)
    page = webapp.get("/t/acme/customers/new")
    assert page.html.select_one("label[for=cf_asiakasluokka]").get_text(strip=True) == "Kundklass"
    options = [o.get_text(strip=True) for o in page.html.select("#cf_asiakasluokka option")]
    assert "Klass A" in options and "Klass B" in options
    assert "Klass enligt försäljningen" in page.text
