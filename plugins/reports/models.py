"""The reports plugin's summary table, and the indexes it reads workflow's tables by.

The indexes are declared here (and created by this plugin's migration) so an
installation without reports does not maintain them. Each leads with ``tenant_id`` and then the
moment a report's period ranges over, with the grouped columns after it, so
PostgreSQL can answer from the index alone:

- ``ix_task_reports_closed``: tasks closed in a period with what the sales
  report sums and groups by (stage, person, value, creation for days to win).
- ``ix_task_reports_created``: tasks created in a period (the tasks report).
- ``ix_activity_reports_period``: activities done in a period, and (``done_at``
  NULL, then ``due_at``) those due in a period and not done: activity statistics.

- ``ix_task_reports_open``: open tasks only (partial), with what the pipeline
  sums and groups by, its time in stage (``stage_entered_at``) included.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, JSONDocument, TenantOwned
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
        "ix_task_reports_open",
        Task.tenant_id,
        Task.stage_id,
        Task.responsible_user_id,
        Task.team_id,
        Task.expected_value,
        Task.stage_entered_at,
        Task.close_date,
        postgresql_where=Task.closed_at.is_(None),
        sqlite_where=Task.closed_at.is_(None),
    ),
    Index(
        "ix_activity_reports_period",
        Activity.tenant_id,
        Activity.done_at,
        Activity.due_at,
        Activity.assignee_user_id,
        Activity.type_id,
    ),
)


class SalesDay(TenantOwned, Base):
    """Closed tasks summed by the local day they closed, their stage, person and team.

    The sales report reads this instead of every closed task when it groups by
    period, person or team: a year is a few thousand rows however many tasks
    closed in it. ``summary.py`` keeps it exact as tasks are written through
    the ORM (closed, reopened, edited, deleted); a bulk ``UPDATE`` of tasks
    bypasses it and must be followed by ``summary.rebuild``. ``user_id`` and
    ``team_id`` are 0 for a task without a person or team, so the unique key
    that the upsert relies on has no NULLs.
    """

    __tablename__ = "report_sales_day"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "day", "stage_id", "user_id", "team_id", name="uq_report_sales_day"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    stage_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int] = mapped_column(Integer)
    #: How many tasks, the sum of their expected values, the sum of their days from creation.
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
    days: Mapped[float] = mapped_column(Float, default=0.0)


class ReportSchedule(TenantOwned, Base):
    """A report, with the filters and period of its URL, e-mailed weekly or monthly to users.

    Each recipient gets the report as they would see it on its page: the job
    runs it with that recipient's permissions (``audience.audience_for``).
    ``last_error`` is why the last due run sent nothing (messaging not enabled,
    no mail server), shown on the list; it is empty after a run that sent.
    """

    __tablename__ = "report_schedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_key: Mapped[str] = mapped_column(String(100))
    #: The report page's query string (``period=month&user=3``...), as the URL had it.
    query: Mapped[str] = mapped_column(String(2000), default="")
    #: ``"weekly"`` or ``"monthly"`` (``schedules.FREQUENCIES``).
    frequency: Mapped[str] = mapped_column(String(8))
    #: User ids of members of the tenant.
    recipient_ids: Mapped[list[int]] = mapped_column(JSONDocument, default=list)
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(String(500), default="")
    #: Moved on by each save of the edit form; a form opened at an older version is stale.
    version: Mapped[int] = mapped_column(Integer, default=1)
