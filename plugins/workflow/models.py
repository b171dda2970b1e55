"""Workflows and their stages, tasks that move through them, and activities on tasks.

Every row carries ``tenant_id``, and references between these tables are
composite ``(tenant_id, id)`` foreign keys, so the database itself refuses a
task in another tenant's stage or an activity on another tenant's task.

Indexes follow the pages that read them: the board reads open tasks of one
stage (optionally one team or person) in board order; my work reads a user's
open tasks and activities by due time; the reports plugin counts done
activities per tenant, assignee, type and period.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, HasCustomValues, JSONDocument, TenantOwned, utcnow


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class TaskSource(StrEnum):
    MANUAL = "manual"
    CONTACT_REQUEST = "contact_request"
    CAMPAIGN = "campaign"
    API = "api"


def _tenant_fk(columns: list[str], table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", *columns], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete
    )


class Workflow(TenantOwned, Base):
    """A tenant's sales process: an ordered list of stages."""

    __tablename__ = "workflow"
    __table_args__ = (UniqueConstraint("tenant_id", "id", name="uq_workflow_tenant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Moved on by each save of its settings form: a form opened before is stale (409).
    version: Mapped[int] = mapped_column(Integer, default=1)

    stages: Mapped[list[Stage]] = relationship(order_by="Stage.position", viewonly=True)


class Stage(TenantOwned, Base):
    """A step of a workflow. Retired, never deleted, so old tasks keep their history."""

    __tablename__ = "workflow_stage"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_workflow_stage_tenant_id"),
        _tenant_fk(["workflow_id"], "workflow", "CASCADE"),
        Index("ix_workflow_stage_position", "tenant_id", "workflow_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(Integer)
    #: ``{"fi": "Tarjous", "sv": "Offert", "en": "Quote"}``.
    name: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    kind: Mapped[str] = mapped_column(String(8), default=StageKind.OPEN)
    #: Win probability in per cent, 0–100.
    probability: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    workflow: Mapped[Workflow] = relationship(viewonly=True)
    actions: Mapped[list[StageActionBinding]] = relationship(
        order_by="StageActionBinding.position", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN


class StageActionBinding(TenantOwned, Base):
    """An action (offered by some plugin's ``myynti_stage_actions``) attached to a stage."""

    __tablename__ = "workflow_stage_action"
    __table_args__ = (
        _tenant_fk(["stage_id"], "workflow_stage", "CASCADE"),
        Index("ix_workflow_stage_action_stage", "tenant_id", "stage_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage_id: Mapped[int] = mapped_column(Integer)
    action_key: Mapped[str] = mapped_column(String(80))
    options: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Task(HasCustomValues, TenantOwned, Base):
    """A sales case moving through a workflow's stages. ``version`` guards edits and moves.

    ``board_rank`` orders the cards of a column: a moved card takes a rank
    between its new neighbours, so a move writes one row.
    """

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_task_tenant_id"),
        _tenant_fk(["workflow_id"], "workflow"),
        _tenant_fk(["stage_id"], "workflow_stage"),
        Index("ix_task_board", "tenant_id", "stage_id", "board_rank"),
        # An open column's first cards in (rank, id) order, read from the index. Without
        # it, a tenant whose stage the statistics underestimate (a large tenant beside a
        # larger one) had its open tasks read through another index and sorted.
        Index(
            "ix_task_board_open",
            "tenant_id",
            "stage_id",
            "board_rank",
            "id",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        # The task list's first view, open tasks newest first, read in the index's order.
        # Ordered by the creation time alone, the tasks a campaign's batch created at one
        # instant were all read and sorted by id for a page of 50.
        Index(
            "ix_task_list_open",
            "tenant_id",
            "created_at",
            "id",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        Index("ix_task_team_board", "tenant_id", "team_id", "stage_id", "board_rank"),
        # The board's column totals: open (closed_at NULL) or recently closed tasks,
        # optionally of one team, counted and summed from the index alone.
        Index(
            "ix_task_board_totals",
            "tenant_id",
            "closed_at",
            "team_id",
            "stage_id",
            "expected_value",
        ),
        Index("ix_task_responsible", "tenant_id", "responsible_user_id", "closed_at", "due_date"),
        # My work: a user's open tasks in (due date, id) order, the first 100 read from the
        # index. Partial, since PostgreSQL does not take ``closed_at IS NULL`` in the middle
        # of an index as fixing that column for the order: it sorted every open task.
        Index(
            "ix_task_my_work",
            "tenant_id",
            "responsible_user_id",
            "due_date",
            "id",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        # A person's open pipeline on the tenant home, counted and summed from the index
        # alone: through ``ix_task_responsible`` it read every open task's row (20,000 of a
        # busy seller's at a million tasks, 150 ms).
        Index(
            "ix_task_open_pipeline",
            "tenant_id",
            "responsible_user_id",
            "stage_id",
            "due_date",
            "expected_value",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        Index("ix_task_customer", "tenant_id", "customer_id"),
        # Messaging routes a reply by its sender to the sender's open task, found through
        # the contact person; and a contact person's page lists their tasks.
        Index("ix_task_contact_person", "tenant_id", "contact_person_id"),
        Index("ix_task_contact_request", "tenant_id", "contact_request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(Integer)
    stage_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[int | None] = mapped_column(Integer)
    contact_person_id: Mapped[int | None] = mapped_column(Integer)
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.NORMAL)
    due_date: Mapped[date | None] = mapped_column(Date)
    expected_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    close_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16), default=TaskSource.MANUAL)
    lost_reason: Mapped[str | None] = mapped_column(String(300))
    #: Set when the task enters a won or lost stage, cleared if it is reopened.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the task entered the stage it is in (a move sets it): the pipeline's ageing.
    stage_entered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    contact_request_id: Mapped[int | None] = mapped_column(Integer)
    board_rank: Mapped[float] = mapped_column(default=0.0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    stage: Mapped[Stage] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration


class ActivityType(TenantOwned, Base):
    """A kind of activity (call, meeting, demo...), defined per tenant by its admin."""

    __tablename__ = "activity_type"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_activity_type_tenant_id"),
        UniqueConstraint("tenant_id", "key", name="uq_activity_type_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    counts_in_statistics: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Moved on by each save of its settings form: a form opened before is stale (409).
    version: Mapped[int] = mapped_column(Integer, default=1)


class Activity(TenantOwned, Base):
    """A call, meeting or e-mail on a task, or on a customer (and contact person) without one.

    Assigned to any member; never moves the task. An activity without a task
    names its customer (``customer_id``), so it has a timeline to be told on.
    Open means neither done (``done_at``) nor closed undone (``cancelled_at``,
    set when its task was won or lost and the user chose to close it).
    """

    __tablename__ = "activity"
    __table_args__ = (
        _tenant_fk(["task_id"], "task", "CASCADE"),
        _tenant_fk(["type_id"], "activity_type"),
        CheckConstraint(
            "task_id IS NOT NULL OR customer_id IS NOT NULL", name="activity_has_record"
        ),
        Index("ix_activity_task", "tenant_id", "task_id", "due_at"),
        Index("ix_activity_customer", "tenant_id", "customer_id", "due_at"),
        Index("ix_activity_assignee_open", "tenant_id", "assignee_user_id", "done_at", "due_at"),
        # My work's open activities in (due, id) order; partial for the reason on the task's.
        Index(
            "ix_activity_my_work",
            "tenant_id",
            "assignee_user_id",
            "due_at",
            "id",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
        Index("ix_activity_statistics", "tenant_id", "assignee_user_id", "type_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int | None] = mapped_column(Integer)
    #: The customer of an activity logged without a task (a task's is the task's customer).
    customer_id: Mapped[int | None] = mapped_column(Integer)
    contact_person_id: Mapped[int | None] = mapped_column(Integer)
    type_id: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200), default="")
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    type: Mapped[ActivityType] = relationship(viewonly=True)
    task: Mapped[Task | None] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None


class OpenTaskCount(TenantOwned, Base):
    """Open tasks counted and summed by person, stage, team and due date (``open_counts``).

    The tenant home's pipeline and the board's open columns read these few rows
    instead of the tasks. ``user_id`` and ``team_id`` are 0 for none and
    ``due_date`` is ``open_counts.NO_DATE`` for no due date, so the unique key
    the upserts rely on has no NULLs.
    """

    __tablename__ = "workflow_open_count"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "user_id", "stage_id", "team_id", "due_date", name="uq_workflow_open_count"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    stage_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0)
