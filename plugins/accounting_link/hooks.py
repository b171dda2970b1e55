"""The accounting_link plugin's hook implementations: what it tells core and other plugins."""

from __future__ import annotations

from typing import Any

from core import (
    EntityType,
    EventKind,
    JobType,
    Link,
    Panel,
    PeriodicJob,
    Permission,
    StageAction,
    hookimpl,
)
from plugins.accounting_link import (
    _,
    customer_einvoice,
    events,
    hookspecs,
    report_definitions,
    stage_actions,
    sync,
)
from plugins.accounting_link.backends import LOCAL_LEDGER, AccountingBackend
from plugins.accounting_link.models import SalesDocument
from plugins.accounting_link.netvisor_backend import NETVISOR
from plugins.accounting_link.panel import task_panels
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.setup import set_up_tenant


@hookimpl
def myynti_addhooks(pluginmanager: Any) -> None:
    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def myynti_accounting_backends() -> list[AccountingBackend]:
    return [LOCAL_LEDGER, NETVISOR]


@hookimpl(optionalhook=True)
def myynti_reports(request: Any) -> list[dict[str, Any]]:
    return report_definitions.report_definitions(request)


@hookimpl
def myynti_jobs() -> list[JobType]:
    return [JobType(sync.PUSH, sync.push_job), JobType(sync.SYNC, sync.sync_job)]


@hookimpl
def myynti_periodic_jobs() -> list[PeriodicJob]:
    return [PeriodicJob(sync.SYNC_ALL, sync.SYNC_INTERVAL, sync.sync_all)]


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.accounting_link.routes")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return AccountingPermission.declarations()


@hookimpl
def myynti_entities() -> list[EntityType]:
    return [
        EntityType(
            name="sales_document",
            model=SalesDocument,
            label=_("Sales document"),
            plural=_("Sales documents"),
            title_attr="number",
            list_columns=("kind", "number", "state", "gross_total"),
            route_name="sales_document",
            permission=AccountingPermission.DOCUMENT_VIEW,
            custom_fields=False,
        )
    ]


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return events.event_kinds()


@hookimpl
def myynti_stage_actions() -> list[StageAction]:
    return stage_actions.stage_actions()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    links = []
    if slot == "admin" and request.has_permission(AccountingPermission.PRODUCT_MANAGE):
        links.append(
            Link(
                _("Products"),
                request.route_url("sales_products"),
                60,
            )
        )
    if slot == "admin" and request.has_permission(AccountingPermission.SETTINGS_MANAGE):
        links.append(
            Link(
                _("Invoicing and accounting"),
                request.route_url("accounting_settings"),
                61,
            )
        )
    return links


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    return task_panels(request, slot, context) + customer_einvoice.customer_panels(
        request, slot, context
    )


@hookimpl
def myynti_form_fields(request: Any, entity: str) -> list[tuple[str, Any, Any, Any]]:
    return customer_einvoice.form_fields(request, entity)


@hookimpl
def myynti_form_saved(request: Any, entity: str, record: Any, form: Any) -> None:
    customer_einvoice.save(request, entity, record, form)


@hookimpl
def myynti_tenant_setup(db: Any, tenant: Any) -> None:
    set_up_tenant(db, tenant)
