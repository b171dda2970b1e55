"""Demo data: a few dozen tasks across the stages for the demo customers, with activities."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.models import utcnow
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow import activities, tasks
from plugins.workflow.board import local_today, workflows
from plugins.workflow.models import ActivityType, Stage, StageKind, Task
from plugins.workflow.moves import rank_after

TOPICS = (
    "Kirjanpitopalvelu",
    "Palkanlaskenta",
    "Tilinpäätös",
    "Verkkosivu-uudistus",
    "Huoltosopimus",
    "Lisenssien uusinta",
    "Koulutuspäivä",
    "Konsultointi",
)
#: Subjects by activity type key; a type a tenant added gets the to-do ones.
SUBJECTS = {
    "call": ("Soita ja sovi tapaaminen", "Soita tarjouksen perään"),
    "meeting": ("Tarvekartoitus asiakkaan luona", "Sopimusneuvottelu"),
    "demo": ("Esittely asiakkaalla", "Etäesittely Teamsissa"),
    "email": ("Lähetä tarjous", "Lähetä referenssit"),
    "todo": ("Valmistele tarjous", "Päivitä hinnasto"),
}
LOST_REASONS = ("Hinta liian korkea", "Valitsi kilpailijan", "Ei budjettia tänä vuonna")


def fill_demo(db: Any, tenant: Any, users: list[Any], count: int = 36) -> None:
    """``count`` tasks spread over the default workflow's stages, each with 0–3 activities."""
    rng = random.Random(tenant.id * 7)
    found = workflows(db)
    customers = list(db.scalars(select(Customer).where(Customer.archived_at.is_(None)).limit(60)))
    if not found or not customers:
        return
    stages = list(
        db.scalars(
            select(Stage)
            .where(Stage.workflow_id == found[0].id, Stage.retired_at.is_(None))
            .order_by(Stage.position)
        )
    )
    # Calls, meetings, demos...: a comment is a note, not work someone is given.
    types = list(
        db.scalars(
            select(ActivityType).where(
                ActivityType.retired_at.is_(None), ActivityType.counts_in_statistics
            )
        )
    )
    today = local_today()
    for number in range(count):
        customer = rng.choice(customers)
        person = db.scalar(
            select(ContactPerson.id).where(ContactPerson.customer_id == customer.id).limit(1)
        )
        owner = rng.choice(users)
        task = tasks.create_task(
            db,
            found[0],
            {
                "title": f"{rng.choice(TOPICS)}: {customer.name}"[:200],
                "customer_id": customer.id,
                "contact_person_id": person,
                "responsible_user_id": owner.id,
                "priority": rng.choice(("low", "normal", "normal", "high")),
                "due_date": today + timedelta(days=rng.randint(-10, 30)),
                "expected_value": Decimal(rng.randrange(500, 60000, 250)),
            },
            owner,
        )
        _place(db, task, stages[number % len(stages)], rng)
        for _ in range(rng.randint(0, 3)):
            _activity(db, task, rng, types, users)
    db.flush()


def _place(db: Any, task: Task, stage: Stage, rng: random.Random) -> None:
    """Put a demo task straight into ``stage``, as if it had been moved there earlier."""
    task.stage_id = stage.id
    task.board_rank = rank_after(db, stage.id, None, task.id)
    if stage.kind != StageKind.OPEN:
        task.closed_at = utcnow() - timedelta(days=rng.randint(0, 20))
    if stage.kind == StageKind.LOST:
        task.lost_reason = rng.choice(LOST_REASONS)
    db.flush()


def _activity(
    db: Any, task: Task, rng: random.Random, types: list[ActivityType], users: list[Any]
) -> None:
    day = local_today() + timedelta(days=rng.randint(-5, 14))
    kind = rng.choice(types)
    activity = activities.add_activity(
        db,
        task,
        {
            "type_id": kind.id,
            "subject": rng.choice(SUBJECTS.get(kind.key, SUBJECTS["todo"])),
            "assignee_user_id": rng.choice(users).id,
            "due_at": activities.due_at(day, None),
            "outcome": "",
        },
        None,
    )
    if day < local_today() and rng.random() < 0.7:
        activities.complete(db, activity, "Hoidettu", None)
