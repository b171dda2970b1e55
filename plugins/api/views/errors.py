"""Errors on the API's record routes as problem+json, never an HTML page or a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from pyramid.httpexceptions import HTTPException
from pyramid.response import Response
from pyramid.view import exception_view_config

from plugins.api.problems import TITLES, problem

log = logging.getLogger(__name__)


@exception_view_config(HTTPException, route_name="api_records")
@exception_view_config(HTTPException, route_name="api_record")
@exception_view_config(HTTPException, route_name="api_records_create")
@exception_view_config(HTTPException, route_name="api_record_write")
@exception_view_config(HTTPException, route_name="api_record_action")
def http_problem(exc: HTTPException, request: Any) -> Response:
    status = exc.status_int if exc.status_int in TITLES else 400
    return problem(request, status)


@exception_view_config(Exception, route_name="api_records")
@exception_view_config(Exception, route_name="api_record")
@exception_view_config(Exception, route_name="api_records_create")
@exception_view_config(Exception, route_name="api_record_write")
@exception_view_config(Exception, route_name="api_record_action")
def server_problem(exc: Exception, request: Any) -> Response:
    log.exception("API error on %s %r", request.method, request.environ.get("PATH_INFO", ""))
    return problem(request, 500)
