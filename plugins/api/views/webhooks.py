"""Webhook settings: subscribe a URL to events (the secret shown once), see its deliveries,
resume a paused one, remove one."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core import Link, Panel
from core.contract import label_text
from core.credentials import encrypt
from core.forms import row_id
from core.models import Job
from plugins.api import _
from plugins.api.models import WebhookDelivery, WebhookSubscription
from plugins.api.permissions import ApiPermission
from plugins.api.webhooks import signing
from plugins.api.webhooks.forms import WebhookForm
from plugins.api.webhooks.urls import UrlRefused, allowed_hosts, check_url

TEMPLATES = "plugins.api:templates/"
#: Deliveries shown on a subscription's page, newest first.
SHOWN_DELIVERIES = 50


def webhook_links(request: Any, slot: str) -> list[Link]:
    if slot != "admin" or not request.has_permission(ApiPermission.WEBHOOKS):
        return []
    return [
        Link(
            _("Webhooks"),
            request.route_url("api_webhooks"),
            61,
        )
    ]


def paused_notice(request: Any, slot: str) -> list[Panel]:
    """On an admin's dashboard: the webhooks paused because their deliveries kept failing."""
    if slot != "dashboard" or not request.has_permission(ApiPermission.WEBHOOKS):
        return []
    paused = request.db.scalars(
        select(WebhookSubscription).where(WebhookSubscription.paused_at.is_not(None))
    ).all()
    if not paused:
        return []
    return [
        Panel(
            title=_("Paused webhooks"),
            template=TEMPLATES + "paused_panel.pt",
            data={"paused": paused},
            order=5,
            key="api-webhooks-paused",
        )
    ]


def event_choices(request: Any) -> list[tuple[str, str]]:
    kinds = request.plugins.collect("myynti_event_kinds")
    found = {kind.key: label_text(kind.label, request.locale_name) for kind in kinds}
    return sorted(((key, f"{label} ({key})") for key, label in found.items()), key=lambda c: c[1])


@view_config(
    route_name="api_webhooks",
    renderer=TEMPLATES + "webhooks.pt",
    permission=ApiPermission.WEBHOOKS,
)
def webhooks_page(request: Any) -> dict[str, Any]:
    form = WebhookForm.from_request(request)
    form.events.choices = event_choices(request)
    new_secret = None
    if request.method == "POST":
        if form.validate():
            try:
                url = check_url(form.url.data, allowed_hosts(request.registry.settings))
            except UrlRefused as exc:
                form.url.errors = [request.localizer.translate(exc.args[0])]
            else:
                new_secret = signing.new_secret()
                request.db.add(
                    WebhookSubscription(
                        url=url,
                        events=sorted(form.events.data),
                        secret=encrypt(request.registry.settings, new_secret),
                        created_by_id=request.user.id,
                    )
                )
                request.db.flush()
                form = WebhookForm(meta={"locales": [request.locale_name, "en"]})
                form.events.choices = event_choices(request)
        if new_secret is None:
            request.response.status_int = 400
    subscriptions = request.db.scalars(
        select(WebhookSubscription).order_by(WebhookSubscription.id)
    ).all()
    return {"form": form, "subscriptions": subscriptions, "new_secret": new_secret}


@view_config(
    route_name="api_webhook",
    renderer=TEMPLATES + "webhook.pt",
    permission=ApiPermission.WEBHOOKS,
)
def webhook_page(request: Any) -> dict[str, Any]:
    subscription = _subscription(request)
    deliveries = request.db.execute(
        select(WebhookDelivery, Job)
        .outerjoin(Job, Job.id == WebhookDelivery.job_id)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(SHOWN_DELIVERIES)
    ).all()
    return {"subscription": subscription, "deliveries": deliveries}


@view_config(
    route_name="api_webhook_resume", request_method="POST", permission=ApiPermission.WEBHOOKS
)
def resume_webhook(request: Any) -> Any:
    subscription = _subscription(request)
    subscription.paused_at = None
    request.session.flash(request.localizer.translate(_("Deliveries resumed.")))
    return HTTPSeeOther(request.route_url("api_webhook", id=subscription.id))


@view_config(
    route_name="api_webhook_delete", request_method="POST", permission=ApiPermission.WEBHOOKS
)
def delete_webhook(request: Any) -> Any:
    request.db.delete(_subscription(request))
    request.session.flash(request.localizer.translate(_("Webhook removed.")))
    return HTTPSeeOther(request.route_url("api_webhooks"))


def _subscription(request: Any) -> WebhookSubscription:
    subscription_id = row_id(request.matchdict["id"])
    found = None
    if subscription_id is not None:
        found = request.db.scalar(
            select(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
        )
    if found is None:
        raise HTTPNotFound()
    return found
