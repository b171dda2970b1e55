"""The first step as a message: offered only with messaging; refusals are counted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import webtest
from sqlalchemy import select

from core.app import make_config
from core.db import all_tenants, set_tenant
from core.models import Event
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.testing import app_in_transaction
from plugins.campaigns import plugin as campaigns_plugin
from plugins.campaigns.models import Campaign, CampaignTarget
from plugins.contacts import plugin as contacts_plugin
from plugins.custom_fields import plugin as custom_fields_plugin
from plugins.workflow import plugin as workflow_plugin
from tests.campaigns.conftest import add_customer, make_shop, new_campaign, run_batches
from tests.campaigns.messenger import plugin as messenger_plugin
from tests.campaigns.messenger.hooks import SENT, TEMPLATE
from tests.campaigns.test_launch import post


@pytest.fixture(scope="module")
def messenger_wsgi(app_settings, db_engine) -> Any:
    registry = PluginRegistry(
        [
            CORE_PLUGIN,
            contacts_plugin,
            custom_fields_plugin,
            workflow_plugin,
            campaigns_plugin,
            messenger_plugin,
        ]
    )
    return make_config(app_settings, registry=registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def messenger_app(messenger_wsgi, db_connection) -> Iterator[webtest.TestApp]:
    with app_in_transaction(messenger_wsgi, db_connection) as app:
        yield app


@pytest.fixture
def shop(db, make_tenant, make_user, messenger_app, messenger_wsgi, login):
    """Acme with campaigns and the messenger; Maija signed in to ``messenger_app``."""
    from core.licensing import enable_plugin

    shop = make_shop(db, make_tenant, make_user, "acme")
    enable_plugin(db, messenger_wsgi.registry.myynti_plugins, shop.tenant, "messenger")
    db.flush()
    add_customer(db, shop, "Aalto Oy", "Helsinki", "Aino Aalto", consent=True)
    add_customer(db, shop, "Bertta Oy", "Helsinki", "Bo Bertta", consent=False)
    add_customer(db, shop, "Cedar Oy", "Helsinki", "Cecilia Cedar", consent=True)
    with all_tenants(db):
        shop.people["Cecilia Cedar"].email = None
        db.flush()
    login(messenger_app, "maija@acme.example")
    return shop


def test_the_message_is_offered_only_where_messaging_is_enabled(webapp, messenger_app, shop, login):
    form = messenger_app.get("/t/acme/campaigns/new").forms["campaign-form"]
    assert [value for value, *_rest in form["message_template"].options] == ["", TEMPLATE]
    login(webapp, "maija@acme.example")
    form = webapp.get("/t/acme/campaigns/new").forms["campaign-form"]
    assert "message_template" not in form.fields


def test_each_target_gets_the_message_and_refusals_are_counted(
    messenger_app, messenger_wsgi, db, db_connection, shop
):
    campaign = new_campaign(db, shop, message_template=TEMPLATE)
    page = messenger_app.get(f"/t/acme/campaigns/{campaign.id}/targets")
    # Consent is required when the first step is a message: Bertta's person has none.
    assert page.html.select_one("#target-count").get_text() == "2"
    post(messenger_app, f"/t/acme/campaigns/{campaign.id}/launch")
    run_batches(db_connection, messenger_wsgi, shop.tenant)
    set_tenant(db, shop.tenant.id)
    targets = {
        t.customer_id: t
        for t in db.scalars(select(CampaignTarget).execution_options(populate_existing=True))
    }
    aalto = targets[shop.customers["Aalto Oy"].id]
    cedar = targets[shop.customers["Cedar Oy"].id]
    assert (aalto.message_state, aalto.message_note) == ("sent", None)
    assert (cedar.message_state, cedar.message_note) == ("refused", "Ei sähköpostiosoitetta")
    assert aalto.task_id is not None and cedar.task_id is not None
    # Sent on the target's task, to the task's contact person.
    with all_tenants(db):
        sent = db.execute(select(Event.entity, Event.record_id).where(Event.kind == SENT)).all()
    assert sent == [("task", aalto.task_id)]
    page = messenger_app.get(f"/t/acme/campaigns/{campaign.id}")
    assert page.html.select_one("[data-result=messages-sent]").get_text() == "1"
    assert page.html.select_one("[data-result=messages-refused]").get_text() == "1"


def test_a_launch_with_a_message_but_no_messaging_says_why(webapp, db, as_maija):
    campaign = new_campaign(db, as_maija, message_template="spring_offer")
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/launch").follow()
    assert "messaging is not enabled for your organisation" in page.text
    db.expire_all()
    assert db.get(Campaign, campaign.id).state == "draft"
