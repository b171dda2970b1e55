"""Looking up the entities plugins declare, and their records, for a request."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from sqlalchemy import select

from core.contract import EntityType


def entity_types(request: Any) -> dict[str, EntityType]:
    """The entities of the tenant's enabled plugins, by name."""
    return {e.name: e for e in request.plugins.collect("myynti_entities")}


def entity_of(request: Any, record: Any) -> EntityType | None:
    """The declared entity whose model ``record`` is an instance of."""
    for entity in entity_types(request).values():
        if isinstance(record, entity.model):
            return entity
    return None


def find_record(request: Any, entity_name: str, record_id: int) -> tuple[EntityType, Any]:
    """The entity and the record a URL names: 404 when either is unknown to this tenant.

    The query goes through the tenant filter, so another tenant's id is not
    found; a user without the entity's permission gets 403.
    """
    entity = entity_types(request).get(entity_name)
    if entity is None:
        raise HTTPNotFound()
    if entity.permission and not request.has_permission(entity.permission):
        raise HTTPForbidden()
    record = request.db.scalar(select(entity.model).where(entity.model.id == record_id))
    if record is None:
        raise HTTPNotFound()
    return entity, record
