"""The campaigns plugin's routes (``includeme``)."""

from __future__ import annotations

from typing import Any


def includeme(config: Any) -> None:
    config.add_static_view("static/campaigns", "plugins.campaigns:static", cache_max_age=3600)
    config.add_tenant_route("campaigns", "/campaigns")
    config.add_tenant_route("campaign_new", "/campaigns/new")
    config.add_tenant_route("campaign", "/campaigns/{id:\\d+}")
    config.add_tenant_route("campaign_edit", "/campaigns/{id:\\d+}/edit")
    config.add_tenant_route("campaign_targets", "/campaigns/{id:\\d+}/targets")
    config.add_tenant_route("campaign_progress", "/campaigns/{id:\\d+}/progress")
    for action in ("launch", "pause", "resume", "close", "add_targets"):
        config.add_tenant_route(
            f"campaign_{action}", f"/campaigns/{{id:\\d+}}/{action.replace('_', '-')}"
        )
    config.scan("plugins.campaigns.views")
