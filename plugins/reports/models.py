"""Indexes the reports read workflow's tables by; the reports plugin has no tables of its own.

Declared here (and created by this plugin's migration) so a tenant without
reports does not maintain them. Each leads with ``tenant_id`` and then the
moment a report's period ranges over, with the grouped columns after it, so
PostgreSQL can answer from the index alone:

- ``ix_task_reports_closed``: tasks closed in a period with what the sales
  report sums and groups by (stage, person, value, creation for days to win).
- ``ix_task_reports_created``: tasks created in a period (the tasks report).
- ``ix_activity_reports_period``: activities done in a period, and (``done_at``
  NULL, then ``due_at``) those due in a period and not done: activity statistics.

The pipeline reads open tasks through workflow's ``ix_task_board_totals``
(``tenant_id, closed_at`` NULL, ...).
"""

from __future__ import annotations

from sqlalchemy import Index

from plugins.workflow.models import Activity, Task

INDEXES = (
    Index(
        "ix_task_reports_closed",
        Task.tenant_id,
        Task.closed_at,
        Task.stage_id,
        Task.responsible_user_id,
        Task.expected_value,
        Task.created_at,
    ),
    Index("ix_task_reports_created", Task.tenant_id, Task.created_at, Task.responsible_user_id),
    Index(
        "ix_activity_reports_period",
        Activity.tenant_id,
        Activity.done_at,
        Activity.due_at,
        Activity.assignee_user_id,
        Activity.type_id,
    ),
)
