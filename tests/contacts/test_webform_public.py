"""The public web-form endpoint: plain and JSON posts, CORS, and every spam defence."""

import pytest

from core.db import set_tenant
from core.licensing import disable_plugin
from plugins.contacts.models import ContactRequest, RateLimitHit, WebForm
from tests.contacts.requests_support import count_all, events, rows, two_tenants

SITE = "https://www.alpha.fi"
KEY = "A" * 43


@pytest.fixture
def world(db, make_tenant, make_user):
    world = two_tenants(db, make_tenant, make_user)
    set_tenant(db, world.alpha.id)
    world.form = WebForm(
        name="Yhteydenotto",
        public_key=KEY,
        team_id=world.sales.id,
        fields=["phone", "company"],
        thank_you_message="Kiitos viestistä!",
        allowed_origins=[SITE],
    )
    db.add(world.form)
    db.flush()
    return world


def _post(webapp, data=None, key=KEY, origin=SITE, status=None, **headers):
    if origin:
        headers["Origin"] = origin
    return webapp.post(f"/f/{key}", data or {}, headers=headers, status=status)


def _json(webapp, body, key=KEY, origin=SITE, status=None, **headers):
    if origin:
        headers["Origin"] = origin
    return webapp.post_json(f"/f/{key}", body, headers=headers, status=status)


VALID = {"name": "Maija Virtanen", "email": "maija@virtanen.fi", "message": "Soittakaa!"}


def _reveals_nothing(response, world):
    for secret in ("Alpha", "alpha", "Myynti", "Anna", "Pekka"):
        assert secret not in response.text


def test_a_plain_post_makes_a_routed_request_and_thanks(webapp, world, db):
    page = _post(webapp, {**VALID, "company": "Virtanen Oy", "subject": "not asked"}, status=200)
    assert "Kiitos viestistä!" in page.text
    _reveals_nothing(page, world)
    (item,) = rows(db, world.alpha, ContactRequest)
    assert (item.source, item.form_id, item.company, item.subject) == (
        "web_form",
        world.form.id,
        "Virtanen Oy",
        "",
    )
    assert item.team_id == world.sales.id and item.assigned_user_id is not None
    received = events(db, world.alpha, "contact_request", item.id)[0]
    assert (received.actor_type, received.actor_label, received.payload["form"]) == (
        "external",
        "maija@virtanen.fi",
        "Yhteydenotto",
    )


def test_a_plain_post_goes_to_the_thank_you_page(webapp, world, db):
    world.form.thank_you_url = "https://www.alpha.fi/kiitos"
    db.flush()
    response = _post(webapp, VALID, status=303)
    assert response.location == "https://www.alpha.fi/kiitos"


def test_a_json_post_answers_json_with_cors(webapp, world, db):
    response = _json(webapp, {**VALID, "phone": "+358 40 123 4567"}, status=200)
    assert response.json == {"ok": True, "message": "Kiitos viestistä!"}
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert rows(db, world.alpha, ContactRequest)[0].phone == "+358 40 123 4567"


def test_preflight_is_answered_for_allowed_origins_only(webapp, world):
    ok = webapp.options(f"/f/{KEY}", headers={"Origin": SITE}, status=204)
    assert ok.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in ok.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in ok.headers["Access-Control-Allow-Headers"]
    for key, origin in ((KEY, "https://evil.example"), ("x" * 43, SITE)):
        refused = webapp.options(f"/f/{key}", headers={"Origin": origin}, status=204)
        assert "Access-Control-Allow-Origin" not in refused.headers


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "maija@", "valid e-mail"),
        ("email", "", "Give an e-mail address or a phone number."),
        ("phone", "123", "phone number"),
        ("name", "x" * 10_000, "200 characters"),
        ("name", "", "required"),
        ("message", "x" * 10_001, "10000 characters"),
    ],
)
def test_an_invalid_post_stores_nothing_and_says_why(webapp, world, db, field, value, message):
    page = _post(webapp, {**VALID, field: value}, status=400)
    assert "Please check the fields" in page.text and message in page.text
    _reveals_nothing(page, world)
    response = _json(webapp, {**VALID, field: value}, status=400)
    assert message in " ".join(response.json["errors"][field])
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert count_all(db, ContactRequest) == 0


def test_json_values_that_are_not_text_are_refused(webapp, world, db):
    response = _json(webapp, {**VALID, "name": ["Maija"], "phone": 401234567}, status=400)
    assert response.json["errors"]["name"] == ["Give this value as text."]
    assert response.json["errors"]["phone"] == ["Give this value as text."]
    for body in ("[1, 2]", "{not json", "\xff"):
        webapp.post(
            f"/f/{KEY}",
            body,
            headers={"Origin": SITE, "Content-Type": "application/json"},
            status=400,
        )
    assert count_all(db, ContactRequest) == 0


def test_html_and_script_are_stored_as_typed_and_shown_as_text(webapp, world, db, login):
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    _post(webapp, {**VALID, "name": evil, "company": evil, "message": evil}, status=200)
    (item,) = rows(db, world.alpha, ContactRequest)
    assert item.name == evil and item.message == evil
    login(webapp, "anna@alpha.example")
    for url in ("/t/alpha/requests", f"/t/alpha/requests/{item.id}", "/t/alpha/"):
        page = webapp.get(url)
        assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)" in webapp.get(f"/t/alpha/requests/{item.id}").text


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(webapp, world, db):
    real = _post(webapp, VALID, status=200)
    trapped = _post(webapp, {**VALID, "homepage": "http://spam.example"}, status=200)
    assert trapped.text == real.text
    trapped_json = _json(webapp, {**VALID, "homepage": "x"}, status=200)
    assert trapped_json.json == {"ok": True, "message": "Kiitos viestistä!"}
    assert count_all(db, ContactRequest) == 1


def test_unknown_key_inactive_form_and_disabled_plugin_look_the_same(
    webapp, world, db, myynti_registry
):
    unknown = _post(webapp, VALID, key="Z" * 43, status=404)
    unknown_json = _json(webapp, VALID, key="Z" * 43, status=404)
    too_long = _post(webapp, VALID, key="Z" * 500, status=404)
    assert unknown_json.json == {"error": "This form is not available."}
    set_tenant(db, world.alpha.id)  # the app's requests share the test's transaction
    world.form.active = False
    db.flush()
    assert _post(webapp, VALID, status=404).text == unknown.text
    set_tenant(db, world.alpha.id)
    world.form.active = True
    disable_plugin(db, myynti_registry, world.alpha, "contacts")
    assert _post(webapp, VALID, status=404).text == unknown.text == too_long.text
    assert _json(webapp, VALID, status=404).json == unknown_json.json
    assert "Access-Control-Allow-Origin" not in _json(webapp, VALID, status=404).headers
    _reveals_nothing(unknown, world)
    assert count_all(db, ContactRequest) == 0


def test_a_disallowed_origin_is_refused(webapp, world, db):
    page = _post(webapp, VALID, origin="https://evil.example", status=403)
    assert "This web site may not send this form." in page.text
    _json(webapp, VALID, origin=None, status=403)
    # Without Origin, the Referer tells where the post came from.
    _post(webapp, VALID, origin=None, status=200, Referer=SITE + "/yhteystiedot?x=1")
    _post(webapp, VALID, origin="null", status=403, Referer="https://evil.example/")
    (item,) = rows(db, world.alpha, ContactRequest)
    assert item.extra == {"page": SITE + "/yhteystiedot?x=1"}


def test_a_form_without_origins_accepts_any_site(webapp, world, db):
    world.form.allowed_origins = []
    db.flush()
    response = _json(webapp, VALID, origin="https://anywhere.example", status=200)
    assert response.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"
    _post(webapp, VALID, origin=None, status=200)
    assert count_all(db, ContactRequest) == 2


def test_posts_over_the_rate_limit_are_refused(webapp, world, db):
    for _ in range(10):
        _post(webapp, VALID, status=200)
    page = _post(webapp, VALID, status=429)
    assert "Too many messages" in page.text
    assert _json(webapp, VALID, status=429).headers["Access-Control-Allow-Origin"] == SITE
    # Made-up keys count against the same address too.
    _post(webapp, VALID, key="Z" * 43, status=429)
    assert count_all(db, ContactRequest) == 10
    other = webapp.post(
        f"/f/{KEY}", VALID, headers={"Origin": SITE}, extra_environ={"REMOTE_ADDR": "192.0.2.99"}
    )
    assert other.status_int == 200 and count_all(db, ContactRequest) == 11
    assert count_all(db, RateLimitHit) == 14


def test_a_huge_post_is_refused(webapp, world, db):
    _post(webapp, {**VALID, "message": "x" * 70_000}, status=413)
    assert count_all(db, ContactRequest) == 0


def test_answers_follow_the_senders_language(webapp, world):
    response = _json(webapp, {**VALID, "name": ""}, status=400, **{"Accept-Language": "fi"})
    assert response.json["errors"]["name"] == ["Pakollinen."]
