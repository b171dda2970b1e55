"""Reading any entity's records through the API with a personal token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.db import set_tenant
from core.licensing import disable_plugin
from core.models import utcnow
from plugins.api.models import PersonalToken
from tests.api.conftest import bearer, make_token

PROBLEM = "application/problem+json"


def test_a_list_pages_by_cursor_through_every_customer_once(
    webapp: Any, db: Any, acme: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member)

    seen: list[str] = []
    url = acme.url("/customers?limit=3")
    while url:
        page = webapp.get(url, headers=bearer(token))
        assert page.content_type == "application/json"
        seen += [row["name"] for row in page.json["data"]]
        following = page.json["next"]
        url = acme.url(f"/customers?limit=3&cursor={following}") if following else ""

    assert seen == [c.name for c in acme.customers]
    assert "tenant_id" not in page.json["data"][0]


def test_a_record_reads_with_its_fields(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member)
    customer = acme.customers[2]

    record = webapp.get(acme.url(f"/customers/{customer.id}"), headers=bearer(token)).json

    assert record["id"] == customer.id
    assert record["name"] == customer.name
    assert record["language"] == "fi"


def test_a_filter_narrows_the_list(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member)
    wanted = acme.customers[4]

    page = webapp.get(acme.url(f"/customers?name={wanted.name}"), headers=bearer(token))

    assert [row["id"] for row in page.json["data"]] == [wanted.id]


def test_an_unknown_filter_or_a_wrong_type_is_a_problem_naming_the_field(
    webapp: Any, db: Any, acme: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member)

    answer = webapp.get(
        acme.url("/customers?colour=red&id=abc&limit=0"), headers=bearer(token), status=400
    )

    assert answer.content_type == PROBLEM
    fields = {e["field"] for e in answer.json["errors"]}
    assert fields == {"colour", "id", "limit"}


def test_a_tampered_cursor_is_refused(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member)
    following = webapp.get(acme.url("/customers?limit=2"), headers=bearer(token)).json["next"]
    last_id, mac = following.split(".")
    forged = f"{int(last_id) - 1}.{mac}"

    answer = webapp.get(
        acme.url(f"/customers?limit=2&cursor={forged}"), headers=bearer(token), status=400
    )

    assert answer.json["errors"] == [
        {"field": "cursor", "message": "The cursor is not valid for this list."}
    ]


def test_a_cursor_of_another_filter_is_refused(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member)
    following = webapp.get(acme.url("/customers?limit=2"), headers=bearer(token)).json["next"]

    webapp.get(
        acme.url(f"/customers?limit=2&language=sv&cursor={following}"),
        headers=bearer(token),
        status=400,
    )


def test_another_tenants_record_is_not_found(webapp: Any, db: Any, acme: Any, beta: Any) -> None:
    token = make_token(db, acme.tenant, acme.member)

    answer = webapp.get(
        acme.url(f"/customers/{beta.customers[0].id}"), headers=bearer(token), status=404
    )
    listed = webapp.get(acme.url("/customers?limit=200"), headers=bearer(token)).json["data"]

    assert answer.content_type == PROBLEM
    assert {row["name"] for row in listed} == {c.name for c in acme.customers}


def test_a_token_of_one_tenant_opens_nothing_of_another(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    token = make_token(db, acme.tenant, acme.admin)

    answer = webapp.get(beta.url("/customers"), headers=bearer(token), status=401)

    assert answer.content_type == PROBLEM
    assert "invalid_token" in answer.headers["WWW-Authenticate"]


def test_a_missing_wrong_expired_or_revoked_token_is_401(webapp: Any, db: Any, acme: Any) -> None:
    expired = make_token(db, acme.tenant, acme.member, expires_in=timedelta(seconds=-1))
    revoked = make_token(db, acme.tenant, acme.member)
    set_tenant(db, acme.tenant.id)
    row = db.query(PersonalToken).order_by(PersonalToken.id.desc()).first()
    row.revoked_at = utcnow()
    db.flush()

    webapp.get(acme.url("/customers"), status=401)
    webapp.get(acme.url("/customers"), headers=bearer("myypat_nope"), status=401)
    webapp.get(acme.url("/customers"), headers=bearer(expired), status=401)
    webapp.get(acme.url("/customers"), headers=bearer(revoked), status=401)


def test_a_token_without_the_plugins_scope_is_403(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=("workflow:read",))

    answer = webapp.get(acme.url("/customers"), headers=bearer(token), status=403)

    assert "insufficient_scope" in answer.headers["WWW-Authenticate"]
    webapp.get(acme.url("/tasks"), headers=bearer(token), status=200)


def test_a_deactivated_membership_ends_the_token(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member)
    set_tenant(db, acme.tenant.id)
    from core.models import Membership

    membership = db.query(Membership).filter_by(user_id=acme.member.id).one()
    membership.active = False
    db.flush()

    webapp.get(acme.url("/customers"), headers=bearer(token), status=401)


def test_a_tenant_without_the_api_gets_404(
    webapp: Any, db: Any, acme: Any, myynti_registry: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member)
    disable_plugin(db, myynti_registry, acme.tenant, "api")

    answer = webapp.get(acme.url("/customers"), headers=bearer(token), status=404)

    assert answer.content_type == PROBLEM


def test_past_the_rate_limit_a_token_waits_as_told(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member)
    limit = int(webapp.app.registry.settings["myynti.api_rate_limit"])
    set_tenant(db, acme.tenant.id)
    row = db.query(PersonalToken).one()
    row.window_count = limit - 1
    row.window_started_at = utcnow()
    db.flush()

    webapp.get(acme.url("/customers"), headers=bearer(token), status=200)
    answer = webapp.get(acme.url("/customers"), headers=bearer(token), status=429)

    assert answer.content_type == PROBLEM
    assert 1 <= int(answer.headers["Retry-After"]) <= 60


def test_an_id_past_the_integer_range_is_a_problem_not_a_page(
    webapp: Any, db: Any, acme: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member)

    answer = webapp.get(
        acme.url("/customers/99999999999999999999"), headers=bearer(token), status=404
    )

    assert answer.content_type == PROBLEM


def test_problems_speak_the_callers_language(webapp: Any, db: Any, acme: Any) -> None:
    answer = webapp.get(acme.url("/customers"), headers={"Accept-Language": "fi"}, status=401)

    assert answer.json["title"] == "Tarvitaan voimassa oleva API-avain"


def test_the_contact_request_endpoint_still_takes_posts(webapp: Any, acme: Any) -> None:
    answer = webapp.post_json(acme.url("/contact-requests"), {"name": "x"}, status=401)

    assert answer.json["error"]
