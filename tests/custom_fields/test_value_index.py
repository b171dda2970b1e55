"""The value index behind filters and sorting stays in step with the records' values.

Every way a value is written (form, edit, CSV import, merge, type change, field
delete, a record deleted) leaves ``custom_value_index`` holding exactly the
rows of the values records hold; filters and sorting read it and show the
right records, never another tenant's.
"""

import importlib.util
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select

from core.db import all_tenants, set_tenant
from core.models import Role
from plugins.contacts.models import Customer
from plugins.custom_fields.models import CustomValueIndex, FieldType
from plugins.custom_fields.value_index import index_rows
from tests.custom_fields.conftest import CLASSES

MIGRATION = (
    Path(__file__).parents[2] / "plugins/custom_fields/migrations/custom_fields0002_value_index.py"
)
TAGS = [
    {"value": "x", "fi": "Iks", "en": "Ex", "retired": False},
    {"value": "y", "fi": "Yy", "en": "Why", "retired": False},
]


@pytest.fixture
def fields(acme, make_field):
    return {
        "luokka": make_field(
            acme, "luokka", FieldType.CHOICE, choices=CLASSES, show_in_list=True, filterable=True
        ),
        "paattyy": make_field(acme, "paattyy", FieldType.DATE, show_in_list=True, filterable=True),
        "henkilosto": make_field(
            acme, "henkilosto", FieldType.INTEGER, show_in_list=True, filterable=True
        ),
        "tagit": make_field(acme, "tagit", FieldType.MULTI_CHOICE, choices=TAGS, filterable=True),
        "aktiivinen": make_field(acme, "aktiivinen", FieldType.YES_NO, filterable=True),
    }


def _index(db, tenant):
    """The tenant's index rows as comparable tuples."""
    set_tenant(db, tenant.id)
    return sorted(
        (
            r.record_table,
            r.record_id,
            r.field_key,
            r.position,
            r.text_value,
            r.number_value,
            r.date_value,
        )
        for r in db.scalars(select(CustomValueIndex))
    )


def _expected(db, tenant):
    """The rows the tenant's customers' values call for."""
    set_tenant(db, tenant.id)
    db.expire_all()
    rows = [
        row
        for customer in db.scalars(select(Customer))
        for row in index_rows(tenant.id, "customer", customer.id, customer.custom_values)
    ]
    return sorted(
        (
            r["record_table"],
            r["record_id"],
            r["field_key"],
            r["position"],
            r["text_value"],
            r["number_value"],
            r["date_value"],
        )
        for r in rows
    )


def _customer(db, tenant, name, **values):
    set_tenant(db, tenant.id)
    customer = Customer(name=name, custom_values=values)
    db.add(customer)
    db.flush()
    return customer


def _names(webapp, **query):
    page = webapp.get("/t/acme/customers", query)
    return [a.get_text() for a in page.html.select("table.customers tbody td:first-child a")]


def test_a_saved_form_is_indexed_by_type(webapp, acme, fields, db):
    form = webapp.get("/t/acme/customers/new").forms["customer-form"]
    form["name"] = "Kelpo Oy"
    form["cf_luokka"] = "a"
    form["cf_paattyy"] = "31.3.2027"
    form["cf_henkilosto"] = "12"
    form["cf_tagit"] = ["x", "y"]
    form["cf_aktiivinen"] = "1"
    form.submit(status=303)
    (customer,) = db.scalars(select(Customer))
    cid = customer.id
    assert _index(db, acme) == sorted(
        [
            ("customer", cid, "aktiivinen", 0, None, 1.0, None),
            ("customer", cid, "henkilosto", 0, None, 12.0, None),
            ("customer", cid, "luokka", 0, "a", None, None),
            ("customer", cid, "paattyy", 0, "2027-03-31", None, date(2027, 3, 31)),
            ("customer", cid, "tagit", 0, "x", None, None),
            ("customer", cid, "tagit", 1, "y", None, None),
        ]
    )


def test_an_edit_replaces_the_rows_and_an_emptied_field_loses_its_row(webapp, acme, fields, db):
    customer = _customer(db, acme, "Muokattava Oy", luokka="a", henkilosto=5, tagit=["x", "y"])
    form = webapp.get(f"/t/acme/customers/{customer.id}/edit").forms["customer-form"]
    form["cf_luokka"] = "b"
    form["cf_henkilosto"] = ""
    form["cf_tagit"] = ["y"]
    form.submit(status=303)
    assert _index(db, acme) == [
        ("customer", customer.id, "luokka", 0, "b", None, None),
        ("customer", customer.id, "tagit", 0, "y", None, None),
    ]
    assert _index(db, acme) == _expected(db, acme)


def test_a_csv_import_indexes_the_new_records(webapp, acme, fields, db):
    upload = webapp.get("/t/acme/customers/import").forms["import-upload"]
    csv = "nimi;luokka;henkilosto;paattyy\nTuonti Oy;Class B;12;1.2.2028\n"
    upload["file"] = ("asiakkaat.csv", csv.encode())
    check = upload.submit().follow()
    page = check.forms["import-check"].submit("action", value="check")
    page.forms["import-check"].submit("action", value="import", status=303)
    (customer,) = db.scalars(select(Customer))
    assert ("customer", customer.id, "luokka", 0, "b", None, None) in _index(db, acme)
    assert _index(db, acme) == _expected(db, acme)
    assert len(_index(db, acme)) == 3
    assert _names(webapp, cf_paattyy_from="2028-02-01", cf_paattyy_to="2028-02-01") == ["Tuonti Oy"]


def test_a_merge_keeps_the_index_and_the_merged_customer_leaves_the_list(
    webapp, acme, fields, db, make_user, login
):
    keep = _customer(db, acme, "Virtanen Oy", luokka="a")
    lose = _customer(db, acme, "Virtanen Oy (vanha)", luokka="a", henkilosto=3)
    page = webapp.get(f"/t/acme/customers/{lose.id}/merge", {"q": "Virtanen"})
    form = next(f for f in page.forms.values() if f.get("survivor", default=None) is not None)
    form.submit().follow()
    db.expire_all()
    assert lose.merged_into_id == keep.id
    assert _index(db, acme) == _expected(db, acme)
    assert _names(webapp, cf_luokka="a") == ["Virtanen Oy"]


def test_a_type_change_rewrites_the_rows(webapp, acme, db, make_field):
    field = make_field(acme, "koko", filterable=True)
    customer = _customer(db, acme, "Koko Oy", koko="1 200")
    assert _index(db, acme) == [("customer", customer.id, "koko", 0, "1 200", None, None)]
    form = webapp.get(f"/t/acme/settings/custom-fields/{field.id}").forms["field-form"]
    form["type"] = "integer"
    form.submit(status=303)
    assert _index(db, acme) == [("customer", customer.id, "koko", 0, None, 1200.0, None)]
    assert _names(webapp, cf_koko_from="1000", cf_koko_to="2000") == ["Koko Oy"]


def test_a_deleted_field_leaves_no_rows(webapp, acme, db, make_field):
    field = make_field(acme, "luokka")
    _customer(db, acme, "Poisto Oy", luokka="x", muu="jää")
    page = webapp.get(f"/t/acme/settings/custom-fields/{field.id}/delete")
    form = page.forms["delete-form"]
    form["confirm"] = True
    form.submit(status=303)
    assert [row[2] for row in _index(db, acme)] == ["muu"]
    assert _index(db, acme) == _expected(db, acme)


def test_a_deleted_record_leaves_no_rows(acme, fields, db):
    gone = _customer(db, acme, "Poistuva Oy", luokka="a")
    stays = _customer(db, acme, "Jäävä Oy", luokka="b")
    db.delete(gone)
    db.flush()
    assert _index(db, acme) == [("customer", stays.id, "luokka", 0, "b", None, None)]


def test_every_kind_of_filter_finds_the_right_records(webapp, acme, fields, db):
    _customer(db, acme, "Alfa Oy", luokka="a", henkilosto=5, tagit=["x"], aktiivinen=True)
    _customer(db, acme, "Beeta Oy", luokka="b", henkilosto=50, tagit=["x", "y"], aktiivinen=False)
    _customer(db, acme, "Gamma Oy", paattyy="2027-06-30", tagit=["y"])
    assert _names(webapp, cf_tagit="y") == ["Beeta Oy", "Gamma Oy"]
    assert _names(webapp, cf_aktiivinen="1") == ["Alfa Oy"]
    assert _names(webapp, cf_aktiivinen="0") == ["Beeta Oy"]
    assert _names(webapp, cf_henkilosto_from="10") == ["Beeta Oy"]
    assert _names(webapp, cf_henkilosto_to="10") == ["Alfa Oy"]
    assert _names(webapp, cf_paattyy_from="2027-06-30", cf_paattyy_to="2027-06-30") == ["Gamma Oy"]
    # Several filters at once: the records that pass all of them.
    assert _names(webapp, cf_tagit="x", cf_henkilosto_from="10") == ["Beeta Oy"]
    assert _names(webapp, cf_tagit="x", cf_luokka="a", cf_aktiivinen="1") == ["Alfa Oy"]
    assert _names(webapp, cf_tagit="y", cf_luokka="a") == []
    assert "0" in webapp.get("/t/acme/customers", {"cf_tagit": "y", "cf_luokka": "a"}).text


def test_sorting_puts_records_without_a_value_last_both_ways(webapp, acme, fields, db):
    _customer(db, acme, "Ei päivää Oy")
    _customer(db, acme, "Myöhään Oy", paattyy="2028-01-01")
    _customer(db, acme, "Aikaisin Oy", paattyy="2026-01-01")
    _customer(db, acme, "Ei myöskään Oy", henkilosto=1)
    assert _names(webapp, sort="cf_paattyy") == [
        "Aikaisin Oy",
        "Myöhään Oy",
        "Ei päivää Oy",
        "Ei myöskään Oy",
    ]
    assert _names(webapp, sort="-cf_paattyy") == [
        "Myöhään Oy",
        "Aikaisin Oy",
        "Ei myöskään Oy",
        "Ei päivää Oy",
    ]
    assert _names(webapp, sort="-cf_henkilosto", cf_luokka="a") == []


def test_sorted_pages_run_from_the_values_into_the_records_without_one(webapp, acme, fields, db):
    for n in range(55):
        _customer(db, acme, f"Arvo {n:02}", henkilosto=100 - n)
    for n in range(52):
        _customer(db, acme, f"Tyhjä {n:02}")
    first = _names(webapp, sort="cf_henkilosto")
    second = _names(webapp, sort="cf_henkilosto", page="2")
    third = _names(webapp, sort="cf_henkilosto", page="3")
    assert first == [f"Arvo {n:02}" for n in range(54, 4, -1)]
    assert second == [f"Arvo {n:02}" for n in range(4, -1, -1)] + [
        f"Tyhjä {n:02}" for n in range(45)
    ]
    assert third == [f"Tyhjä {n:02}" for n in range(45, 52)]


def test_another_tenants_values_never_match(webapp, acme, fields, db, make_tenant, make_field):
    other = make_tenant("muu", "Muu Oy", plugins=("contacts", "custom_fields"))
    make_field(other, "luokka", FieldType.CHOICE, choices=CLASSES, show_in_list=True)
    make_field(other, "paattyy", FieldType.DATE, show_in_list=True)
    _customer(db, other, "Vieras Oy", luokka="a", paattyy="2027-01-01", henkilosto=7)
    _customer(db, acme, "Oma Oy", luokka="b")
    assert _names(webapp, cf_luokka="a") == []
    assert _names(webapp, cf_paattyy_from="2026-01-01") == []
    assert _names(webapp, cf_henkilosto_from="1") == []
    assert _names(webapp, sort="cf_paattyy") == ["Oma Oy"]
    assert _names(webapp, sort="-cf_henkilosto") == ["Oma Oy"]
    assert [row[2] for row in _index(db, acme)] == ["luokka"]


def test_the_migration_indexes_values_written_before_it(acme, fields, db, make_tenant):
    """The backfill of ``custom_fields0002`` indexes every tenant's stored values."""
    other = make_tenant("muu", "Muu Oy", plugins=("contacts", "custom_fields"))
    for tenant, values in ((acme, {"luokka": "a", "tagit": ["x", "y"]}), (other, {"n": 2.5})):
        set_tenant(db, tenant.id)
        row = {"tenant_id": tenant.id, "name": "Vanha Oy", "name_key": "vanha oy"}
        db.execute(insert(Customer), [{**row, "custom_values": values}])
    with all_tenants(db):
        db.execute(delete(CustomValueIndex))
    set_tenant(db, None)
    assert _index(db, acme) == []
    spec = importlib.util.spec_from_file_location("custom_fields0002", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    migration.backfill(db.connection())

    assert len(_index(db, acme)) == 3
    assert _index(db, acme) == _expected(db, acme)
    assert _index(db, other) == _expected(db, other) != []


def test_members_see_the_same_filters(webapp, acme, fields, db, make_user, login):
    make_user("member@acme.example", tenant=acme, role=Role.MEMBER)
    login(webapp, "member@acme.example")
    _customer(db, acme, "Alfa Oy", luokka="a")
    _customer(db, acme, "Beeta Oy", luokka="b")
    assert _names(webapp, cf_luokka="b") == ["Beeta Oy"]
