"""core.licensing with the test plugins: gamma needs beta needs alpha (tests/platform_plugins)."""

import pytest
from pyramid.request import Request
from pyramid.scripting import prepare
from sqlalchemy import select

from core.contract import label_text
from core.db import set_tenant
from core.licensing import LicenceError, disable_plugin, enable_plugin, enabled_plugins
from core.models import Team, TenantPlugin
from tests.platform_plugins.alpha.hooks import SETUP_TEAM


def _rows(db, tenant) -> dict[str, bool]:
    """The tenant's licence rows, read afresh: plugin name -> enabled."""
    query = select(TenantPlugin.plugin, TenantPlugin.enabled).where(
        TenantPlugin.tenant_id == tenant.id
    )
    return {name: enabled for name, enabled in db.execute(query)}


def _team_names(db, tenant) -> list[str]:
    set_tenant(db, tenant.id)
    return list(db.scalars(select(Team.name)))


def test_enabling_without_its_dependency_is_refused_and_writes_nothing(
    db, make_tenant, platform_registry, setup_calls
):
    tenant = make_tenant("acme")
    with pytest.raises(LicenceError, match=r"^beta needs alpha enabled first\.$"):
        enable_plugin(db, platform_registry, tenant, "beta")
    with pytest.raises(LicenceError, match=r"^gamma needs alpha, beta enabled first\.$"):
        enable_plugin(db, platform_registry, tenant, "gamma")
    assert _rows(db, tenant) == {}
    assert setup_calls == []


def test_enabling_after_its_dependency_is_allowed(db, make_tenant, platform_registry):
    tenant = make_tenant("acme")
    assert enable_plugin(db, platform_registry, tenant, "alpha") == ["alpha"]
    assert enable_plugin(db, platform_registry, tenant, "beta") == ["beta"]
    assert enabled_plugins(db, tenant) == {"alpha", "beta"}


def test_with_dependencies_enables_the_chain_in_order(
    db, make_tenant, platform_registry, setup_calls
):
    tenant = make_tenant("acme")
    assert enable_plugin(db, platform_registry, tenant, "gamma", with_dependencies=True) == [
        "alpha",
        "beta",
        "gamma",
    ]
    assert setup_calls == [("alpha", "acme"), ("beta", "acme"), ("gamma", "acme")]
    assert _rows(db, tenant) == {"alpha": True, "beta": True, "gamma": True}


def test_with_dependencies_enables_only_what_is_missing(db, make_tenant, platform_registry):
    tenant = make_tenant("acme")
    enable_plugin(db, platform_registry, tenant, "alpha")
    assert enable_plugin(db, platform_registry, tenant, "gamma", with_dependencies=True) == [
        "beta",
        "gamma",
    ]


def test_disabling_a_plugin_an_enabled_plugin_needs_is_refused(db, make_tenant, platform_registry):
    tenant = make_tenant("acme")
    enable_plugin(db, platform_registry, tenant, "gamma", with_dependencies=True)
    with pytest.raises(LicenceError, match=r"^alpha is needed by beta; disable those first\.$"):
        disable_plugin(db, platform_registry, tenant, "alpha")
    with pytest.raises(LicenceError, match=r"^beta is needed by gamma; disable those first\.$"):
        disable_plugin(db, platform_registry, tenant, "beta")
    assert _rows(db, tenant) == {"alpha": True, "beta": True, "gamma": True}


def test_disabling_from_the_top_down_is_allowed_and_keeps_the_rows(
    db, make_tenant, platform_registry
):
    tenant = make_tenant("acme")
    enable_plugin(db, platform_registry, tenant, "gamma", with_dependencies=True)
    for name in ("gamma", "beta", "alpha"):
        disable_plugin(db, platform_registry, tenant, name)
    assert _rows(db, tenant) == {"alpha": False, "beta": False, "gamma": False}
    assert enabled_plugins(db, tenant) == set()


def test_dependencies_count_only_in_the_same_tenant(db, make_tenant, platform_registry):
    acme, other = make_tenant("acme"), make_tenant("other")
    enable_plugin(db, platform_registry, other, "beta", with_dependencies=True)
    enable_plugin(db, platform_registry, acme, "alpha")
    disable_plugin(db, platform_registry, acme, "alpha")
    with pytest.raises(LicenceError):
        enable_plugin(db, platform_registry, acme, "beta")
    assert _rows(db, acme) == {"alpha": False}


@pytest.mark.parametrize("switch", [enable_plugin, disable_plugin])
def test_core_cannot_be_switched(db, make_tenant, platform_registry, switch):
    tenant = make_tenant("acme")
    with pytest.raises(LicenceError, match=r"^core is part of every tenant and cannot be switched"):
        switch(db, platform_registry, tenant, "core")
    assert _rows(db, tenant) == {}


@pytest.mark.parametrize("switch", [enable_plugin, disable_plugin])
def test_unknown_plugin_is_refused(db, make_tenant, platform_registry, switch):
    tenant = make_tenant("acme")
    with pytest.raises(LicenceError, match=r"^No plugin named nope is installed\.$"):
        switch(db, platform_registry, tenant, "nope")
    assert _rows(db, tenant) == {}


def test_set_up_runs_once_and_enabling_again_keeps_its_data(
    db, make_tenant, platform_registry, setup_calls
):
    tenant = make_tenant("acme")
    enable_plugin(db, platform_registry, tenant, "alpha")
    disable_plugin(db, platform_registry, tenant, "alpha")
    assert _team_names(db, tenant) == [SETUP_TEAM]
    enable_plugin(db, platform_registry, tenant, "alpha")
    assert setup_calls == [("alpha", "acme")]
    assert _team_names(db, tenant) == [SETUP_TEAM]


def test_set_up_writes_into_its_own_tenant_only(db, make_tenant, platform_registry, setup_calls):
    acme, other = make_tenant("acme"), make_tenant("other")
    enable_plugin(db, platform_registry, acme, "alpha")
    assert _team_names(db, other) == []
    enable_plugin(db, platform_registry, other, "alpha")
    assert setup_calls == [("alpha", "acme"), ("alpha", "other")]
    assert _team_names(db, acme) == [SETUP_TEAM]
    assert _team_names(db, other) == [SETUP_TEAM]


def test_hooks_for_calls_core_and_the_enabled_plugins_only(platform_registry):
    def permissions(enabled):
        return {p.name for p in platform_registry.hooks_for(enabled).collect("myynti_permissions")}

    assert "core:dashboard:view" in permissions(set())
    assert not {"alpha:page:view", "beta:thing:view"} & permissions(set())
    assert {"core:dashboard:view", "alpha:page:view"} <= permissions({"alpha"})
    assert "beta:thing:view" not in permissions({"alpha"})
    assert "beta:thing:view" in permissions({"alpha", "beta"})
    assert platform_registry.hooks_for({"alpha"}) is platform_registry.hooks_for({"alpha"})


def _navigation(platform_wsgi, slug: str) -> list[str]:
    """The English labels ``request.plugins`` gives for a tenant's navigation."""
    env = prepare(request=Request.blank(f"/t/{slug}/"), registry=platform_wsgi.registry)
    try:
        request = env["request"]
        request.matchdict = {"tenant": slug}
        with request.tm:
            links = request.plugins.collect(
                "myynti_links", request=request, slot="navigation", context=None
            )
            return [label_text(link.label, "en") for link in links]
    finally:
        env["closer"]()


def test_request_plugins_calls_only_the_tenants_enabled_plugins(
    db, make_tenant, platform_registry, platform_wsgi, platform_app
):
    acme, other = make_tenant("acme"), make_tenant("other")
    enable_plugin(db, platform_registry, acme, "beta", with_dependencies=True)
    enable_plugin(db, platform_registry, other, "alpha")
    assert sorted(_navigation(platform_wsgi, "acme")) == ["Alpha", "Beta", "Dashboard"]
    assert sorted(_navigation(platform_wsgi, "other")) == ["Alpha", "Dashboard"]
    disable_plugin(db, platform_registry, acme, "beta")
    assert sorted(_navigation(platform_wsgi, "acme")) == ["Alpha", "Dashboard"]
