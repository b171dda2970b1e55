"""The API tokens page: a user makes and revokes their own tokens; an admin sees all of them."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core import Link
from core.contract import label_text
from core.models import utcnow
from plugins.api import _, tokens
from plugins.api.forms import LONGEST_LIFE, TokenForm
from plugins.api.models import PersonalToken
from plugins.api.permissions import ApiPermission
from plugins.api.resources import resources


def token_links(request: Any, slot: str) -> list[Link]:
    if slot != "admin" or not request.has_permission(ApiPermission.OWN_TOKENS):
        return []
    return [
        Link(
            _("API tokens"),
            request.route_url("api_tokens_page"),
            60,
        )
    ]


def scope_choices(request: Any) -> list[tuple[str, str]]:
    """Read and write access to each enabled plugin that has records in the API."""
    translate = request.localizer.translate
    registry = request.registry.myynti_plugins
    found = resources(registry, request.plugins.collect("myynti_entities"))
    choices = []
    for name in sorted({r.plugin for r in found.values()}):
        title = label_text(registry.by_name[name].title, request.locale_name)
        choices.append((tokens.scope(name, tokens.READ), f"{title}: {translate(_('read'))}"))
        choices.append(
            (tokens.scope(name, tokens.WRITE), f"{title}: {translate(_('read and write'))}")
        )
    return choices


@view_config(
    route_name="api_tokens_page",
    renderer="plugins.api:templates/tokens.pt",
    permission=ApiPermission.OWN_TOKENS,
)
def tokens_page(request: Any) -> dict[str, Any]:
    """The user's tokens (an admin's page lists everyone's); a POST shows a new token once."""
    form = TokenForm.from_request(request)
    form.scopes.choices = scope_choices(request)
    new_token = None
    if request.method == "POST":
        if form.validate():
            expires = form.expires_on.data
            expires_at = (
                datetime.combine(expires, time(23, 59, 59), UTC)
                if expires
                else utcnow() + LONGEST_LIFE
            )
            _row, new_token = tokens.generate(
                request.db, request.user, form.name.data, form.scopes.data, expires_at
            )
            form = TokenForm(meta={"locales": [request.locale_name, "en"]})
            form.scopes.choices = scope_choices(request)
        else:
            request.response.status_int = 400
    manage_all = bool(request.has_permission(ApiPermission.ALL_TOKENS))
    query = select(PersonalToken).order_by(PersonalToken.created_at.desc(), PersonalToken.id.desc())
    if not manage_all:
        query = query.where(PersonalToken.user_id == request.user.id)
    return {
        "form": form,
        "tokens": request.db.scalars(query).all(),
        "new_token": new_token,
        "manage_all": manage_all,
        "now": utcnow(),
        "base_url": request.application_url + f"/api/v1/t/{request.tenant.slug}/",
    }


@view_config(
    route_name="api_token_revoke_personal",
    request_method="POST",
    permission=ApiPermission.OWN_TOKENS,
)
def revoke_token(request: Any) -> Any:
    row = request.db.get(PersonalToken, int(request.matchdict["id"]))
    may = row is not None and (
        row.user_id == request.user.id or request.has_permission(ApiPermission.ALL_TOKENS)
    )
    if not may:
        raise HTTPNotFound()
    if row.revoked_at is None:
        tokens.revoke(row)
        request.session.flash(request.localizer.translate(_("API token revoked.")))
    return HTTPSeeOther(request.route_url("api_tokens_page"))
