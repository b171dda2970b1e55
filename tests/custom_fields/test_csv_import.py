"""CSV import of customers with custom fields: a required field's column is mapped and filled."""

import pytest
from sqlalchemy import select

from core.db import set_tenant
from plugins.contacts.models import Customer
from plugins.custom_fields.models import FieldType
from tests.contacts.test_import import count_customers, upload_csv

REQUIRED_MESSAGE = "Choose the column for “Segment”: it is required."


@pytest.fixture
def fields(acme, make_field):
    """A required segment and an optional staff count on Acme's customers."""
    make_field(acme, "ryhma", required=True, label={"fi": "Asiakasryhmä", "en": "Segment"})
    make_field(acme, "henkilosto", FieldType.INTEGER, label={"fi": "Henkilöstö", "en": "Staff"})


def _check(webapp, content: bytes, status=200, **kw):
    """Upload ``content`` and post its mapping as guessed for a check of the rows."""
    form = upload_csv(webapp, content).follow().forms["import-check"]
    return form.submit("action", value="check", status=status, **kw)


def _imported(db, tenant):
    set_tenant(db, tenant.id)
    return {c.name: c.custom_values for c in db.scalars(select(Customer))}


def test_an_unmapped_required_field_refuses_the_mapping(webapp, acme, fields, db):
    form = (
        upload_csv(webapp, b"nimi;kaupunki;muuta\nAlfa Oy;Oulu;x\n").follow().forms["import-check"]
    )
    form["col-1"] = ""
    page = form.submit("action", value="check", status=400)
    assert page.html.select_one(".form-error").get_text(strip=True) == REQUIRED_MESSAGE
    assert page.html.select_one(".import-report") is None
    kept = page.forms["import-check"]
    assert [kept[f"col-{i}"].value for i in range(3)] == ["name", "", ""]
    forced = webapp.post(
        kept.action, {**dict(kept.submit_fields()), "action": "import"}, status=400
    )
    assert REQUIRED_MESSAGE in forced.text
    assert count_customers(db, acme) == 0


def test_an_empty_required_cell_is_a_row_error(webapp, acme, fields, db):
    content = "nimi;asiakasryhmä\nAlfa Oy;Pienet\nBeeta Oy;\n".encode()
    page = _check(webapp, content, status=400)
    assert page.html.select_one("#import-check > p.form-error") is None
    (row,) = page.html.select(".import-report tbody tr")
    assert [td.get_text(strip=True) for td in row.select("td")] == [
        "3",
        "Beeta Oy",
        "Segment is required.",
    ]
    assert page.html.find("button", attrs={"value": "import"}) is None
    form = page.forms["import-check"]
    webapp.post(form.action, {**dict(form.submit_fields()), "action": "import"}, status=400)
    assert count_customers(db, acme) == 0


def test_mapped_and_filled_required_fields_are_imported(webapp, acme, fields, db):
    content = "nimi;asiakasryhmä;henkilöstö\nAlfa Oy;Pienet;4\nBeeta Oy;Suuret;250\n".encode()
    page = _check(webapp, content)
    page.forms["import-check"].submit("action", value="import", status=303)
    assert _imported(db, acme) == {
        "Alfa Oy": {"ryhma": "Pienet", "henkilosto": 4},
        "Beeta Oy": {"ryhma": "Suuret", "henkilosto": 250},
    }


def test_an_optional_field_may_stay_unmapped(webapp, acme, fields, db):
    page = _check(webapp, "nimi;asiakasryhmä\nAlfa Oy;Pienet\n".encode())
    page.forms["import-check"].submit("action", value="import", status=303)
    assert _imported(db, acme) == {"Alfa Oy": {"ryhma": "Pienet"}}


def test_the_required_column_message_in_finnish(webapp, acme, fields, db):
    page = _check(webapp, b"nimi\nAlfa Oy\n", status=400, headers={"Accept-Language": "fi"})
    assert page.html.select_one(".form-error").get_text(strip=True) == (
        "Valitse sarake kentälle ”Asiakasryhmä”: se on pakollinen."
    )
    assert count_customers(db, acme) == 0
