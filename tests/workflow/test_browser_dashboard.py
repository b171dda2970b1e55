"""The dashboard's sales panels in a real browser: the charts draw the numbers shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.db import all_tenants
from core.models import Membership, utcnow
from plugins.workflow.board import local_today
from plugins.workflow.models import Activity, ActivityType
from plugins.workflow.sales_figures import local_midnight
from tests.browser import committed_member, keep_screenshots, needs_chromium, signed_in_page
from tests.workflow_plugins.fixtures import add_task, make_board

pytestmark = needs_chromium


def _fill(db: Any, tenants: list[Any]) -> None:
    """The admin's own tasks in "new" and "quote", an activity due today, one won this month."""
    (tenant,) = tenants
    with all_tenants(db):
        user_id = db.scalar(select(Membership.user_id).where(Membership.tenant_id == tenant.id))
    board = make_board(db, tenant)
    mine = {"responsible_user_id": user_id}
    task = add_task(db, board.stages["new"], "Kassat", expected_value=Decimal("1500.50"), **mine)
    add_task(db, board.stages["quote"], "Hyllyt", expected_value=Decimal("2000"), **mine)
    add_task(db, board.stages["won"], "Voitto", expected_value=Decimal("800"), **mine)
    with all_tenants(db):
        kind = ActivityType(tenant_id=tenant.id, key="call-dash", name={"fi": "Puhelu"})
        db.add(kind)
        db.flush()
        for due, done in (
            (local_midnight(local_today()) + timedelta(hours=12), None),
            (None, utcnow()),
        ):
            db.add(
                Activity(
                    tenant_id=tenant.id,
                    task_id=task.id,
                    type_id=kind.id,
                    assignee_user_id=user_id,
                    due_at=due,
                    done_at=done,
                )
            )
        db.flush()


@pytest.fixture
def manager(db_engine, myynti_registry) -> Iterator[dict[str, Any]]:
    """A Finnish-speaking tenant admin (a manager) who also sells."""
    with committed_member(db_engine, myynti_registry, locale="fi", fill=_fill) as member:
        yield {"slug": member.slugs[0], "email": member.email}


def _chart(page: Any, canvas_id: str) -> dict[str, Any]:
    """What Chart.js drew on the canvas: its labels and each dataset's values."""
    return page.evaluate(
        """id => {
            const chart = Chart.getChart(document.getElementById(id));
            return chart && {labels: chart.data.labels,
                             data: chart.data.datasets.map(d => d.data)};
        }""",
        canvas_id,
    )


def test_the_dashboard_charts_draw_the_figures_of_the_tables(browser, server, manager):
    page = signed_in_page(browser, server, manager["email"])
    page.goto(f"{server}/t/{manager['slug']}/")

    mine = page.locator("[data-panel=workflow-my-sales]")
    expect(mine.locator(".figure-pipeline")).to_have_text("3 500,50 €".replace(" ", "\u00a0"))
    expect(mine.locator(".figure-today")).to_have_text("1")
    page.wait_for_function("() => Chart.getChart(document.getElementById('chart-my-pipeline'))")
    assert _chart(page, "chart-my-pipeline") == {
        "labels": ["Uusi", "Tarjous"],
        "data": [[1500.5, 2000.0]],
    }
    team = page.locator("[data-panel=workflow-team-sales]")
    expect(team.locator(".figure-won")).to_have_text("800,00 €".replace(" ", "\u00a0"))
    assert _chart(page, "chart-team-activities") == {
        "labels": ["Maija Member"],
        "data": [[1.0], [1.0]],
    }
    box = page.locator("#chart-team-pipeline").bounding_box()
    assert box["width"] > 100 and box["height"] > 100, "the chart has room to draw"
    keep_screenshots(page, "dashboard-manager")
