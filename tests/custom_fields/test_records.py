"""Users fill custom fields in their forms and see them on pages, lists, filters and CSV."""

import pytest
from sqlalchemy import select

from core.db import set_tenant
from core.history import CHANGED
from core.licensing import disable_plugin
from core.models import Event
from plugins.contacts.models import ContactPerson, Customer
from plugins.custom_fields.models import FieldType
from tests.custom_fields.conftest import CLASSES


@pytest.fixture
def fields(acme, make_field):
    return {
        "luokka": make_field(
            acme,
            "luokka",
            FieldType.CHOICE,
            choices=CLASSES,
            required=True,
            show_in_list=True,
            filterable=True,
            section="Sopimus",
            position=1,
            label={"fi": "Luokka", "en": "Class"},
        ),
        "paattyy": make_field(
            acme,
            "paattyy",
            FieldType.DATE,
            filterable=True,
            show_in_list=True,
            section="Sopimus",
            position=2,
            label={"fi": "Päättyy", "en": "Ends"},
        ),
        "henkilosto": make_field(
            acme, "henkilosto", FieldType.INTEGER, label={"fi": "Henkilöstö", "en": "Staff"}
        ),
        "arvo": make_field(acme, "arvo", FieldType.MONEY, label={"en": "Value"}),
    }


def _customers(db, tenant):
    set_tenant(db, tenant.id)
    return list(db.scalars(select(Customer).order_by(Customer.id)))


def _create(webapp, **values):
    form = webapp.get("/t/acme/customers/new").forms["customer-form"]
    form["name"] = values.pop("name", "Kelpo Oy")
    for key, value in values.items():
        form[key] = value
    return form.submit()


def test_a_user_fills_the_fields_and_sees_them(webapp, acme, fields, db):
    page = webapp.get("/t/acme/customers/new")
    legends = [
        legend.get_text() for legend in page.html.select("fieldset.extension-section legend")
    ]
    assert "Sopimus" in legends
    page = _create(
        webapp, cf_luokka="a", cf_paattyy="2027-03-31", cf_henkilosto="1 200", cf_arvo="12 500,50"
    ).follow()
    (customer,) = _customers(db, acme)
    assert customer.custom_values == {
        "luokka": "a",
        "paattyy": "2027-03-31",
        "henkilosto": 1200,
        "arvo": 12500.5,
    }
    panel = page.html.select_one("[data-panel=custom-fields]").get_text()
    assert "Class A" in panel and "31.3.2027" in panel and "1\xa0200" in panel


def test_finnish_pages_show_finnish_labels_and_formats(webapp, acme, fields, db):
    _create(webapp, cf_luokka="b", cf_arvo="1234,5").follow()
    (customer,) = _customers(db, acme)
    page = webapp.get(f"/t/acme/customers/{customer.id}", headers={"Accept-Language": "fi"})
    panel = page.html.select_one("[data-panel=custom-fields]").get_text()
    assert "B-luokka" in panel and "1\xa0234,50\xa0€" in panel and "Value" in panel


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cf_henkilosto", "kaksi", "whole number"),
        ("cf_arvo", "12 euroa", "Enter a number"),
        ("cf_arvo", "1e30", "The number is too large."),
        ("cf_paattyy", "31.2.2027", "Enter a date"),
        ("cf_luokka", "", "required"),
    ],
)
def test_bad_input_shows_message_keeps_input_writes_nothing(
    webapp, acme, fields, db, field, value, message
):
    values = {"cf_luokka": "a", field: value}
    page = _create(webapp, **values)
    assert page.status_int == 200
    assert message in page.html.select_one(f"#{field}-error").get_text()
    assert page.forms["customer-form"][field].value == value
    assert _customers(db, acme) == []


def test_a_choice_that_is_not_offered_is_refused(webapp, acme, fields, db):
    form = webapp.get("/t/acme/customers/new").forms["customer-form"]
    params = dict(form.submit_fields())
    for value in ("zzz", "old"):
        params.update(name="Kelpo Oy", cf_luokka=value)
        page = webapp.post("/t/acme/customers/new", params)
        assert "is not one of the choices" in page.html.select_one("#cf_luokka-error").get_text()
    assert _customers(db, acme) == []


def test_a_retired_choice_stays_on_old_records(webapp, acme, fields, db):
    set_tenant(db, acme.id)
    customer = Customer(name="Vanha Oy", custom_values={"luokka": "old"})
    db.add(customer)
    db.flush()
    assert "Old" in webapp.get(f"/t/acme/customers/{customer.id}").text
    form = webapp.get(f"/t/acme/customers/{customer.id}/edit").forms["customer-form"]
    assert form["cf_luokka"].value == "old"
    form["cf_henkilosto"] = "5"
    form.submit(status=303)
    db.expire_all()
    assert customer.custom_values == {"luokka": "old", "henkilosto": 5}
    new_form = webapp.get("/t/acme/customers/new").forms["customer-form"]
    assert "old" not in [o[0] for o in new_form["cf_luokka"].options]


def test_changes_go_to_the_records_history(webapp, acme, fields, db):
    _create(webapp, cf_luokka="a", cf_henkilosto="3")
    (customer,) = _customers(db, acme)
    form = webapp.get(f"/t/acme/customers/{customer.id}/edit").forms["customer-form"]
    form["cf_luokka"] = "b"
    form.submit(status=303)
    events = list(
        db.scalars(select(Event).where(Event.record_id == customer.id, Event.kind == CHANGED))
    )
    assert [e.payload["changes"] for e in events] == [{"Class": ["Class A", "Class B"]}]
    history = webapp.get(f"/t/acme/history/customer/{customer.id}")
    assert "Class A → Class B" in history.text


def test_list_columns_filters_and_sorting(webapp, acme, fields, db):
    set_tenant(db, acme.id)
    for name, luokka, ends in (
        ("Alfa Oy", "a", "2027-01-15"),
        ("Beeta Oy", "b", "2027-06-30"),
        ("Gamma Oy", "a", "2028-02-01"),
    ):
        db.add(Customer(name=name, custom_values={"luokka": luokka, "paattyy": ends}))
    db.flush()

    def names(**query):
        page = webapp.get("/t/acme/customers", query)
        return [a.get_text() for a in page.html.select("table.customers tbody td:first-child a")]

    page = webapp.get("/t/acme/customers")
    assert page.html.select_one("td[data-column=cf_paattyy]").get_text() == "15.1.2027"
    assert names(cf_luokka="a") == ["Alfa Oy", "Gamma Oy"]
    assert names(cf_paattyy_from="2027-02-01", cf_paattyy_to="2027-12-31") == ["Beeta Oy"]
    assert names(cf_paattyy_from="2027-06-30") == ["Beeta Oy", "Gamma Oy"]
    assert names(sort="-cf_paattyy") == ["Gamma Oy", "Beeta Oy", "Alfa Oy"]
    assert names(cf_luokka="nonsense") == ["Alfa Oy", "Beeta Oy", "Gamma Oy"]


def test_csv_export_and_import_carry_the_fields(webapp, acme, fields, db):
    _create(webapp, name="Vienti Oy", cf_luokka="a", cf_henkilosto="7")
    export = webapp.get("/t/acme/customers/export.csv").body.decode("utf-8-sig")
    header, row = export.splitlines()[:2]
    assert header.split(";")[-4:] == ["henkilosto", "arvo", "luokka", "paattyy"]
    assert row.split(";")[-4:] == ["7", "", "a", ""]

    upload = webapp.get("/t/acme/customers/import").forms["import-upload"]
    csv = "nimi;luokka;henkilosto\nTuonti Oy;Class B;12\nHuono Oy;zzz;kaksi\n"
    upload["file"] = ("asiakkaat.csv", csv.encode())
    check = upload.submit().follow()
    page = check.forms["import-check"].submit("action", value="check", status=400)
    report = page.html.select_one(".import-report").get_text()
    assert "“zzz” is not one of the choices" in report and "whole number" in report
    csv = "nimi;luokka;henkilosto\nTuonti Oy;Class B;12\n"
    upload = webapp.get("/t/acme/customers/import").forms["import-upload"]
    upload["file"] = ("asiakkaat.csv", csv.encode())
    check = upload.submit().follow()
    page = check.forms["import-check"].submit("action", value="check")
    page.forms["import-check"].submit("action", value="import", status=303)
    imported = [c for c in _customers(db, acme) if c.name == "Tuonti Oy"]
    assert imported[0].custom_values == {"luokka": "b", "henkilosto": 12}


def test_contact_person_fields(webapp, acme, make_field, db):
    make_field(acme, "rooli", entity="contact_person", show_in_list=True, label={"en": "Role"})
    set_tenant(db, acme.id)
    customer = Customer(name="Yhtiö Oy")
    db.add(customer)
    db.flush()
    form = webapp.get(f"/t/acme/customers/{customer.id}/contacts/new").forms["contact-person-form"]
    form["name"] = "Liisa Laine"
    form["cf_rooli"] = "Päättäjä"
    page = form.submit().follow()
    (person,) = db.scalars(select(ContactPerson))
    assert person.custom_values == {"rooli": "Päättäjä"}
    assert "Päättäjä" in page.html.select_one(".contact-persons").get_text()


def test_nothing_shows_when_the_tenant_disables_the_plugin(
    webapp, acme, fields, db, myynti_registry
):
    _create(webapp, cf_luokka="a")
    (customer,) = _customers(db, acme)
    disable_plugin(db, myynti_registry, acme, "custom_fields")
    db.flush()
    page = webapp.get(f"/t/acme/customers/{customer.id}")
    assert "Class A" not in page.text
    form = webapp.get(f"/t/acme/customers/{customer.id}/edit").forms["customer-form"]
    assert "cf_luokka" not in form.fields
    form.submit(status=303)
    webapp.get("/t/acme/settings/custom-fields", status=404)
    db.expire_all()
    assert customer.custom_values == {"luokka": "a"}
