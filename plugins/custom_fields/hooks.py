"""The custom_fields plugin's hook implementations: it extends other plugins' entities.

Every hook answers only for entities that accept custom fields
(``EntityType.custom_fields``) in a tenant that has enabled this plugin; when
the tenant disables it, none of this runs and the stored values simply wait.
"""

from __future__ import annotations

from typing import Any

from core import Link, Panel, Permission, hookimpl
from core.entities import entity_of
from core.record_forms import CsvColumn, ListColumn, ListFilter

# Imported for its flush listener, which keeps custom_value_index in step in every process.
from plugins.custom_fields import (
    _,
    api_values,
    listing,
    record_fields,
    value_index,  # noqa: F401
)
from plugins.custom_fields.demo import fill_demo
from plugins.custom_fields.panel import record_panel
from plugins.custom_fields.permissions import CustomFieldsPermission


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.custom_fields.routes")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return CustomFieldsPermission.declarations()


@hookimpl
def myynti_demo_data(db: Any, tenant: Any) -> None:
    fill_demo(db, tenant)


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    if slot == "admin" and request.has_permission(CustomFieldsPermission.MANAGE):
        return [
            Link(
                _("Custom fields"),
                request.route_url("custom_fields"),
                60,
            )
        ]
    return []


@hookimpl
def myynti_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "record_sidebar" or context is None:
        return []
    entity = entity_of(request, context)
    if entity is None or not entity.custom_fields:
        return []
    return record_panel(request, entity.name, context)


@hookimpl
def myynti_form_fields(request: Any, entity: str) -> list[tuple[str, str, Any, Any]]:
    return record_fields.form_fields(request, entity)


@hookimpl
def myynti_form_saved(request: Any, entity: str, record: Any, form: Any) -> None:
    record_fields.save(request, entity, record, form)


@hookimpl
def myynti_list_columns(request: Any, entity: str) -> list[ListColumn]:
    return listing.list_columns(request, entity)


@hookimpl
def myynti_list_filters(request: Any, entity: str, params: Any) -> list[ListFilter]:
    return listing.list_filters(request, entity, params)


@hookimpl
def myynti_csv_columns(request: Any, entity: str) -> list[CsvColumn]:
    return listing.csv_columns(request, entity)


@hookimpl
def myynti_api_values(request: Any, entity: Any) -> list[Any]:
    return api_values.api_values(request, entity)
