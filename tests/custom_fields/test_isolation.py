"""Another tenant's field definitions: 404 in every URL, ignored in every form."""

import pytest
from sqlalchemy import select

from core.db import set_tenant
from core.testing import csrf_token
from plugins.contacts.models import Customer
from tests.custom_fields.conftest import CLASSES


@pytest.fixture
def foreign(make_tenant, make_field):
    other = make_tenant("muu", "Muu Oy", plugins=("contacts", "custom_fields"))
    return make_field(other, "salainen", "choice", choices=CLASSES)


@pytest.mark.parametrize("suffix", ["", "/delete"])
def test_another_tenants_field_pages_are_404(webapp, acme, foreign, suffix):
    webapp.get(f"/t/acme/settings/custom-fields/{foreign.id}{suffix}", status=404)


@pytest.mark.parametrize("suffix", ["", "/retire", "/restore", "/delete"])
def test_posting_to_another_tenants_field_is_404_and_changes_nothing(
    webapp, acme, foreign, db, suffix
):
    webapp.get("/t/acme/settings/custom-fields")
    webapp.post(
        f"/t/acme/settings/custom-fields/{foreign.id}{suffix}",
        {"csrf_token": csrf_token(webapp), "confirm": "0", "label_fi": "x", "type": "text"},
        status=404,
    )
    db.expire_all()
    assert foreign.retired_at is None and foreign.label["fi"] == "Salainen"


def test_an_unknown_entity_is_404(webapp, acme):
    webapp.get("/t/acme/settings/custom-fields/contact_request/new", status=404)
    webapp.get("/t/acme/settings/custom-fields/nothing/new", status=404)


def test_another_tenants_field_is_not_in_forms_lists_or_filters(webapp, acme, foreign, db):
    form = webapp.get("/t/acme/customers/new").forms["customer-form"]
    assert "cf_salainen" not in form.fields
    form["name"] = "Oma Oy"
    form.submit(status=303)
    listing = webapp.get("/t/acme/customers", {"cf_salainen": "a"})
    assert "Oma Oy" in listing.text and "Salainen" not in listing.text


def test_a_posted_value_for_another_tenants_field_is_not_stored(webapp, acme, foreign, db):
    form = webapp.get("/t/acme/customers/new").forms["customer-form"]
    form["name"] = "Oma Oy"
    params = dict(form.submit_fields())
    params["cf_salainen"] = "a"
    webapp.post("/t/acme/customers/new", params, status=303)
    set_tenant(db, acme.id)
    (customer,) = db.scalars(select(Customer).where(Customer.name == "Oma Oy"))
    assert customer.custom_values == {}
