"""The reports plugin's routes (``includeme``) and its views."""

from __future__ import annotations

from typing import Any

KEY = r"{key:[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*}"


def includeme(config: Any) -> None:
    config.add_tenant_route("reports", "/reports")
    config.add_tenant_route("reports_drill", "/reports/drill")
    config.add_tenant_route("report_schedules", "/reports/schedules")
    config.add_tenant_route("report_schedule_edit", r"/reports/schedules/{id:\d+}/edit")
    config.add_tenant_route("report_schedule_delete", r"/reports/schedules/{id:\d+}/delete")
    config.add_tenant_route("report", f"/reports/{KEY}")
    config.add_tenant_route("report_schedule", f"/reports/{KEY}/schedule")
    config.add_tenant_route("report_export", f"/reports/{KEY}/export.{{format:csv|xlsx}}")
    config.scan("plugins.reports.views")
