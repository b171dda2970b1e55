"""The reports a request may reach: collected from the tenant's plugins, checked for the user."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound

from core import label_text
from plugins.reports.contract import Report, collect


def reports(request: Any) -> dict[str, Report]:
    """Every report of the tenant's enabled plugins, by key (collected once per request)."""
    cached = getattr(request, "_myynti_reports", None)
    if cached is None:
        cached = collect(request.plugins, request)
        request._myynti_reports = cached
    return cached


def visible_reports(request: Any) -> list[Report]:
    """The reports the user may see, by group and title."""
    locale = request.locale_name
    return sorted(
        (r for r in reports(request).values() if request.has_permission(r.permission)),
        key=lambda r: (label_text(r.group, locale), label_text(r.title, locale)),
    )


def report_for(request: Any, key: str) -> Report:
    """The report ``key``: 404 if no enabled plugin declares it, 403 if the user may not see it."""
    report = reports(request).get(key)
    if report is None:
        raise HTTPNotFound()
    if not request.has_permission(report.permission):
        raise HTTPForbidden()
    return report
