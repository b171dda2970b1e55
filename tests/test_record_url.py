"""``record_url``: the URL ``route_url`` gives, built once a request for a list's rows."""

from __future__ import annotations

from pyramid import testing

from core.urls import record_url


def _tenant(request, elements, kw):
    return elements, {**kw, "tenant": "ääkkönen-oy"}


def test_record_url_gives_what_route_url_gives():
    config = testing.setUp()
    try:
        config.add_route("customer", "/t/{tenant}/customers/{id:\\d+}", pregenerator=_tenant)
        config.add_route("edit", "/t/{tenant}/teams/{team_id}/people/{id}/edit")
        request = testing.DummyRequest()
        for record_id in (1, 42, 2147483647):
            assert record_url(request, "customer", record_id) == request.route_url(
                "customer", id=record_id
            )
            assert record_url(request, "edit", record_id, team_id=7, tenant="x") == (
                request.route_url("edit", id=record_id, team_id=7, tenant="x")
            )
        # Other parts are part of the cached pattern's key: another team, another URL.
        assert record_url(request, "edit", 5, team_id=8, tenant="x").endswith("/8/people/5/edit")
    finally:
        testing.tearDown()
