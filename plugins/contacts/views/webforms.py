"""The tenant admin's settings for requests: web forms, routing rules, API tokens."""

from __future__ import annotations

import secrets
from html import escape
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import delete, select

from core import Link
from core.forms import choices
from core.models import Membership, Team, User
from plugins.contacts import _
from plugins.contacts.models import ApiToken, RoutingRule, WebForm
from plugins.contacts.permissions import ContactsPermission
from plugins.contacts.requests import tokens
from plugins.contacts.requests.forms import LANGUAGES, WEB_FORM_OPTIONAL
from plugins.contacts.requests.routing import LEAST_BUSY, ROUND_ROBIN
from plugins.contacts.requests.settings_forms import (
    RoutingRuleForm,
    TokenForm,
    WebFormForm,
    split_keywords,
)
from plugins.contacts.views.public import HONEYPOT
from plugins.contacts.views.requests import SOURCE_LABELS

MANAGE = ContactsPermission.SETTINGS_MANAGE
TEMPLATES = "plugins.contacts:templates/requests/"
FIELD_LABELS = {
    "name": _("Name"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "company": _("Company"),
    "business_id": _("Business ID"),
    "subject": _("Subject"),
    "language": _("Language"),
    "message": _("Message"),
}


def settings_links(request: Any, slot: str) -> list[Link]:
    """The request settings in the administration menu, for tenant admins."""
    if slot != "admin" or not request.has_permission(MANAGE):
        return []
    return [
        Link(
            _("Web forms"),
            request.route_url("web_forms"),
            40,
        ),
        Link(
            _("Request routing"),
            request.route_url("routing_rules"),
            41,
        ),
        Link(
            _("API tokens"),
            request.route_url("api_tokens"),
            42,
        ),
    ]


def _t(request: Any, value: Any) -> str:
    return request.localizer.translate(value)


def _teams(request: Any) -> dict[int, str]:
    return dict(request.db.execute(select(Team.id, Team.name).order_by(Team.name)).all())


def _members(request: Any) -> dict[int, str]:
    rows = request.db.execute(
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.active, User.active)
        .order_by(User.name, User.email)
    )
    return {uid: name or email for uid, name, email in rows}


def _get(request: Any, model: type) -> Any:
    """The row the URL names, of this tenant only (the tenant filter), else 404."""
    row = request.db.scalar(select(model).where(model.id == int(request.matchdict["id"])))
    if row is None:
        raise HTTPNotFound()
    return row


# --- web forms -------------------------------------------------------------------


def embed_code(request: Any, form: WebForm) -> str:
    """An HTML form to paste on a web site: the fields asked, and the hidden honeypot."""
    t = request.localizer.translate
    inputs = []
    for key in ("name", "email", *[k for k in WEB_FORM_OPTIONAL if k in form.fields], "message"):
        label = escape(t(FIELD_LABELS[key]))
        if key == "message":
            control = '<textarea name="message" rows="5"></textarea>'
        else:
            kind = "email" if key == "email" else "tel" if key == "phone" else "text"
            required = " required" if key in ("name", "email") else ""
            control = f'<input type="{kind}" name="{key}"{required}>'
        inputs.append(f"  <p><label>{label}<br>{control}</label></p>")
    action = escape(request.route_url("web_form_post", public_key=form.public_key))
    return "\n".join(
        [
            f'<form method="post" action="{action}" accept-charset="utf-8">',
            *inputs,
            f'  <p style="position:absolute;left:-10000px" aria-hidden="true">'
            f'<input name="{HONEYPOT}" tabindex="-1" autocomplete="off"></p>',
            f'  <button type="submit">{escape(t(_("Send")))}</button>',
            "</form>",
        ]
    )


def _web_form_form(request: Any, row: WebForm | None = None) -> WebFormForm:
    form = WebFormForm.from_request(request, obj=row)
    form.team_id.choices = choices([(0, "—"), *_teams(request).items()])
    form.fields.choices = choices((k, _t(request, FIELD_LABELS[k])) for k in WEB_FORM_OPTIONAL)
    if request.method != "POST" and row is not None:
        form.team_id.data = row.team_id or 0
        form.allowed_origins.data = "\n".join(row.allowed_origins)
    return form


def _apply_web_form(form: WebFormForm, row: WebForm) -> None:
    row.name = form.name.data
    row.team_id = form.team_id.data or None
    row.fields = [k for k in WEB_FORM_OPTIONAL if k in (form.fields.data or [])]
    row.thank_you_url = form.thank_you_url.data or None
    row.thank_you_message = form.thank_you_message.data or ""
    row.allowed_origins = form.origins()
    row.active = form.active.data


@view_config(route_name="web_forms", renderer=TEMPLATES + "webforms.pt", permission=MANAGE)
def web_forms(request: Any) -> dict[str, Any]:
    rows = request.db.scalars(select(WebForm).order_by(WebForm.name, WebForm.id)).all()
    return {"forms": rows, "teams": _teams(request)}


@view_config(route_name="web_form_new", renderer=TEMPLATES + "webform_edit.pt", permission=MANAGE)
def web_form_new(request: Any) -> Any:
    form = _web_form_form(request)
    if request.method == "POST":
        if form.validate():
            row = WebForm(public_key=secrets.token_urlsafe(32))
            _apply_web_form(form, row)
            request.db.add(row)
            request.db.flush()
            request.session.flash(_t(request, _("Web form saved.")))
            return HTTPSeeOther(request.route_url("web_form", id=row.id))
        request.response.status_int = 400
    return {"form": form, "row": None, "embed": None, "endpoint": None}


@view_config(route_name="web_form", renderer=TEMPLATES + "webform_edit.pt", permission=MANAGE)
def web_form_edit(request: Any) -> Any:
    row = _get(request, WebForm)
    form = _web_form_form(request, row)
    if request.method == "POST":
        if not form.validate():
            request.response.status_int = 400
        elif not form.stale(request, row):
            _apply_web_form(form, row)
            form.saved(row)
            request.session.flash(_t(request, _("Web form saved.")))
            return HTTPSeeOther(request.route_url("web_form", id=row.id))
    return {
        "form": form,
        "row": row,
        "embed": embed_code(request, row),
        "endpoint": request.route_url("web_form_post", public_key=row.public_key),
    }


@view_config(route_name="web_form_delete", request_method="POST", permission=MANAGE)
def web_form_delete(request: Any) -> Any:
    """Delete the form and the routing rules made for it; its requests stay."""
    row = _get(request, WebForm)
    request.db.execute(delete(RoutingRule).where(RoutingRule.form_id == row.id))
    request.db.delete(row)
    request.session.flash(_t(request, _("Web form deleted.")))
    return HTTPSeeOther(request.route_url("web_forms"))


# --- routing rules ---------------------------------------------------------------


def _rule_form(request: Any, row: RoutingRule | None = None) -> RoutingRuleForm:
    form = RoutingRuleForm.from_request(request, obj=row)
    any_label = _t(request, _("Any"))
    form.source.choices = choices(
        [("", any_label), *((k, _t(request, v)) for k, v in SOURCE_LABELS.items())]
    )
    forms = request.db.execute(select(WebForm.id, WebForm.name).order_by(WebForm.name)).all()
    form.form_id.choices = choices([(0, any_label), *forms])
    form.language.choices = choices([("", any_label), *LANGUAGES])
    form.team_id.choices = choices(_teams(request).items())
    form.user_id.choices = choices([(0, "—"), *_members(request).items()])
    form.strategy.choices = choices(
        [
            (ROUND_ROBIN, _t(request, _("In turn (round robin)"))),
            (LEAST_BUSY, _t(request, _("Least busy first"))),
        ]
    )
    if request.method != "POST" and row is not None:
        form.keywords.data = ", ".join(row.keywords)
        form.source.data = row.source or ""
        form.form_id.data = row.form_id or 0
        form.language.data = row.language or ""
        form.user_id.data = row.user_id or 0
    return form


def _apply_rule(form: RoutingRuleForm, row: RoutingRule) -> None:
    row.name = form.name.data
    row.position = form.position.data or 0
    row.source = form.source.data or None
    row.form_id = form.form_id.data or None
    row.keywords = split_keywords(form.keywords.data)
    row.language = form.language.data or None
    row.team_id = form.team_id.data
    row.user_id = form.user_id.data or None
    row.strategy = form.strategy.data
    row.active = form.active.data


def _rule_page(request: Any, form: RoutingRuleForm, row: RoutingRule | None) -> dict[str, Any]:
    return {"form": form, "row": row, "has_teams": bool(form.team_id.choices)}


@view_config(route_name="routing_rules", renderer=TEMPLATES + "rules.pt", permission=MANAGE)
def routing_rules(request: Any) -> dict[str, Any]:
    rows = request.db.scalars(
        select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)
    ).all()
    forms = dict(request.db.execute(select(WebForm.id, WebForm.name)).all())
    return {
        "rules": rows,
        "teams": _teams(request),
        "members": _members(request),
        "forms": forms,
        "sources": SOURCE_LABELS,
    }


@view_config(route_name="routing_rule_new", renderer=TEMPLATES + "rule_edit.pt", permission=MANAGE)
def routing_rule_new(request: Any) -> Any:
    form = _rule_form(request)
    if request.method == "POST":
        if form.validate():
            row = RoutingRule()
            _apply_rule(form, row)
            request.db.add(row)
            request.session.flash(_t(request, _("Routing rule saved.")))
            return HTTPSeeOther(request.route_url("routing_rules"))
        request.response.status_int = 400
    return _rule_page(request, form, None)


@view_config(route_name="routing_rule", renderer=TEMPLATES + "rule_edit.pt", permission=MANAGE)
def routing_rule_edit(request: Any) -> Any:
    row = _get(request, RoutingRule)
    form = _rule_form(request, row)
    if request.method == "POST":
        if not form.validate():
            request.response.status_int = 400
        elif not form.stale(request, row):
            _apply_rule(form, row)
            form.saved(row)
            request.session.flash(_t(request, _("Routing rule saved.")))
            return HTTPSeeOther(request.route_url("routing_rules"))
    return _rule_page(request, form, row)


@view_config(route_name="routing_rule_delete", request_method="POST", permission=MANAGE)
def routing_rule_delete(request: Any) -> Any:
    request.db.delete(_get(request, RoutingRule))
    request.session.flash(_t(request, _("Routing rule deleted.")))
    return HTTPSeeOther(request.route_url("routing_rules"))


# --- API tokens ------------------------------------------------------------------


@view_config(route_name="api_tokens", renderer=TEMPLATES + "tokens.pt", permission=MANAGE)
def api_tokens(request: Any) -> dict[str, Any]:
    """The tenant's tokens; a POST makes one and shows it this once (it is not stored)."""
    form = TokenForm.from_request(request)
    new_token = None
    if request.method == "POST":
        if form.validate():
            _row, new_token = tokens.generate(request.db, form.name.data)
            form = TokenForm(meta={"locales": [request.locale_name, "en"]})
        else:
            request.response.status_int = 400
    rows = request.db.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    return {
        "form": form,
        "tokens": rows,
        "new_token": new_token,
        "endpoint": request.route_url("api_contact_requests", slug=request.tenant.slug),
    }


@view_config(route_name="api_token_revoke", request_method="POST", permission=MANAGE)
def api_token_revoke(request: Any) -> Any:
    row = _get(request, ApiToken)
    if row.revoked_at is None:
        tokens.revoke(row)
        request.session.flash(_t(request, _("API token revoked.")))
    return HTTPSeeOther(request.route_url("api_tokens"))
