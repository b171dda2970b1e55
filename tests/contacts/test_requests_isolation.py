"""Every contact-request page of one tenant is a 404 for another tenant's members."""

import pytest

from core.db import set_tenant
from core.licensing import disable_plugin
from plugins.contacts.models import ContactRequest, Customer
from plugins.contacts.requests.intake import create_request
from plugins.contacts.views import requests as requests_views
from tests.contacts.requests_support import rows, two_tenants


@pytest.fixture
def world(db, make_tenant, make_user):
    world = two_tenants(db, make_tenant, make_user)
    set_tenant(db, world.alpha.id)
    world.item = create_request(
        db,
        {"name": "Salainen", "email": "salainen@alpha-asiakas.fi", "subject": "Salaisuus"},
        "api",
    )
    world.customer = Customer(name="Alpha-asiakas", tags=[])
    db.add(world.customer)
    db.flush()
    return world


def test_another_tenants_member_sees_nothing(webapp, world, db, login):
    login(webapp, "admin@beta.example")
    item = world.item.id
    for url in (
        "/t/alpha/requests",
        "/t/alpha/requests/new",
        f"/t/alpha/requests/{item}",
        f"/t/beta/requests/{item}",
    ):
        page = webapp.get(url, status=404)
        assert "Salaisuus" not in page.text
    listing = webapp.get("/t/beta/requests?scope=all&state=all")
    assert "Salaisuus" not in listing.text
    csrf = webapp.cookies["myynti_csrf"]
    for action, data in (
        ("state", {"state": "spam", "version": "1"}),
        ("assign", {"team_id": "0", "user_id": "0", "version": "1"}),
        ("customer", {"action": "create"}),
        ("customer", {"customer_id": str(world.customer.id)}),
        ("convert", {"target": "deal"}),
    ):
        for tenant in ("alpha", "beta"):
            webapp.post(
                f"/t/{tenant}/requests/{item}/{action}", {**data, "csrf_token": csrf}, status=404
            )
    (untouched,) = rows(db, world.alpha, ContactRequest)
    assert untouched.state == "new" and untouched.customer_id is None


def test_linking_another_tenants_customer_is_not_found(webapp, world, db, login):
    set_tenant(db, world.beta.id)
    mine = create_request(db, {"name": "Oma", "email": "oma@example.org"}, "api")
    db.flush()
    login(webapp, "admin@beta.example")
    webapp.get("/t/beta/requests")
    webapp.post(
        f"/t/beta/requests/{mine.id}/customer",
        {"customer_id": str(world.customer.id), "csrf_token": webapp.cookies["myynti_csrf"]},
        status=404,
    )
    assert rows(db, world.beta, ContactRequest)[0].customer_id is None


def test_a_tenant_without_contacts_has_no_request_pages(webapp, world, db, login, myynti_registry):
    disable_plugin(db, myynti_registry, world.alpha, "contacts")
    login(webapp, "anna@alpha.example")
    webapp.get("/t/alpha/requests", status=404)
    webapp.get(f"/t/alpha/requests/{world.item.id}", status=404)
    dashboard = webapp.get("/t/alpha/")
    assert "Salaisuus" not in dashboard.text


def test_dashboard_shows_new_requests_for_me_and_my_teams(webapp, world, db, login):
    from plugins.contacts.requests import lifecycle

    set_tenant(db, world.alpha.id)
    theirs = create_request(
        db, {"name": "Tuki", "email": "t@example.org", "subject": "Tuelle"}, "api"
    )
    lifecycle.assign(db, theirs, world.support, world.olli)
    db.flush()
    login(webapp, "anna@alpha.example")
    panel = webapp.get("/t/alpha/").html.select_one("[data-panel=contacts-new-requests]")
    assert "Salaisuus" in panel.text and "Tuelle" not in panel.text
    assert panel.select_one(".count strong").text == "1"


def test_the_dashboard_counts_every_new_request_and_lists_the_newest_five(webapp, world, db, login):
    set_tenant(db, world.alpha.id)
    for n in range(6):
        create_request(
            db,
            {"name": f"Asiakas {n}", "email": f"a{n}@example.org", "subject": f"Kysely {n}"},
            "api",
        )
    db.flush()
    login(webapp, "anna@alpha.example")
    panel = webapp.get("/t/alpha/").html.select_one("[data-panel=contacts-new-requests]")
    assert panel.select_one(".count strong").text == "7"
    assert "Kysely 5" in panel.text and "Kysely 1" in panel.text
    assert "Kysely 0" not in panel.text and "Salaisuus" not in panel.text


def test_past_its_cap_the_dashboard_says_how_many_at_least(webapp, world, db, login, monkeypatch):
    """Counting stops at ``PANEL_COUNT_CAP`` (made 3 here): more shows as "3+"."""
    monkeypatch.setattr(requests_views, "PANEL_COUNT_CAP", 3)
    set_tenant(db, world.alpha.id)
    for n in range(4):
        create_request(db, {"name": f"Asiakas {n}", "email": f"a{n}@example.org"}, "api")
    db.flush()
    login(webapp, "anna@alpha.example")
    panel = webapp.get("/t/alpha/").html.select_one("[data-panel=contacts-new-requests]")
    assert panel.select_one(".count strong").text == "3+"
