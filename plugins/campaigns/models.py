"""A campaign, its target group and the targets snapshotted when it is launched.

A campaign keeps its target group as filters (``Campaign.filters``, the
parameters of ``targets.TargetGroup``); launching it copies the customers the
filters match into ``campaign_target`` rows, so later changes to customers do
not change who is in it, and cuts them into ``campaign_batch`` runs. Each
target then gets its task from its batch; the unique (tenant, campaign,
customer) key and the batch's ``done_at`` make a snapshot or a batch that runs
twice create nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, JSONDocument, TenantOwned, utcnow


class CampaignState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    CLOSED = "closed"


class Assignment(StrEnum):
    RESPONSIBLE = "responsible"
    ROUND_ROBIN = "round_robin"
    LEAST_BUSY = "least_busy"
    USER = "user"


class MessageState(StrEnum):
    SENT = "sent"
    REFUSED = "refused"


def _tenant_fk(columns: list[str], table: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", *columns], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete
    )


class Campaign(TenantOwned, Base):
    """What a campaign does and how far its launch has got.

    The counters are written by the launch's batches, so the progress page
    reads one row instead of counting the targets.
    """

    __tablename__ = "campaign"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id", name="uq_campaign_tenant_id"),
        _tenant_fk(["workflow_id"], "workflow"),
        _tenant_fk(["stage_id"], "workflow_stage"),
        Index("ix_campaign_state", "tenant_id", "state", "starts_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(Integer)
    workflow_id: Mapped[int] = mapped_column(Integer)
    stage_id: Mapped[int] = mapped_column(Integer)
    #: The new tasks' title and description, with ``{customer}``, ``{contact}``, ``{campaign}``.
    task_title: Mapped[str] = mapped_column(String(200))
    task_description: Mapped[str] = mapped_column(Text, default="")
    #: A new task is due this many days after it is created; None for no due date.
    due_days: Mapped[int | None] = mapped_column(Integer)
    assignment: Mapped[str] = mapped_column(String(16), default=Assignment.RESPONSIBLE)
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The target group's filters: ``{parameter: value}``, see ``targets.TargetGroup``.
    filters: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    #: The first step's message template (a key of ``myynti_message_templates``), or None.
    message_template: Mapped[str | None] = mapped_column(String(120))
    #: The address of the campaign's landing page: web-form requests sent from it count in it.
    landing_page: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(16), default=CampaignState.DRAFT)
    targets_total: Mapped[int] = mapped_column(Integer, default=0)
    targets_done: Mapped[int] = mapped_column(Integer, default=0)
    #: Customers the filters matched who were already in the campaign when targets were added.
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    messages_sent: Mapped[int] = mapped_column(Integer, default=0)
    messages_refused: Mapped[int] = mapped_column(Integer, default=0)
    launched_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    launched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration

    @property
    def is_open(self) -> bool:
        return self.state != CampaignState.CLOSED


class CampaignTarget(TenantOwned, Base):
    """A customer in a campaign (with the contact person the group chose) and its task.

    ``campaign_id`` and ``customer_id`` have no foreign keys: each key's check
    locks the row it points to (``FOR KEY SHARE``) for every target inserted.
    The campaign's row is one the launch has just updated in the same
    transaction, and locking it 100,000 times so made the snapshot take
    minutes; the customers' key would write to 100,000 customer rows.
    Campaigns and customers are closed or archived, never deleted, and the
    snapshot reads them through the tenant's filter and row-level security.
    """

    __tablename__ = "campaign_target"
    __table_args__ = (
        UniqueConstraint("tenant_id", "campaign_id", "customer_id", name="uq_campaign_target"),
        # The batches read the next pending targets of a campaign in id order, from
        # the last one the previous batch took. Not by ``state``: marking a target
        # done then changes no indexed column, and PostgreSQL updates the row in
        # place of its page (the table keeps room: fillfactor 50, migration 0002).
        Index("ix_campaign_target_order", "tenant_id", "campaign_id", "id"),
        Index("ix_campaign_target_customer", "tenant_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)
    contact_person_id: Mapped[int | None] = mapped_column(Integer)
    #: The target's task: its id is drawn from the task table's sequence with the
    #: snapshot on PostgreSQL (the batch then inserts the task under that id and writes
    #: nothing back to the target), set by the batch elsewhere. The task exists once
    #: the target's batch is done.
    task_id: Mapped[int | None] = mapped_column(Integer)
    message_state: Mapped[str | None] = mapped_column(String(8))
    #: Why the first-step message did not go, as the messaging plugin said it.
    message_note: Mapped[str | None] = mapped_column(String(300))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignBatch(TenantOwned, Base):
    """A run of a campaign's targets (by id) whose tasks one launch job makes in one go.

    Cut when the targets are snapshotted, so that several worker threads can
    make a launch's tasks at once, each taking the next batch not done (rows
    locked with ``SKIP LOCKED``), and a batch run twice makes nothing twice:
    ``done_at`` is set in the transaction that makes its tasks.
    """

    __tablename__ = "campaign_batch"
    __table_args__ = (
        Index("ix_campaign_batch_order", "tenant_id", "campaign_id", "first_target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    #: The batch's targets: the campaign's with an id from the first to the last.
    first_target_id: Mapped[int] = mapped_column(Integer)
    last_target_id: Mapped[int] = mapped_column(Integer)
    #: How many of the campaign's targets come before the batch's first: its place in
    #: the round-robin turns and on the board.
    position: Mapped[int] = mapped_column(Integer)
    #: The board rank of the batch's first task; the others follow by one. The whole
    #: snapshot's tasks go first in the stage's column, in the targets' order, with ranks
    #: of their own (batches made at once must not hand out the same ranks).
    rank_base: Mapped[float] = mapped_column(Float)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
