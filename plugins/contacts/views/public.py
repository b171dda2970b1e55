"""The public web-form endpoint and the JSON API: the contacts pages without sign-in.

Neither runs under a tenant route, so the tenant guard does not check them:
each view finds its tenant itself (across tenants for that one lookup), checks
that the tenant is active and has contacts enabled, and only then works as it.
Whatever is wrong with a web form's key (unknown, form switched off, tenant
gone, contacts disabled) gets the same answer, so a key reveals nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.licensing import enabled_plugins
from core.models import Tenant
from plugins.contacts import _
from plugins.contacts.models import RequestSource, WebForm
from plugins.contacts.requests import origins, ratelimit, tokens
from plugins.contacts.requests.forms import FIELDS, WEB_FORM_ALWAYS, RequestForm, json_formdata
from plugins.contacts.requests.intake import create_request

PLUGIN = "contacts"
#: The field a person never sees and a spam robot fills in.
HONEYPOT = "homepage"
#: A contact request is small; anything bigger is not one.
MAX_BODY = 64 * 1024
CORS_MAX_AGE = "86400"
ANSWER_PAGE = "plugins.contacts:templates/requests/public_answer.pt"

NOT_AVAILABLE = _("This form is not available.")
ORIGIN_REFUSED = _("This web site may not send this form.")
TOO_MANY = _("Too many messages from your address. Please try again later.")
TOO_LARGE = _("The message is too large.")
BAD_JSON = _("The body must be a JSON object.")
CHECK_FIELDS = _("Please check the fields marked below.")
THANK_YOU = _("Thank you! We have received your message.")
BAD_TOKEN = _("The API token is missing, wrong or revoked.")
UNKNOWN_FIELD = _("Unknown field.")


def wants_json(request: Any) -> bool:
    return request.content_type == "application/json"


def usable_form(db: Any, public_key: str) -> WebForm | None:
    """The active form with ``public_key`` whose tenant is active and has contacts enabled."""
    if len(public_key) > 43:
        return None
    with all_tenants(db):
        row = db.execute(
            select(WebForm, Tenant)
            .join(Tenant, Tenant.id == WebForm.tenant_id)
            .where(WebForm.public_key == public_key, WebForm.active, Tenant.active)
        ).first()
    if row is None or PLUGIN not in enabled_plugins(db, row.Tenant):
        return None
    return row.WebForm


def cors_headers(form: WebForm | None, origin: str | None) -> dict[str, str]:
    """CORS headers letting ``origin``'s scripts read the answer, if the form accepts it."""
    if form is None or origin is None or not origins.allowed(form.allowed_origins, origin):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def answer(
    request: Any,
    status: int,
    message: Any,
    headers: Mapping[str, str] | None = None,
    errors: Mapping[str, list[Any]] | None = None,
    labels: Mapping[str, Any] | None = None,
) -> Response:
    """A short answer in JSON or as a small page, in the sender's language."""
    if wants_json(request):
        response = json_answer(request, status, message, errors)
    else:
        translate = request.localizer.translate
        labels = labels or {}
        response = render_to_response(
            ANSWER_PAGE,
            {
                "message": translate(message),
                "errors": [
                    (translate(labels[key]) if key in labels else key, translate(msg))
                    for key, msgs in (errors or {}).items()
                    for msg in msgs
                ],
                "back": request.referer if origins.origin_of(request.referer) else None,
            },
            request=request,
        )
        response.status_int = status
    response.headers.update(headers or {})
    return response


def thank(request: Any, form: WebForm, headers: Mapping[str, str]) -> Response:
    """The answer to an accepted post (also to one the honeypot caught: it must look the same)."""
    message = form.thank_you_message or request.localizer.translate(THANK_YOU)
    if wants_json(request):
        response = Response(status=200, content_type="application/json", charset="utf-8")
        body = {"ok": True, "message": message}
        if form.thank_you_url:
            body["redirect"] = form.thank_you_url
        response.json_body = body
    elif form.thank_you_url:
        response = HTTPSeeOther(form.thank_you_url)
    else:
        response = render_to_response(
            ANSWER_PAGE, {"message": message, "errors": [], "back": None}, request=request
        )
    response.headers.update(headers)
    return response


@view_config(route_name="web_form_post", request_method="OPTIONS")
def web_form_preflight(request: Any) -> Response:
    """CORS preflight of a JSON post: allowed only for the form's listed origins."""
    form = usable_form(request.db, request.matchdict["public_key"])
    headers = cors_headers(form, origins.origin_of(request.headers.get("Origin")))
    if headers:
        headers.update(
            {
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": CORS_MAX_AGE,
            }
        )
    response = Response(status=204)
    response.headers.update(headers)
    return response


@view_config(route_name="web_form_post", request_method="POST", require_csrf=False)
def web_form_post(request: Any) -> Response:
    """A web site's contact form, posted as a plain HTML form or as JSON."""
    db = request.db
    form = usable_form(db, request.matchdict["public_key"])
    origin = origins.sender_origin(request.headers)
    headers = cors_headers(form, origin)
    limit, window = ratelimit.settings_limits(request.registry.settings)
    # Counted before the key is looked at, so a flood of made-up keys is limited too.
    if not ratelimit.allow(db, f"webform:{request.client_addr}", limit, window):
        return answer(request, 429, TOO_MANY, headers)
    if form is None:
        return answer(request, 404, NOT_AVAILABLE)
    if not origins.allowed(form.allowed_origins, origin):
        return answer(request, 403, ORIGIN_REFUSED)
    if (request.content_length or 0) > MAX_BODY:
        return answer(request, 413, TOO_LARGE, headers)
    set_tenant(db, form.tenant_id)
    asked = (*WEB_FORM_ALWAYS, *form.fields)
    if wants_json(request):
        body = _json_object(request)
        if body is None:
            return answer(request, 400, BAD_JSON, headers)
        formdata, type_errors = json_formdata(body, asked)
        trap = body.get(HONEYPOT)
    else:
        formdata, type_errors, trap = request.POST, {}, request.POST.get(HONEYPOT)
    if trap:
        return thank(request, form, headers)
    posted = RequestForm(formdata, meta={"locales": [request.locale_name, "en"]})
    posted.keep_only(asked)
    valid = posted.validate()
    errors = {**posted.errors, **type_errors}
    if not valid or errors:
        labels = {field.name: field.label.text for field in posted}
        return answer(request, 400, CHECK_FIELDS, headers, errors, labels)
    values = posted.values()
    extra = {"page": request.referer[:500]} if origins.origin_of(request.referer) else {}
    create_request(
        db,
        values,
        RequestSource.WEB_FORM,
        form=form,
        actor_label=values.get("email") or values["name"],
        extra=extra,
    )
    return thank(request, form, headers)


@view_config(route_name="api_contact_requests", request_method="POST", require_csrf=False)
def api_create_request(request: Any) -> Response:
    """``POST /api/v1/t/{tenant}/contact-requests`` with ``Authorization: Bearer <token>``."""
    db = request.db
    scheme, _sep, credential = request.headers.get("Authorization", "").partition(" ")
    token = None
    if scheme.lower() == "bearer":
        token = tokens.verify(db, request.matchdict["slug"], credential.strip())
    if token is None:
        response = json_answer(request, 401, BAD_TOKEN)
        response.headers["WWW-Authenticate"] = 'Bearer realm="myynti"'
        return response
    tenant = db.get(Tenant, token.tenant_id)
    if PLUGIN not in enabled_plugins(db, tenant):
        return json_answer(request, 404, NOT_AVAILABLE)
    set_tenant(db, tenant.id)
    if (request.content_length or 0) > MAX_BODY:
        return json_answer(request, 413, TOO_LARGE)
    body = _json_object(request)
    if body is None:
        return json_answer(request, 400, BAD_JSON)
    formdata, errors = json_formdata(body, FIELDS)
    errors.update({key: [UNKNOWN_FIELD] for key in body if key not in FIELDS})
    posted = RequestForm(formdata, meta={"locales": [request.locale_name, "en"]})
    if not posted.validate() or errors:
        return json_answer(request, 400, CHECK_FIELDS, {**posted.errors, **errors})
    contact_request = create_request(
        db, posted.values(), RequestSource.API, actor_label=f"API: {token.name}"
    )
    tokens.touch(token)
    response = Response(status=201, content_type="application/json", charset="utf-8")
    response.json_body = {"id": contact_request.id, "state": contact_request.state}
    response.location = request.route_url(
        "contact_request", tenant=tenant.slug, id=contact_request.id
    )
    return response


def json_answer(
    request: Any, status: int, message: Any, errors: Mapping[str, list[Any]] | None = None
) -> Response:
    """``{"error": ..., "errors": {field: [...]}}`` in the caller's language."""
    translate = request.localizer.translate
    body: dict[str, Any] = {"error": translate(message)}
    if errors:
        body["errors"] = {key: [translate(m) for m in msgs] for key, msgs in errors.items()}
    response = Response(status=status, content_type="application/json", charset="utf-8")
    response.json_body = body
    return response


def _json_object(request: Any) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one."""
    try:
        body = request.json_body
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
