"""Another tenant's campaign in any URL answers 404; a tenant without the plugin gets 404."""

from __future__ import annotations

import pytest

from core.testing import csrf_token

GET_URLS = ("", "/edit", "/targets", "/progress")
POST_URLS = ("/launch", "/pause", "/resume", "/close", "/add-targets", "/targets", "/edit")


def test_another_tenants_campaign_is_not_found(webapp, as_maija, beta):
    for suffix in GET_URLS:
        webapp.get(f"/t/acme/campaigns/{beta.campaign.id}{suffix}", status=404)
    webapp.get("/t/acme/campaigns")
    for suffix in POST_URLS:
        webapp.post(
            f"/t/acme/campaigns/{beta.campaign.id}{suffix}",
            {"csrf_token": csrf_token(webapp)},
            status=404,
        )


@pytest.fixture
def without_plugin(db, make_tenant, make_user, webapp, login):
    tenant = make_tenant("gamma", plugins=("workflow",))
    make_user("greta@gamma.example", tenant=tenant)
    login(webapp, "greta@gamma.example")
    return tenant


def test_a_tenant_without_campaigns_gets_404_and_no_link(webapp, without_plugin):
    webapp.get("/t/gamma/campaigns", status=404)
    webapp.get("/t/gamma/campaigns/new", status=404)
    assert "/t/gamma/campaigns" not in webapp.get("/t/gamma/").text
