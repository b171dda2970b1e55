"""Converting a request through the ``myynti_request_conversions`` hook of another plugin."""

import pytest
from sqlalchemy import select

from core.app import make_config
from core.db import set_tenant
from core.licensing import disable_plugin, enable_plugin
from core.models import Team
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.testing import app_in_transaction
from plugins.contacts import plugin as contacts_plugin
from plugins.contacts.models import ContactRequest, RequestState
from plugins.contacts.requests.intake import create_request
from tests.contacts.requests_deals import plugin as deals_plugin
from tests.contacts.requests_support import events, fresh, kinds, two_tenants


@pytest.fixture(scope="module")
def deals_registry():
    return PluginRegistry([CORE_PLUGIN, contacts_plugin, deals_plugin])


@pytest.fixture(scope="module")
def deals_wsgi(app_settings, deals_registry, db_engine):
    return make_config(app_settings, registry=deals_registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def deals_app(deals_wsgi, db_connection):
    with app_in_transaction(deals_wsgi, db_connection) as app:
        yield app


@pytest.fixture
def world(db, make_tenant, make_user, deals_registry):
    world = two_tenants(db, make_tenant, make_user)
    enable_plugin(db, deals_registry, world.alpha, "deals")
    set_tenant(db, world.alpha.id)
    world.item = create_request(
        db, {"name": "Liisa", "email": "liisa@example.org", "subject": "Iso kauppa"}, "api"
    )
    db.flush()
    return world


def test_convert_links_both_ways_and_closes_the_request(deals_app, world, db, login):
    login(deals_app, "anna@alpha.example")
    page = deals_app.get(f"/t/alpha/requests/{world.item.id}")
    form = page.forms["convert-form"]
    assert [b.get_text() for b in page.html.select("form.convert button")] == ["Deal"]
    page = form.submit("target").follow()
    assert "Request converted." in page.text
    item = fresh(db, world.alpha, ContactRequest, world.item.id)
    assert item.state == RequestState.CONVERTED
    deal = db.scalar(select(Team).where(Team.name.like("Deal%")))
    assert item.converted_to == {"entity": "deal", "id": deal.id, "key": "deal"}
    assert kinds(db, world.alpha, "contact_request", item.id)[-2:] == [
        "request_converted",
        "request_state_changed",
    ]
    (back,) = events(db, world.alpha, "deal", deal.id)
    assert (back.kind, back.payload["id"], back.payload["text"]) == (
        "request_converted",
        item.id,
        "Iso kauppa",
    )
    assert page.html.select("form.convert") == [] and "Converted into" in page.text
    assert page.html.select_one("#state-form") is None


def test_a_converted_request_is_not_converted_twice(deals_app, world, db, login):
    login(deals_app, "anna@alpha.example")
    form = deals_app.get(f"/t/alpha/requests/{world.item.id}").forms["convert-form"]
    form.submit("target").follow()
    again = form.submit("target", status=400)
    assert "already been converted" in again.text
    set_tenant(db, world.alpha.id)
    assert len(db.scalars(select(Team).where(Team.name.like("Deal%"))).all()) == 1


def test_a_refusing_target_changes_nothing(deals_app, world, db, login):
    world.item.subject = "please refuse"
    db.flush()
    login(deals_app, "anna@alpha.example")
    page = deals_app.post(
        f"/t/alpha/requests/{world.item.id}/convert",
        {"target": "deal", "csrf_token": deals_app.cookies["myynti_csrf"]},
        status=400,
    )
    assert "The deal plugin refuses this one." in page.text
    assert fresh(db, world.alpha, ContactRequest, world.item.id).state == RequestState.NEW


def test_unknown_target_or_disabled_plugin_offers_nothing(
    deals_app, world, db, login, deals_registry
):
    login(deals_app, "anna@alpha.example")
    deals_app.get("/t/alpha/requests")
    url = f"/t/alpha/requests/{world.item.id}/convert"
    csrf = deals_app.cookies["myynti_csrf"]
    deals_app.post(url, {"target": "x", "csrf_token": csrf}, status=404)
    disable_plugin(db, deals_registry, world.alpha, "deals")
    page = deals_app.get(f"/t/alpha/requests/{world.item.id}")
    assert page.html.select("form.convert") == []
    deals_app.post(url, {"target": "deal", "csrf_token": csrf}, status=404)
