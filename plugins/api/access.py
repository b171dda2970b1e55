"""Who may call an API endpoint: the token, its scopes, the rate limit, the user's permissions.

The API does not use the browser's session: each request carries a personal
token (``Authorization: Bearer myypat_…``), which names the user and the tenant.
The user's role decides, as in the web UI (the request acts as the token's
user, so core's own permission check answers), and the token's scopes narrow it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pyramid.response import Response
from sqlalchemy import case, update

from core import tenancy
from core.db import set_tenant
from core.licensing import enabled_plugins
from core.models import as_utc, utcnow
from plugins.api import _, tokens
from plugins.api.models import PersonalToken
from plugins.api.problems import problem
from plugins.api.resources import Resource, resources

API_PLUGIN = "api"
#: The rate limit's window: ``myynti.api_rate_limit`` requests per token in it.
RATE_WINDOW = timedelta(minutes=1)


class Refused(Exception):
    """The request may not go on; ``response`` says why."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass(frozen=True)
class Access:
    """An authenticated call: the caller and the resources of the tenant's enabled plugins."""

    caller: tokens.Caller
    resources: dict[str, Resource]
    enabled: frozenset[str]

    def allowed(self, request: Any, resource: Resource, access: str) -> bool:
        """The token's scope and the user's role, as for the same work in the web UI."""
        entity = resource.entity
        if access == tokens.WRITE and not (entity.api_fields and entity.edit_permission):
            return False
        permission = entity.permission if access == tokens.READ else entity.edit_permission
        if not request.has_permission(permission):
            return False
        return self.caller.may(resource.plugin, access)


def authenticate(request: Any) -> Access:
    """The access of the request's token to its tenant; raises Refused (401, 404, 429).

    From here on the request acts as the token's user (``act_as``).
    """
    db = request.db
    scheme, _sep, credential = request.headers.get("Authorization", "").partition(" ")
    caller = None
    if scheme.lower() == "bearer":
        caller = tokens.verify(db, request.matchdict["slug"], credential.strip())
    if caller is None:
        raise Refused(
            problem(
                request,
                401,
                _("The token is missing, wrong, expired or revoked, or not of this organisation."),
                headers={"WWW-Authenticate": 'Bearer realm="myynti", error="invalid_token"'},
            )
        )
    enabled = enabled_plugins(db, caller.tenant)
    if API_PLUGIN not in enabled:
        raise Refused(problem(request, 404, _("The API is not in use in this organisation.")))
    set_tenant(db, caller.tenant.id)
    _count(request, caller.token)
    hooks = request.registry.myynti_plugins.hooks_for(enabled)
    found = resources(request.registry.myynti_plugins, hooks.collect("myynti_entities"))
    access = Access(caller, found, frozenset(enabled))
    act_as(request, access, hooks)
    return access


def act_as(request: Any, access: Access, hooks: Any) -> None:
    """Make ``request`` the caller's own, as a signed-in request of the tenant would be.

    The owners' code (record actions, ``api_save``) is written for the web UI's
    requests: it reads ``request.user``, ``request.tenant``, ``request.plugins``
    and asks ``request.has_permission``, as does ``Access.allowed``. Those are
    set from the token here (reified request properties, so an assignment stands
    in for them); the member permissions come from core's own rule.
    """
    request.user = access.caller.token.user
    request.tenant = access.caller.tenant
    request.membership = access.caller.membership
    request.enabled_plugins = access.enabled
    request.plugins = hooks
    request.member_permissions = tenancy.request_member_permissions(request)


def _count(request: Any, token: PersonalToken) -> None:
    """Count the request in the token's window; Refused (429, Retry-After) past the limit."""
    limit = int(request.registry.settings["myynti.api_rate_limit"])
    now = utcnow()
    in_window = PersonalToken.window_started_at > now - RATE_WINDOW
    count, started = request.db.execute(
        update(PersonalToken)
        .where(PersonalToken.id == token.id)
        .values(
            window_count=case((in_window, PersonalToken.window_count + 1), else_=1),
            window_started_at=case((in_window, PersonalToken.window_started_at), else_=now),
            last_used_at=now,
        )
        .returning(PersonalToken.window_count, PersonalToken.window_started_at)
        .execution_options(synchronize_session=False)
    ).one()
    if count > limit:
        wait = as_utc(started) + RATE_WINDOW - now
        retry_after = str(max(1, math.ceil(wait.total_seconds())))
        raise Refused(
            problem(
                request,
                429,
                _("This token has made too many requests. Try again later."),
                headers={"Retry-After": retry_after},
            )
        )


def resource_for(request: Any, access: Access, access_kind: str) -> Resource:
    """The resource the path names, if the caller may ``access_kind`` it; else Refused."""
    resource = access.resources.get(request.matchdict["resource"])
    if resource is None:
        raise Refused(problem(request, 404))
    if not access.allowed(request, resource, access_kind):
        raise Refused(
            problem(
                request,
                403,
                _("The token's scopes or the user's role do not allow this."),
                headers={"WWW-Authenticate": 'Bearer realm="myynti", error="insufficient_scope"'},
            )
        )
    return resource
