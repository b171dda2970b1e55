"""A tenant admin's web forms and routing rules: create, edit, delete, bad input, isolation."""

import pytest

from core.db import set_tenant
from plugins.contacts.models import RoutingRule, WebForm
from tests.contacts.requests_support import count_all, rows, two_tenants


@pytest.fixture
def world(db, make_tenant, make_user):
    return two_tenants(db, make_tenant, make_user)


def _web_form(db, tenant, **values):
    set_tenant(db, tenant.id)
    form = WebForm(
        **{"name": "Yhteydenotto", "public_key": "p" * 43, "fields": [], "allowed_origins": []}
        | values
    )
    db.add(form)
    db.flush()
    return form


def test_admin_creates_a_web_form_and_gets_the_code_to_paste(webapp, world, db, login):
    login(webapp, "admin@alpha.example")
    page = webapp.get("/t/alpha/")
    assert [a.text for a in page.html.select(".admin-nav a")][-3:] == [
        "Web forms",
        "Request routing",
        "API tokens",
    ]
    form = webapp.get("/t/alpha/settings/forms/new").forms["web-form-form"]
    form["name"] = "Tarjouspyyntö"
    form["team_id"] = str(world.sales.id)
    form["fields"] = ["phone", "company"]
    form["thank_you_message"] = "Kiitos, palaamme pian!"
    form["allowed_origins"] = "https://www.Alpha.fi/\nhttp://localhost:8080"
    page = form.submit().follow()
    assert "Web form saved." in page.text
    (saved,) = rows(db, world.alpha, WebForm)
    assert saved.fields == ["phone", "company"] and saved.team_id == world.sales.id
    assert saved.allowed_origins == ["https://www.alpha.fi", "http://localhost:8080"]
    assert len(saved.public_key) == 43
    code = page.html.select_one("pre.embed").get_text()
    assert f'action="http://localhost/f/{saved.public_key}"' in code
    assert 'name="homepage"' in code and 'name="phone"' in code and 'name="company"' in code
    assert 'name="business_id"' not in code
    assert page.forms["web-form-form"]["allowed_origins"].value.splitlines() == [
        "https://www.alpha.fi",
        "http://localhost:8080",
    ]
    listing = webapp.get("/t/alpha/settings/forms")
    assert "Tarjouspyyntö" in listing.text and "Myynti" in listing.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("allowed_origins", "www.alpha.fi", "not a web site address"),
        ("allowed_origins", "https://alpha.fi/yhteys", "not a web site address"),
        ("thank_you_url", "javascript:alert(1)", "https://example.fi/thanks"),
        ("thank_you_url", "ftp://alpha.fi/x", "https://example.fi/thanks"),
        ("name", "x" * 10_000, "120 characters"),
        ("name", "", "required"),
    ],
)
def test_bad_web_form_input_is_refused_and_kept(webapp, world, db, login, field, value, message):
    login(webapp, "admin@alpha.example")
    form = webapp.get("/t/alpha/settings/forms/new").forms["web-form-form"]
    form["name"] = "Lomake"
    form["thank_you_message"] = "<b>Kiitos</b>"
    form[field] = value
    page = form.submit(status=400)
    assert message in page.html.select_one(f"#{field}-error").text
    assert page.forms["web-form-form"]["thank_you_message"].value == "<b>Kiitos</b>"
    assert count_all(db, WebForm) == 0


def test_edit_and_delete_a_web_form(webapp, world, db, login):
    web_form = _web_form(db, world.alpha, name="<script>alert(1)</script>")
    rule = RoutingRule(name="Lomakkeelle", form_id=web_form.id, team_id=world.sales.id)
    db.add(rule)
    db.flush()
    login(webapp, "admin@alpha.example")
    listing = webapp.get("/t/alpha/settings/forms")
    assert "<script>alert(1)</script>" not in listing.text
    form = webapp.get(f"/t/alpha/settings/forms/{web_form.id}").forms["web-form-form"]
    form["name"] = "Uusi nimi"
    form["active"] = False
    form.submit().follow()
    (saved,) = rows(db, world.alpha, WebForm)
    assert (saved.name, saved.active) == ("Uusi nimi", False)
    page = webapp.get(f"/t/alpha/settings/forms/{web_form.id}")
    delete = next(f for f in page.forms.values() if f.action.endswith("/delete"))
    assert "Web form deleted." in delete.submit().follow().text
    assert rows(db, world.alpha, WebForm) == [] and rows(db, world.alpha, RoutingRule) == []


def test_members_may_not_manage_forms_and_other_tenants_see_nothing(webapp, world, db, login):
    web_form = _web_form(db, world.alpha)
    rule = RoutingRule(name="Sääntö", team_id=world.sales.id)
    db.add(rule)
    db.flush()
    login(webapp, "anna@alpha.example")
    webapp.get("/t/alpha/settings/forms", status=403)
    webapp.get("/t/alpha/settings/routing", status=403)
    webapp.get("/t/alpha/settings/api-tokens", status=403)
    assert webapp.get("/t/alpha/").html.select(".admin-nav a[href*=settings]") == []
    login(webapp, "admin@beta.example")
    webapp.get("/t/beta/settings/forms")
    csrf = webapp.cookies["myynti_csrf"]
    for url in (
        "/t/alpha/settings/forms",
        "/t/alpha/settings/forms/new",
        "/t/alpha/settings/routing",
        "/t/alpha/settings/routing/new",
        "/t/alpha/settings/api-tokens",
        f"/t/alpha/settings/forms/{web_form.id}",
        f"/t/beta/settings/forms/{web_form.id}",
        f"/t/beta/settings/routing/{rule.id}",
    ):
        assert "Yhteydenotto" not in webapp.get(url, status=404).text
    for url in (
        f"/t/beta/settings/forms/{web_form.id}",
        f"/t/beta/settings/forms/{web_form.id}/delete",
        f"/t/beta/settings/routing/{rule.id}",
        f"/t/beta/settings/routing/{rule.id}/delete",
    ):
        webapp.post(url, {"name": "Kaapattu", "csrf_token": csrf}, status=404)
    assert "Yhteydenotto" not in webapp.get("/t/beta/settings/forms").text
    assert [f.name for f in rows(db, world.alpha, WebForm)] == ["Yhteydenotto"]
    assert [r.name for r in rows(db, world.alpha, RoutingRule)] == ["Sääntö"]


def test_admin_manages_routing_rules(webapp, world, db, login):
    web_form = _web_form(db, world.alpha)
    login(webapp, "admin@alpha.example")
    form = webapp.get("/t/alpha/settings/routing/new").forms["rule-form"]
    form["name"] = "Ruotsinkieliset"
    form["position"] = "5"
    form["source"] = "web_form"
    form["form_id"] = str(web_form.id)
    form["language"] = "sv"
    form["keywords"] = "pris, offert, pris"
    form["team_id"] = str(world.sales.id)
    form["strategy"] = "least_busy"
    page = form.submit().follow()
    assert "Routing rule saved." in page.text
    (rule,) = rows(db, world.alpha, RoutingRule)
    assert (rule.source, rule.form_id, rule.language, rule.keywords, rule.strategy) == (
        "web_form",
        web_form.id,
        "sv",
        ["pris", "offert"],
        "least_busy",
    )
    assert "pris, offert" in page.text and "least busy" in page.text
    form = webapp.get(f"/t/alpha/settings/routing/{rule.id}").forms["rule-form"]
    assert form["keywords"].value == "pris, offert"
    form["user_id"] = str(world.pekka.id)
    form.submit().follow()
    assert rows(db, world.alpha, RoutingRule)[0].user_id == world.pekka.id
    page = webapp.get(f"/t/alpha/settings/routing/{rule.id}")
    delete = next(f for f in page.forms.values() if f.action.endswith("/delete"))
    assert "Routing rule deleted." in delete.submit().follow().text
    assert rows(db, world.alpha, RoutingRule) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("keywords", ", ".join(f"sana{i}" for i in range(21)), "At most 20 keywords"),
        ("keywords", "x" * 61, "60 characters"),
        ("position", "ensin", "integer"),
        ("name", "x" * 10_000, "120 characters"),
    ],
)
def test_bad_rule_input_is_refused(webapp, world, db, login, field, value, message):
    login(webapp, "admin@alpha.example")
    form = webapp.get("/t/alpha/settings/routing/new").forms["rule-form"]
    form["name"] = "Sääntö"
    form["team_id"] = str(world.sales.id)
    form[field] = value
    page = form.submit(status=400)
    assert message in page.html.select_one(f"#{field}-error").text
    assert page.forms["rule-form"][field].value == value
    assert count_all(db, RoutingRule) == 0


def test_a_rule_cannot_name_another_tenants_team_or_user(webapp, world, db, login):
    login(webapp, "admin@alpha.example")
    form = webapp.get("/t/alpha/settings/routing/new").forms["rule-form"]
    form["name"] = "Sääntö"
    form["team_id"].force_value(str(world.beta_team.id))
    form["user_id"].force_value(str(world.bertta.id))
    page = form.submit(status=400)
    assert page.html.select_one("#team_id-error") and page.html.select_one("#user_id-error")
    assert count_all(db, RoutingRule) == 0
