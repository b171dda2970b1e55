"""The stage action: a task entering a stage sends a template to its contact, through workflow."""

from __future__ import annotations

import email
from email import policy

from sqlalchemy import select

from core.db import all_tenants
from core.models import Event
from core.testing import run_jobs
from plugins.messaging.outbox import SEND_JOB
from plugins.messaging.stage_action import KEY
from plugins.workflow.models import Stage
from plugins.workflow.moves import RUN_STAGE_ACTIONS
from plugins.workflow.stage_actions import ACTION_DONE, ACTION_FAILED
from tests.messaging.test_templates import add_template
from tests.workflow_plugins.fixtures import bind_action


def second_stage(jobdb, acme):
    """The stage after the task's first one."""
    with all_tenants(jobdb):
        return jobdb.scalars(
            select(Stage).where(Stage.workflow_id == acme.task.workflow_id).order_by(Stage.position)
        ).all()[1]


def move(webapp, acme, stage):
    page = webapp.get(f"/t/acme/tasks/{acme.task.id}")
    form = page.forms["move-form"]
    form["stage_id"] = str(stage.id)
    return form.submit()


def outcomes(jobdb, task):
    with all_tenants(jobdb):
        return [
            (e.kind, e.payload.get("reason"))
            for e in jobdb.scalars(
                select(Event)
                .where(Event.entity == "task", Event.record_id == task.id)
                .where(Event.kind.in_((ACTION_DONE, ACTION_FAILED)))
            )
        ]


def test_entering_a_stage_sends_the_template_to_the_task_s_contact(
    webapp, acme, login, jobdb, db, smtp
):
    add_template(db, acme, subject="Tarjous: {{ task.title }}", body="Hei {{ contact.first_name }}")
    stage = second_stage(jobdb, acme)
    bind_action(db, stage, KEY, template="tarjous")
    login(webapp, "maija@acme.example")
    move(webapp, acme, stage)
    run_jobs(jobdb, acme.tenant, RUN_STAGE_ACTIONS)
    assert outcomes(jobdb, acme.task) == [(ACTION_DONE, None)]
    run_jobs(jobdb, acme.tenant, SEND_JOB)
    [got] = smtp.handler.received
    mail = email.message_from_bytes(got.data, policy=policy.default)
    assert got.rcpt_tos == ["ville@virtanen.example"]
    assert mail["Subject"] == "Tarjous: Uusi katto"
    assert mail["Auto-Submitted"] == "auto-generated"


def test_without_a_template_the_action_fails_with_a_reason_on_the_task(
    webapp, acme, login, jobdb, db, smtp
):
    add_template(db, acme, key="a")
    add_template(db, acme, key="b")
    stage = second_stage(jobdb, acme)
    bind_action(db, stage, KEY)
    login(webapp, "maija@acme.example")
    move(webapp, acme, stage)
    run_jobs(jobdb, acme.tenant, RUN_STAGE_ACTIONS)
    [(kind, reason)] = outcomes(jobdb, acme.task)
    assert kind == ACTION_FAILED
    assert "Choose the template" in reason
    assert smtp.handler.received == []
