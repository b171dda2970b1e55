"""The reports plugin's summary tables, and the indexes it reads workflow's tables by.

Summaries (each kept exact by ORM listeners on every write of a task or
activity, and summed afresh by its module's ``rebuild`` after bulk SQL):
``SalesDay`` (``summary.py``), ``PipelineCell`` and ``PipelineAge``
(``pipeline_summary.py``), ``ActivityDay`` (``activity_summary.py``).

The indexes are declared here (and created by this plugin's migration) so an
installation without reports does not maintain them. Each leads with ``tenant_id`` and then the
moment a report's period ranges over, with the grouped columns after it, so
PostgreSQL can answer from the index alone:

- ``ix_task_reports_closed``: tasks closed in a period with what the sales
  report sums and groups by (stage, person, value, creation for days to win).
- ``ix_task_reports_created``: tasks created in a period (the tasks report).
- ``ix_activity_reports_period``: activities done in a period, and (``done_at``
  NULL, then ``due_at``) those due in a period and not done: activity statistics'
  drill-down, and today's overdue ones (``ActivityDay`` holds the day, not the moment).

- ``ix_task_reports_open``: open tasks only (partial), with what the pipeline
  sums and groups by, its time in stage (``stage_entered_at``) included. The
  pipeline reads its summaries now; this serves its drill-down.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
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


class PipelineCell(TenantOwned, Base):
    """Open tasks summed by stage, person, team and expected close month: the pipeline now.

    The pipeline is a snapshot, so a row holds what is open at this moment: a
    task is in exactly one row while ``closed_at`` is NULL and in none once it
    closes. Every write of a task (a move, a new value, person, team or close
    date, closing, reopening, deleting) takes its old share away and adds its
    new one (``pipeline_summary.py``), so the rows follow the tasks as they move
    with no rebuild and nothing that goes stale with time. What does change
    with time, the age, is not stored: ``entered`` is the sum of the
    ``date.toordinal()`` of the local days the tasks entered their stage, and
    the average days in stage is read as today's ordinal minus
    ``entered / tasks``. Weighting by the stage's probability, and whether the
    stage is open, are read from the stage when the report runs.

    ``user_id`` and ``team_id`` are 0 for none and ``close_month`` is
    ``NO_DATE`` for a task without an expected close date, so the unique key
    the upsert relies on has no NULLs.
    """

    __tablename__ = "report_pipeline"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "stage_id", "user_id", "team_id", "close_month", name="uq_report_pipeline"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int] = mapped_column(Integer)
    #: The first day of the month of the expected close date.
    close_month: Mapped[date] = mapped_column(Date)
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
    entered: Mapped[int] = mapped_column(BigInteger, default=0)


class PipelineAge(TenantOwned, Base):
    """Open tasks summed by the local day they entered their stage, stage, person and team.

    The pipeline's ageing: the groups (0–30 days in stage, 31–90...) are
    ranges of ``entered_day`` counted back from today when the report runs, so
    a row never needs to move as days pass. Kept like ``PipelineCell``, by the
    same listeners; ``entered`` as there.
    """

    __tablename__ = "report_pipeline_age"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "entered_day",
            "stage_id",
            "user_id",
            "team_id",
            name="uq_report_pipeline_age",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entered_day: Mapped[date] = mapped_column(Date)
    stage_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int] = mapped_column(Integer)
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
    entered: Mapped[int] = mapped_column(BigInteger, default=0)


class ActivityDay(TenantOwned, Base):
    """Activities counted by local day, assignee, type and whether they are done.

    A done activity counts on the local day of ``done_at`` (``done`` true); an
    open one (neither done nor cancelled) with a due moment on the local day of
    ``due_at`` (``done`` false); a cancelled or undated open one nowhere.
    Activity statistics read done counts and, for the days before today, the
    overdue counts from here; today's overdue ones (due before this moment)
    are counted from the activities themselves. ``activity_summary.py`` keeps
    the rows exact on every activity write; whether a type counts in the
    statistics is read from the type when the report runs. ``user_id`` is 0
    for an activity with no assignee.
    """

    __tablename__ = "report_activity_day"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "day", "user_id", "type_id", "done", name="uq_report_activity_day"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(Integer)
    type_id: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean)
    activities: Mapped[int] = mapped_column(Integer, default=0)


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
