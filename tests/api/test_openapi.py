"""The OpenAPI document: generated from the entities, valid, and kept by the server.

Schemathesis generates requests from the document (valid and invalid values of
every parameter) and sends them, with a real token, to the app in the test's
transaction: no response may be a server error or break the document's schema.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.api.conftest import bearer, make_token


def test_every_plugins_entities_have_their_paths(webapp: Any) -> None:
    document = webapp.get("/api/v1/openapi.json").json

    assert document["openapi"] == "3.1.0"
    assert "/api/v1/t/{tenant}/customers" in document["paths"]
    assert "/api/v1/t/{tenant}/customers/{id}" in document["paths"]
    assert "/api/v1/t/{tenant}/tasks" in document["paths"]
    for path in ("tasks", "contact-persons", "activities"):
        assert "post" in document["paths"][f"/api/v1/t/{{tenant}}/{path}"]
        assert "patch" in document["paths"][f"/api/v1/t/{{tenant}}/{path}/{{id}}"]
    assert "delete" in document["paths"]["/api/v1/t/{tenant}/contact-persons/{id}"]
    assert document["components"]["schemas"]["TaskNew"]["required"] == ["title"]
    customer = document["components"]["schemas"]["Customer"]["properties"]
    assert customer["name"] == {"type": "string", "maxLength": 200}
    assert "tenant_id" not in customer


def test_the_docs_page_lists_the_endpoints(webapp: Any) -> None:
    page = webapp.get("/api/v1/docs", headers={"Accept-Language": "fi"})

    assert "/api/v1/t/{tenant}/customers/{id}" in page.text
    assert "Myynnin rajapinta" in page.text


@pytest.mark.parametrize(
    "operation_id",
    [
        "list_customer",
        "read_customer",
        "list_task",
        "create_customer",
        "change_customer",
        "archive_customer",
        "create_task",
        "change_task",
        "create_contact_person",
        "change_contact_person",
        "archive_contact_person",
        "create_activity",
        "change_activity",
        "archive_activity",
        "move_task",
        "convert_contact_request",
    ],
)
def test_generated_requests_get_no_server_error_and_match_the_document(
    webapp: Any, db: Any, acme: Any, beta: Any, operation_id: str
) -> None:
    token = make_token(db, acme.tenant, acme.admin, scopes=("contacts:write", "workflow:write"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", webapp.app)
    operation = next(
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().definition.raw.get("operationId") == operation_id
    )

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        case.path_parameters["tenant"] = "acme"
        response = case.call(headers=bearer(token))
        # The test puts a valid token in place of whatever auth was generated, and a
        # cursor of the right shape that this service did not sign is refused (400).
        case.validate_response(
            response, excluded_checks=[checks.ignored_auth, checks.positive_data_acceptance]
        )

    check()
