"""The platform admin's pages: tenants, and the tenants x modules matrix."""

import pytest
from sqlalchemy import func, select

from core.db import set_tenant
from core.licensing import enable_plugin
from core.models import Role, Team, Tenant, TenantPlugin
from core.testing import csrf_token
from tests.platform_plugins.alpha.hooks import SETUP_TEAM
from tests.platform_plugins.fixtures import ADMIN

MEMBER = "maija@acme.example"


@pytest.fixture
def acme(make_tenant, make_user):
    tenant = make_tenant("acme", "Acme Oy")
    make_user(MEMBER, tenant=tenant)
    return tenant


def _navigation(page) -> list[str]:
    return [a.get_text() for a in page.html.select("nav.navigation a")]


def _enabled(db, tenant) -> set[str]:
    query = select(TenantPlugin.plugin).where(
        TenantPlugin.tenant_id == tenant.id, TenantPlugin.enabled
    )
    return set(db.scalars(query))


def _tenant_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Tenant))


def _cell(page, slug, plugin):
    return page.html.select_one(f"tr[data-tenant={slug}] td[data-plugin={plugin}]")


def _error(page) -> str:
    return page.html.select_one("#module-error").get_text(" ", strip=True)


# --- who may see the pages ------------------------------------------------------


@pytest.mark.parametrize("url", ["/platform/tenants", "/platform/modules"])
def test_anonymous_visitor_is_sent_to_log_in(platform_app, url):
    response = platform_app.get(url, status=303)
    assert "/login?came_from=" in response.location


def test_tenant_admin_who_is_not_platform_admin_gets_403(
    platform_app, make_tenant, make_user, login
):
    make_user("boss@acme.example", tenant=make_tenant("acme"), role=Role.ADMIN)
    login(platform_app, "boss@acme.example")
    for url in ("/platform/tenants", "/platform/modules"):
        assert "No permission" in platform_app.get(url, status=403).text


def test_non_platform_admin_cannot_enable_a_module(platform_app, acme, db, login):
    login(platform_app, MEMBER)
    platform_app.get("/")
    platform_app.post(
        "/platform/modules",
        {
            "csrf_token": csrf_token(platform_app),
            "tenant": "acme",
            "plugin": "alpha",
            "action": "enable",
        },
        status=403,
    )
    platform_app.post(
        "/platform/tenants",
        {
            "csrf_token": csrf_token(platform_app),
            "action": "create",
            "slug": "sneaky",
            "name": "Sneaky Oy",
        },
        status=403,
    )
    assert _enabled(db, acme) == set()
    assert _tenant_count(db) == 1


def test_platform_admin_finds_the_pages_from_the_top_bar(platform_app, platform_admin, login):
    login(platform_app, ADMIN)
    modules = platform_app.get("/").click("Platform")
    assert modules.html.select_one("h1").get_text() == "Modules"
    tenants = modules.click("Tenants", href="/platform/tenants")
    assert tenants.html.select_one("h1").get_text() == "Tenants"


# --- tenants --------------------------------------------------------------------


def test_tenants_page_lists_tenants_with_their_members(
    platform_app, platform_admin, acme, make_tenant, make_user, db, login
):
    make_user("pekka@acme.example", tenant=acme)
    make_tenant("zeta", "Zeta Ky")
    login(platform_app, ADMIN)
    page = platform_app.get("/platform/tenants")
    rows = {
        row["data-tenant"]: [td.get_text(strip=True) for td in row.select("td")]
        for row in page.html.select("tbody tr")
    }
    assert rows["acme"][:4] == ["acme", "Acme Oy", "Active", "2"]
    assert rows["zeta"][:4] == ["zeta", "Zeta Ky", "Active", "0"]
    assert list(rows) == ["acme", "zeta"]


def test_platform_admin_creates_a_tenant(platform_app, platform_admin, db, login):
    login(platform_app, ADMIN)
    form = platform_app.get("/platform/tenants").forms["tenant-form"]
    form["slug"] = " uusi-oy "
    form["name"] = "Uusi Oy"
    page = form.submit(status=303).follow()
    assert "Tenant Uusi Oy created." in page.html.select_one(".flash").get_text()
    assert page.html.select_one("tr[data-tenant=uusi-oy]") is not None
    tenant = db.scalar(select(Tenant).where(Tenant.slug == "uusi-oy"))
    assert tenant.name == "Uusi Oy" and tenant.active


BAD_TENANTS = [
    ("Bad Slug!", "Bad Oy", "slug", "lower-case letters"),
    ("-acme2", "Bad Oy", "slug", "lower-case letters"),
    ("a" * 64, "Long Oy", "slug", "lower-case letters"),
    ("acme", "Toinen Acme Oy", "slug", "A tenant with this short name already exists."),
    ("", "No Slug Oy", "slug", "This field is required."),
    ("nameless", "   ", "name", "This field is required."),
    ("longname", "N" * 201, "name", "Field cannot be longer than 200 characters."),
]


def test_bad_tenant_is_refused_next_to_the_field_and_nothing_written(
    platform_app, platform_admin, acme, db, login
):
    login(platform_app, ADMIN)
    for slug, name, field, message in BAD_TENANTS:
        form = platform_app.get("/platform/tenants").forms["tenant-form"]
        form["slug"] = slug
        form["name"] = name
        page = form.submit(status=400)
        error = page.html.select_one(f"#{field}-error")
        assert error is not None and message in error.get_text(), (slug, name)
        assert page.forms["tenant-form"]["name"].value == name.strip()
        assert page.forms["tenant-form"]["slug"].value == slug
    assert _tenant_count(db) == 1


def test_form_messages_are_in_finnish_for_a_finnish_user(platform_app, platform_admin, db, login):
    platform_admin.locale = "fi"
    db.flush()
    login(platform_app, ADMIN)
    form = platform_app.get("/platform/tenants").forms["tenant-form"]
    form["name"] = "N" * 201
    page = form.submit(status=400)
    assert page.html.select_one("#slug-error").get_text() == "Pakollinen."
    assert "Ei voi olla pidempi kuin 200 merkkiä." in page.html.select_one("#name-error").get_text()


def test_deactivating_a_tenant_hides_it_from_its_members_until_activated(
    platform_app, second_browser, platform_admin, acme, db, login
):
    member = second_browser
    login(member, MEMBER)
    member.get("/t/acme/", status=200)

    login(platform_app, ADMIN)
    asked = platform_app.get("/platform/tenants").forms["tenant-active-acme"].submit()
    assert db.scalar(select(Tenant.active).where(Tenant.id == acme.id)) is True
    page = asked.forms["confirm-form"].submit().follow()
    assert "Acme Oy deactivated." in page.text
    assert page.html.select_one("tr[data-tenant=acme] .status").get_text(strip=True) == "Inactive"
    assert db.scalar(select(Tenant.active).where(Tenant.id == acme.id)) is False
    member.get("/t/acme/", status=404)

    page = page.forms["tenant-active-acme"].submit().follow()
    assert "Acme Oy activated." in page.text
    assert "Acme Oy" in member.get("/t/acme/").text


def test_switching_an_unknown_tenant_is_404(platform_app, platform_admin, login):
    login(platform_app, ADMIN)
    platform_app.get("/platform/tenants")
    token = csrf_token(platform_app)
    platform_app.post(
        "/platform/tenants",
        {"csrf_token": token, "action": "deactivate", "tenant": "nope"},
        status=404,
    )
    platform_app.post("/platform/tenants", {"csrf_token": token, "action": "explode"}, status=404)


# --- the modules matrix ---------------------------------------------------------


def test_matrix_has_a_row_per_tenant_and_a_column_per_licensed_module(
    platform_app, platform_admin, acme, make_tenant, db, login, platform_registry
):
    other = make_tenant("other", "Other Ky")
    enable_plugin(db, platform_registry, other, "alpha")
    login(platform_app, ADMIN)
    page = platform_app.get("/platform/modules")
    headers = [th.get_text(" ", strip=True) for th in page.html.select("thead th[data-plugin]")]
    assert headers == [
        "Alpha alpha 1.2.0",
        "Beta beta 0.3.0 needs alpha",
        "Gamma gamma 0.1.0 needs beta",
    ]
    assert [tr["data-tenant"] for tr in page.html.select("tbody tr")] == ["acme", "other"]
    assert _cell(page, "acme", "alpha").select_one(".state").get_text() == "Disabled"
    assert _cell(page, "other", "alpha").select_one(".state").get_text() == "Enabled"
    assert _cell(page, "other", "alpha").button.get_text() == "Disable"
    assert "core" not in [th.get("data-plugin") for th in page.html.select("thead th")]


def test_matrix_shows_module_titles_in_the_users_language(
    platform_app, platform_admin, acme, db, login
):
    platform_admin.locale = "fi"
    db.flush()
    login(platform_app, ADMIN)
    page = platform_app.get("/platform/modules")
    titles = [th.contents[0].strip() for th in page.html.select("thead th[data-plugin]")]
    assert titles == ["Alfa", "Beeta", "Gamma"]


def test_enable_disable_and_enable_again_runs_set_up_once_and_keeps_its_data(
    platform_app, platform_admin, acme, db, login, setup_calls
):
    login(platform_app, ADMIN)
    page = platform_app.get("/platform/modules").forms["module-acme-alpha"].submit().follow()
    assert "Alpha enabled for Acme Oy." in page.html.select_one(".flash").get_text()
    assert _cell(page, "acme", "alpha").select_one(".state").get_text() == "Enabled"
    assert _enabled(db, acme) == {"alpha"}

    page = page.forms["module-acme-alpha"].submit().forms["confirm-form"].submit().follow()
    assert "Alpha disabled for Acme Oy." in page.text
    assert _cell(page, "acme", "alpha").select_one(".state").get_text() == "Disabled"
    assert _enabled(db, acme) == set()

    page.forms["module-acme-alpha"].submit().follow()
    assert _enabled(db, acme) == {"alpha"}
    assert setup_calls == [("alpha", "acme")]
    set_tenant(db, acme.id)
    assert list(db.scalars(select(Team.name))) == [SETUP_TEAM]


def test_enabling_without_its_dependency_is_refused_then_offered_with_it(
    platform_app, platform_admin, acme, db, login, setup_calls
):
    login(platform_app, ADMIN)
    page = platform_app.get("/platform/modules").forms["module-acme-gamma"].submit(status=400)
    assert _error(page).startswith("gamma needs alpha, beta enabled first.")
    assert _enabled(db, acme) == set()
    assert setup_calls == []

    page = page.forms["enable-with-dependencies"].submit(status=303).follow()
    assert "Alpha, Beta, Gamma enabled for Acme Oy." in page.html.select_one(".flash").get_text()
    assert _enabled(db, acme) == {"alpha", "beta", "gamma"}
    assert setup_calls == [("alpha", "acme"), ("beta", "acme"), ("gamma", "acme")]


def test_disabling_a_module_another_needs_is_refused(
    platform_app, platform_admin, acme, db, login, platform_registry
):
    enable_plugin(db, platform_registry, acme, "beta", with_dependencies=True)
    login(platform_app, ADMIN)
    page = platform_app.get("/platform/modules").forms["module-acme-alpha"].submit(status=400)
    assert _error(page) == "alpha is needed by beta; disable those first."
    assert "enable-with-dependencies" not in page.forms
    assert _cell(page, "acme", "alpha").select_one(".state").get_text() == "Enabled"
    assert _enabled(db, acme) == {"alpha", "beta"}


def _switch(app, **post):
    return app.post("/platform/modules", {"csrf_token": csrf_token(app), **post}, status="*")


def test_unknown_or_core_module_gets_a_clear_error(platform_app, platform_admin, acme, db, login):
    login(platform_app, ADMIN)
    platform_app.get("/platform/modules")
    for plugin, message in [
        ("nope", "No plugin named nope is installed."),
        ("core", "core is part of every tenant and cannot be switched."),
    ]:
        for action in ("enable", "disable"):
            page = _switch(platform_app, tenant="acme", plugin=plugin, action=action)
            assert page.status_int == 400
            assert _error(page) == message
            assert "enable-with-dependencies" not in page.forms
    assert _enabled(db, acme) == set()


def test_unknown_tenant_or_action_is_404_and_writes_nothing(
    platform_app, platform_admin, acme, db, login
):
    login(platform_app, ADMIN)
    platform_app.get("/platform/modules")
    for post in [
        {"tenant": "nope", "plugin": "alpha", "action": "enable"},
        {"plugin": "alpha", "action": "enable"},
        {"tenant": "acme", "action": "enable"},
        {"tenant": "acme", "plugin": "alpha", "action": "explode"},
        {"tenant": "acme", "plugin": "alpha"},
    ]:
        assert _switch(platform_app, **post).status_int == 404, post
    assert _enabled(db, acme) == set()


def test_post_without_csrf_token_writes_nothing(platform_app, platform_admin, acme, db, login):
    login(platform_app, ADMIN)
    platform_app.get("/platform/modules")
    platform_app.post(
        "/platform/modules", {"tenant": "acme", "plugin": "alpha", "action": "enable"}, status=400
    )
    assert _enabled(db, acme) == set()


# --- what disabling hides -------------------------------------------------------


def test_disabled_module_is_hidden_from_the_tenant_and_returns_when_enabled(
    platform_app,
    second_browser,
    platform_admin,
    acme,
    make_tenant,
    make_user,
    db,
    login,
    platform_registry,
):
    other = make_tenant("other", "Other Ky")
    make_user("olli@other.example", tenant=other)
    for tenant in (acme, other):
        enable_plugin(db, platform_registry, tenant, "alpha")
    member = second_browser
    login(member, MEMBER)
    dashboard = member.get("/t/acme/")
    assert "Alpha" in _navigation(dashboard)
    assert dashboard.html.select_one("[data-panel=alpha-panel]") is not None
    assert SETUP_TEAM in member.get("/t/acme/alpha").text

    login(platform_app, ADMIN)
    asked = platform_app.get("/platform/modules").forms["module-acme-alpha"].submit(status=200)
    asked.forms["confirm-form"].submit(status=303)
    dashboard = member.get("/t/acme/")
    assert "Alpha" not in _navigation(dashboard)
    assert dashboard.html.select_one("[data-panel=alpha-panel]") is None
    member.get("/t/acme/alpha", status=404)

    member.reset()
    login(member, "olli@other.example")
    assert "Alpha" in _navigation(member.get("/t/other/"))
    assert SETUP_TEAM in member.get("/t/other/alpha").text

    platform_app.get("/platform/modules").forms["module-acme-alpha"].submit(status=303)
    member.reset()
    login(member, MEMBER)
    assert SETUP_TEAM in member.get("/t/acme/alpha").text


# --- asking before hiding -------------------------------------------------------


def _asked(page) -> list[str]:
    return [li.get_text(" ", strip=True) for li in page.html.select("#confirm-switch li")]


def test_deactivating_a_tenant_first_says_who_loses_what_and_that_data_is_kept(
    platform_app, platform_admin, acme, db, login
):
    login(platform_app, ADMIN)
    page = platform_app.get("/platform/tenants").forms["tenant-active-acme"].submit(status=200)

    assert page.html.select_one("#confirm-switch h1").get_text() == "Deactivate Acme Oy?"
    assert _asked(page)[0] == "Its members (1) can no longer open it."
    assert "Nothing is deleted" in page.html.select_one("#confirm-switch .kept").get_text()
    assert db.scalar(select(Tenant.active).where(Tenant.id == acme.id)) is True
    cancel = page.html.select_one("#confirm-form a")
    assert cancel["href"].endswith("/platform/tenants")


def test_disabling_a_module_first_counts_the_records_it_hides_in_finnish(
    platform_app, platform_admin, acme, db, login, platform_registry
):
    enable_plugin(db, platform_registry, acme, "alpha")
    platform_admin.locale = "fi"
    db.flush()
    login(platform_app, ADMIN)
    page = platform_app.get("/platform/modules").forms["module-acme-alpha"].submit(status=200)

    assert page.html.select_one("#confirm-switch h1").get_text() == (
        "Poistetaanko Alfa käytöstä organisaatiolta Acme Oy?"
    )
    assert _asked(page)[0].startswith("Osion Alfa valikkokohdat ja sivut")
    assert "Mitään ei poisteta" in page.text
    assert _enabled(db, acme) == {"alpha"}
