"""Custom fields through the API: read with the record, described per tenant, written as
the form writes them, and each bad value refused by the field's name."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from sqlalchemy import select

from core.db import set_tenant
from core.licensing import enable_plugin
from core.models import Event, utcnow
from plugins.contacts.models import Customer
from plugins.custom_fields.models import CustomField, FieldType
from tests.api.conftest import bearer, make_token

WRITE = ("contacts:write",)
PROBLEM = "application/problem+json"
CLASSES = [
    {"value": "a", "fi": "A-luokka", "en": "Class A"},
    {"value": "b", "fi": "B-luokka", "en": "Class B"},
    {"value": "old", "fi": "Vanha", "en": "Old", "retired": True},
]


def _field(db: Any, tenant: Any, key: str, type_: str, **kw: Any) -> CustomField:
    set_tenant(db, tenant.id)
    kw.setdefault("label", {"fi": key.title(), "en": key.title()})
    field = CustomField(tenant_id=tenant.id, entity="customer", key=key, type=type_, **kw)
    db.add(field)
    db.flush()
    return field


@pytest.fixture
def fields(db: Any, myynti_registry: Any, acme: Any) -> dict[str, CustomField]:
    """Acme with custom fields on customers: one of each kind a test writes, and a retired one."""
    enable_plugin(db, myynti_registry, acme.tenant, "custom_fields")
    made = {
        "segment": _field(db, acme.tenant, "segment", FieldType.CHOICE, choices=CLASSES),
        "staff": _field(db, acme.tenant, "staff", FieldType.INTEGER),
        "revenue": _field(db, acme.tenant, "revenue", FieldType.MONEY),
        "founded": _field(db, acme.tenant, "founded", FieldType.DATE),
        "partner": _field(db, acme.tenant, "partner", FieldType.YES_NO),
        "tags": _field(db, acme.tenant, "tags", FieldType.MULTI_CHOICE, choices=CLASSES),
        "owner": _field(db, acme.tenant, "owner", FieldType.USER),
        "site": _field(db, acme.tenant, "site", FieldType.URL),
        "vat": _field(db, acme.tenant, "vat", FieldType.TEXT, required=True, default="FI"),
        "fax": _field(db, acme.tenant, "fax", FieldType.TEXT, retired_at=utcnow()),
    }
    return made


def _errors(answer: Any) -> dict[str, str]:
    assert answer.content_type == PROBLEM
    return {e["field"]: e["message"] for e in answer.json["errors"]}


def test_a_customer_is_created_and_changed_with_its_custom_values(
    webapp: Any, db: Any, acme: Any, fields: Any
) -> None:
    token = make_token(db, acme.tenant, acme.admin, scopes=WRITE)

    made = webapp.post_json(
        acme.url("/customers"),
        {
            "name": "Kahvila Kulma",
            "kind": "company",
            "custom_fields": {
                "segment": "a",
                "staff": 12,
                "revenue": 1250.5,
                "founded": "2019-03-01",
                "partner": True,
                "tags": ["a", "b"],
                "owner": acme.member.id,
                "site": "https://kulma.example",
            },
        },
        headers=bearer(token),
        status=201,
    ).json
    url = acme.url(f"/customers/{made['id']}")
    changed = webapp.patch_json(
        url,
        {"version": made["version"], "custom_fields": {"staff": 14, "segment": None}},
        headers=bearer(token),
    ).json
    read = webapp.get(url, headers=bearer(token)).json

    assert made["custom_fields"] == {
        "segment": "a",
        "staff": 12,
        "revenue": 1250.5,
        "founded": "2019-03-01",
        "partner": True,
        "tags": ["a", "b"],
        "owner": acme.member.id,
        "site": "https://kulma.example",
        "vat": "FI",
    }
    assert "custom_values" not in made
    assert read == changed
    assert read["custom_fields"]["staff"] == 14
    assert read["custom_fields"]["segment"] is None
    assert read["custom_fields"]["vat"] == "FI"
    set_tenant(db, acme.tenant.id)
    assert db.get(Customer, made["id"]).custom_values["staff"] == 14
    events = db.scalars(
        select(Event).where(Event.entity == "customer", Event.record_id == made["id"])
    ).all()
    assert [e.kind for e in events] == ["created", "changed"]
    assert set(events[1].payload["changes"]) == {"Staff", "Segment"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"staff": "12"}, "Give a whole number."),
        ({"staff": 1.5}, "Give a whole number."),
        ({"revenue": "paljon"}, "Give a number."),
        ({"revenue": 1e30}, "The number is too large."),
        ({"founded": "1.3.2019"}, "Give a date as YYYY-MM-DD."),
        ({"founded": "2019-02-30"}, "Give a date as YYYY-MM-DD."),
        ({"partner": "yes"}, "Give true or false."),
        ({"segment": "c"}, "“c” is not one of the choices."),
        ({"segment": "old"}, "“old” is not one of the choices."),
        ({"tags": "a"}, "Give a list of choice values."),
        ({"tags": ["a", "zz"]}, "“zz” is not one of the choices."),
        ({"owner": 999999}, "Choose a member of this organisation."),
        ({"site": "kulma.example"}, "Enter an address such as https://example.fi."),
        ({"vat": None}, "This field is required."),
        ({"vat": ""}, "This field is required."),
        ({"fax": "09 123"}, "This field is retired and can no longer be written."),
        ({"nosuch": 1}, "No such custom field."),
    ],
)
def test_a_bad_custom_value_is_named_and_nothing_is_saved(
    webapp: Any, db: Any, acme: Any, fields: Any, values: dict[str, Any], message: str
) -> None:
    customer = acme.customers[0]
    token = make_token(db, acme.tenant, acme.admin, scopes=WRITE)
    url = acme.url(f"/customers/{customer.id}")
    version = webapp.get(url, headers=bearer(token)).json["version"]

    refused = webapp.patch_json(
        url, {"version": version, "custom_fields": values}, headers=bearer(token), status=422
    )

    (key,) = values
    assert _errors(refused) == {f"custom_fields.{key}": message}
    set_tenant(db, acme.tenant.id)
    db.expire_all()
    assert db.get(Customer, customer.id).custom_values in ({}, None)


def test_a_required_custom_field_without_default_is_required_of_a_new_record(
    webapp: Any, db: Any, acme: Any, fields: Any
) -> None:
    _field(db, acme.tenant, "region", FieldType.TEXT, required=True)
    token = make_token(db, acme.tenant, acme.admin, scopes=WRITE)

    refused = webapp.post_json(
        acme.url("/customers"),
        {"name": "Uusi Oy", "kind": "company", "custom_fields": "Uusimaa"},
        headers=bearer(token),
        status=422,
    )
    missing = webapp.post_json(
        acme.url("/customers"),
        {"name": "Uusi Oy", "kind": "company"},
        headers=bearer(token),
        status=422,
    )

    assert _errors(refused) == {"custom_fields": "Give a JSON object."}
    assert _errors(missing) == {"custom_fields.region": "This field is required."}


def test_a_retired_choice_stays_on_the_record_that_holds_it(
    webapp: Any, db: Any, acme: Any, fields: Any
) -> None:
    customer = acme.customers[0]
    set_tenant(db, acme.tenant.id)
    customer.custom_values = {"segment": "old", "vat": "FI"}
    db.flush()
    token = make_token(db, acme.tenant, acme.admin, scopes=WRITE)
    url = acme.url(f"/customers/{customer.id}")
    read = webapp.get(url, headers=bearer(token)).json

    kept = webapp.patch_json(
        url,
        {"version": read["version"], "custom_fields": {"segment": "old"}},
        headers=bearer(token),
    ).json

    assert read["custom_fields"]["segment"] == "old"
    assert kept["custom_fields"]["segment"] == "old"


def test_the_tenants_document_names_its_fields_and_the_installations_is_generic(
    webapp: Any, db: Any, acme: Any, beta: Any, fields: Any
) -> None:
    token = make_token(db, acme.tenant, acme.admin, scopes=("contacts:read",))
    beta_token = make_token(db, beta.tenant, beta.admin, scopes=("contacts:read",))

    own = webapp.get(acme.url("/openapi.json"), headers=bearer(token)).json
    theirs = webapp.get(beta.url("/openapi.json"), headers=bearer(beta_token)).json
    installed = webapp.get("/api/v1/openapi.json").json
    webapp.get(beta.url("/openapi.json"), headers=bearer(token), status=401)

    custom = own["components"]["schemas"]["Customer"]["properties"]["custom_fields"]
    assert custom["properties"]["staff"]["type"] == ["integer", "null"]
    assert custom["properties"]["segment"]["enum"] == ["a", "b", "old", None]
    assert "fax" not in custom["properties"]
    assert custom["additionalProperties"] is False
    assert "custom_fields" in own["components"]["schemas"]["CustomerChange"]["properties"]
    # Beta has not enabled custom fields: its records have none.
    assert "custom_fields" not in theirs["components"]["schemas"]["Customer"]["properties"]
    generic = installed["components"]["schemas"]["Customer"]["properties"]["custom_fields"]
    assert generic["type"] == "object"
    assert "Activity" in installed["components"]["schemas"]
    assert "custom_fields" not in installed["components"]["schemas"]["Activity"]["properties"]


def test_another_tenants_custom_values_are_not_read(
    webapp: Any, db: Any, acme: Any, beta: Any, fields: Any
) -> None:
    set_tenant(db, acme.tenant.id)
    acme.customers[0].custom_values = {"staff": 3, "vat": "FI"}
    db.flush()
    beta_token = make_token(db, beta.tenant, beta.admin, scopes=WRITE)

    webapp.get(
        beta.url(f"/customers/{acme.customers[0].id}"), headers=bearer(beta_token), status=404
    )
    listed = webapp.get(beta.url("/customers"), headers=bearer(beta_token)).json["data"]

    assert all("custom_fields" not in row and "custom_values" not in row for row in listed)


def test_a_custom_field_error_speaks_the_callers_language(
    webapp: Any, db: Any, acme: Any, fields: Any
) -> None:
    token = make_token(db, acme.tenant, acme.admin, scopes=WRITE)
    answers = {
        language: webapp.post_json(
            acme.url("/customers"),
            {"name": "Kulma", "kind": "company", "custom_fields": {"staff": "12", "nosuch": 1}},
            headers={**bearer(token), "Accept-Language": language},
            status=422,
        )
        for language in ("fi", "sv")
    }

    assert _errors(answers["fi"]) == {
        "custom_fields.staff": "Anna kokonaisluku.",
        "custom_fields.nosuch": "Tällaista lisätietokenttää ei ole.",
    }
    assert _errors(answers["sv"]) == {
        "custom_fields.staff": "Ange ett heltal.",
        "custom_fields.nosuch": "Det finns inget sådant tilläggsfält.",
    }


@pytest.mark.parametrize(
    "operation_id", ["create_customer", "change_customer", "read_customer", "list_customer"]
)
def test_generated_custom_values_get_no_server_error_and_match_the_tenants_document(
    webapp: Any, db: Any, acme: Any, fields: Any, operation_id: str
) -> None:
    """Schemathesis over the tenant's own document, whose custom fields are typed."""
    token = make_token(db, acme.tenant, acme.admin, scopes=WRITE)
    schema = schemathesis.openapi.from_wsgi(
        acme.url("/openapi.json"), webapp.app, headers=bearer(token)
    )
    operation = next(
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().definition.raw.get("operationId") == operation_id
    )

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        case.path_parameters["tenant"] = "acme"
        if "id" in case.path_parameters:
            case.path_parameters["id"] = acme.customers[0].id
        response = case.call(headers=bearer(token))
        case.validate_response(
            response, excluded_checks=[checks.ignored_auth, checks.positive_data_acceptance]
        )

    check()
