"""Rows written with bulk SQL: telling the plugins that keep data derived from them.

The ORM's events (``after_insert``, a session's ``after_flush``) are how
plugins keep summaries, webhooks and the like in step with the records they
watch. A multi-row Core ``INSERT`` never raises them, so a plugin writing
records that way calls ``records_created_in_bulk`` after each batch, in the
same transaction, and the plugins that derive data from them catch up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, Integer, and_, any_, cast, literal

from core.jobs.outbox import queue_of

#: The ``entity`` that names core's history events (``core.models.Event``).
EVENT = "event"


def records_created_in_bulk(db: Any, tenant_id: int, entity: str, ids: Sequence[int]) -> None:
    """Call ``myynti_records_created_in_bulk`` of every installed plugin for these rows.

    Every installed plugin, not only those ``tenant_id`` has enabled: the ORM
    listeners this stands in for run whatever the tenant has enabled (a
    summary kept only while a plugin is enabled would be wrong once it is
    enabled again), so an implementation checks the tenant itself where that
    matters. ``db`` must work as ``tenant_id``.
    """
    if ids:
        queue_of(db).registry.pm.hook.myynti_records_created_in_bulk(
            db=db, tenant_id=tenant_id, entity=entity, ids=list(ids)
        )


def id_in(connection: Any, column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids`` for an indexed integer column, planned well with stale statistics.

    The range of the ids comes first: during a bulk write the statistics still
    say the table is as small as before it, and PostgreSQL then read every row
    of the tenant (``ix_…_tenant_id``) to pick the thousand of a batch; a range
    of the key is one it reads by the key's index whatever it believes. On
    PostgreSQL the ids are one array parameter (``= ANY``), not one parameter
    each, which took longer to parse and plan than the rows took to write.
    """
    ids = list(ids)
    within = column.between(min(ids), max(ids))
    if connection.dialect.name == "postgresql":
        return and_(within, column == any_(cast(literal(ids, ARRAY(Integer)), ARRAY(Integer))))
    return and_(within, column.in_(ids))
