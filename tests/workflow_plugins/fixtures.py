"""Fixtures for the board, moves and stage actions: a workflow of known stages, and tasks.

The workflow is made here rather than taken from the plugin's default set-up,
so the tests know its stages whatever the default process becomes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import webtest

from core.app import make_config
from core.db import all_tenants
from core.licensing import enable_plugin
from core.models import Tenant, utcnow
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.testing import app_in_transaction
from plugins.contacts import plugin as contacts_plugin
from plugins.workflow import plugin as workflow_plugin
from plugins.workflow.models import Stage, StageActionBinding, StageKind, Task, Workflow
from tests.workflow_plugins.stagehand import plugin as stagehand_plugin

STAGES = (
    ("new", {"fi": "Uusi", "en": "New"}, StageKind.OPEN),
    ("quote", {"fi": "Tarjous", "en": "Quote"}, StageKind.OPEN),
    ("won", {"fi": "Voitettu", "en": "Won"}, StageKind.WON),
    ("lost", {"fi": "Hävitty", "en": "Lost"}, StageKind.LOST),
    ("old", {"fi": "Vanha", "en": "Old"}, StageKind.OPEN),
)


@dataclass
class BoardWorkflow:
    tenant: Tenant
    workflow: Workflow
    stages: dict[str, Stage]
    other_workflow: Workflow
    other_stage: Stage
    tasks: list[Task] = field(default_factory=list)

    @property
    def board_url(self) -> str:
        return f"/t/{self.tenant.slug}/board?workflow={self.workflow.id}"


def add_workflow(db: Any, tenant: Tenant, name: str = "Myynti", position: int = 0) -> Workflow:
    with all_tenants(db):
        workflow = Workflow(tenant_id=tenant.id, name={"fi": name, "en": name}, position=position)
        db.add(workflow)
        db.flush()
    return workflow


def add_stages(db: Any, workflow: Workflow) -> dict[str, Stage]:
    stages = {}
    with all_tenants(db):
        for position, (key, name, kind) in enumerate(STAGES):
            stage = Stage(
                tenant_id=workflow.tenant_id,
                workflow_id=workflow.id,
                name=name,
                kind=kind,
                position=position,
                retired_at=utcnow() if key == "old" else None,
            )
            db.add(stage)
            stages[key] = stage
        db.flush()
    return stages


def add_task(db: Any, stage: Stage, title: str, rank: float = 0.0, **values: Any) -> Task:
    with all_tenants(db):
        task = Task(
            tenant_id=stage.tenant_id,
            workflow_id=stage.workflow_id,
            stage_id=stage.id,
            title=title,
            board_rank=rank,
            closed_at=utcnow() if stage.is_closed else None,
            **values,
        )
        db.add(task)
        db.flush()
    return task


def bind_action(db: Any, stage: Stage, key: str, position: int = 0, **options: Any) -> None:
    with all_tenants(db):
        db.add(
            StageActionBinding(
                tenant_id=stage.tenant_id,
                stage_id=stage.id,
                action_key=key,
                options=options,
                position=position,
            )
        )
        db.flush()


def make_board(db: Any, tenant: Tenant) -> BoardWorkflow:
    """Workflow "Myynti" (new, quote, won, lost, a retired "old") and "Muu" with one stage."""
    workflow = add_workflow(db, tenant, "Myynti", position=-10)
    stages = add_stages(db, workflow)
    other = add_workflow(db, tenant, "Muu", position=-5)
    with all_tenants(db):
        other_stage = Stage(
            tenant_id=tenant.id, workflow_id=other.id, name={"fi": "Muu", "en": "Other"}
        )
        db.add(other_stage)
        db.flush()
    return BoardWorkflow(tenant, workflow, stages, other, other_stage)


@pytest.fixture
def board_setup(db, make_tenant, make_user, webapp, login) -> BoardWorkflow:
    """Tenant acme with the workflow plugin; Maija (member) signed in; three tasks in "new"."""
    tenant = make_tenant("acme", "Acme Oy", plugins=("workflow",))
    make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä")
    board = make_board(db, tenant)
    new = board.stages["new"]
    board.tasks = [
        add_task(db, new, "Ensimmäinen", 1.0, expected_value=Decimal("1200.50")),
        add_task(db, new, "Toinen", 2.0, expected_value=Decimal("300")),
        add_task(db, new, "Kolmas", 3.0),
    ]
    login(webapp, "maija@acme.example")
    return board


# --- an app with the stagehand plugin, for stage actions ----------------------------


@pytest.fixture(scope="module")
def stagehand_registry() -> PluginRegistry:
    return PluginRegistry([CORE_PLUGIN, contacts_plugin, workflow_plugin, stagehand_plugin])


@pytest.fixture(scope="module")
def stagehand_wsgi(app_settings, stagehand_registry, db_engine) -> Any:
    return make_config(app_settings, registry=stagehand_registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def stagehand_app(stagehand_wsgi, db_connection) -> Iterator[webtest.TestApp]:
    with app_in_transaction(stagehand_wsgi, db_connection) as app:
        yield app


@pytest.fixture
def stagehand_setup(db, make_tenant, make_user, stagehand_app, stagehand_registry, login) -> Any:
    """Tenant acme with workflow and stagehand; Maija signed in to ``stagehand_app``."""
    tenant = make_tenant("acme", "Acme Oy")
    for name in ("contacts", "workflow", "stagehand"):
        enable_plugin(db, stagehand_registry, tenant, name)
    db.flush()
    make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä")
    board = make_board(db, tenant)
    board.tasks = [add_task(db, board.stages["new"], "Tarjouspyyntö", 1.0)]
    login(stagehand_app, "maija@acme.example")
    return board
