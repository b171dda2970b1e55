"""Board cards: overdue and no-next-activity marks, and adding a task in a column."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db import all_tenants
from core.models import User, utcnow
from plugins.workflow.board import local_today
from plugins.workflow.models import Activity, ActivityType, Task
from tests.workflow_plugins.fixtures import add_task, make_board

FI = {"Accept-Language": "fi"}


def _activity(db, task, due_at, done_at=None) -> None:
    with all_tenants(db):
        kind = db.scalar(select(ActivityType).where(ActivityType.tenant_id == task.tenant_id))
        if kind is None:
            kind = ActivityType(tenant_id=task.tenant_id, key="call-t", name={"fi": "Puhelu"})
            db.add(kind)
            db.flush()
        db.add(
            Activity(
                tenant_id=task.tenant_id,
                task_id=task.id,
                type_id=kind.id,
                due_at=due_at,
                done_at=done_at,
            )
        )
        db.flush()


def _flags(page, task) -> list[str]:
    card = page.html.select_one(f"#card-{task.id}")
    return [badge.get_text(strip=True) for badge in card.select(".card-flags .badge")]


def test_overdue_and_idle_cards_are_marked_in_open_columns_only(webapp, db, board_setup):
    board = board_setup
    yesterday = local_today() - timedelta(days=1)
    late = add_task(db, board.stages["quote"], "Myöhässä oleva", due_date=yesterday)
    _activity(db, late, utcnow() + timedelta(days=2))
    late_call = add_task(db, board.stages["quote"], "Soitto myöhässä")
    _activity(db, late_call, utcnow() - timedelta(hours=3))
    planned = add_task(db, board.stages["quote"], "Suunniteltu", due_date=local_today())
    _activity(db, planned, utcnow() + timedelta(hours=3))
    _activity(db, planned, utcnow() - timedelta(days=3), done_at=utcnow())
    won = add_task(db, board.stages["won"], "Voitettu", due_date=yesterday)

    page = webapp.get(board.board_url, headers=FI)

    assert _flags(page, late) == ["Myöhässä"]
    assert _flags(page, late_call) == ["Myöhässä"]
    assert _flags(page, planned) == []
    assert _flags(page, board.tasks[0]) == ["Ei seuraavaa aktiviteettia"]
    assert _flags(page, won) == [], "a closed task is neither late nor waiting for a plan"
    assert "card-overdue" in page.html.select_one(f"#card-{late.id}")["class"]


def test_a_card_links_to_its_move_page_back_to_the_same_board(webapp, board_setup):
    board = board_setup
    page = webapp.get(board.board_url + "&q=Toinen")
    link = page.html.select_one(f"#card-{board.tasks[1].id} a.card-move-link")
    move_page = webapp.get(link["href"])
    assert "q=Toinen" in move_page.forms["move-form"]["board_query"].value.split("&")


def test_quick_add_makes_a_task_in_that_column_for_the_user(webapp, db, board_setup):
    board = board_setup
    page = webapp.get(board.board_url + "&q=Uusi", headers=FI)
    quote = board.stages["quote"]
    form = page.forms[f"quick-add-{quote.id}"]
    form["title"] = "  Uusi kassajärjestelmä Hervantaan  "
    response = form.submit(status=303, headers=FI)

    assert "q=Uusi" in response.location
    back = response.follow(headers=FI)
    assert "Tehtävä ”Uusi kassajärjestelmä Hervantaan” lisätty vaiheeseen Tarjous." in (
        back.html.select_one(".flash").get_text()
    )
    with all_tenants(db):
        task = db.scalar(select(Task).where(Task.title == "Uusi kassajärjestelmä Hervantaan"))
        maija = db.scalar(select(User.id).where(User.email == "maija@acme.example"))
    assert (task.stage_id, task.responsible_user_id) == (quote.id, maija)
    card = back.html.select_one(f"#card-{task.id}")
    assert card.find_parent("ol")["data-stage"] == str(quote.id)


def test_quick_add_without_a_title_says_so_next_to_the_field(webapp, db, board_setup):
    board = board_setup
    new = board.stages["new"]
    page = webapp.get(board.board_url, headers=FI)
    form = page.forms[f"quick-add-{new.id}"]
    form["title"] = "   "
    refused = form.submit(status=400, headers=FI)
    error = refused.html.select_one(f"#quick-title-{new.id}-error")
    assert error.get_text() == "Tämä kenttä on pakollinen."
    assert refused.html.select_one(f"#quick-add-{new.id}").find_parent("details").has_attr("open")

    form = refused.forms[f"quick-add-{new.id}"]
    form["title"] = "x" * 201
    refused = form.submit(status=400, headers=FI)
    assert refused.html.select_one(f"#quick-title-{new.id}")["value"] == "x" * 201
    with all_tenants(db):
        assert db.scalar(select(Task).where(Task.title.startswith("xxx"))) is None


def test_closed_columns_have_no_quick_add_and_refuse_one(webapp, db, board_setup):
    board = board_setup
    won = board.stages["won"]
    page = webapp.get(board.board_url)
    assert f"quick-add-{won.id}" not in page.forms
    token = page.forms[f"quick-add-{board.stages['new'].id}"]["csrf_token"].value
    url = f"/t/acme/board/stages/{won.id}/tasks"
    webapp.post(url, {"csrf_token": token, "title": "Ei näin"}, status=404)


def test_quick_add_in_another_tenants_column_is_404(webapp, db, make_tenant, board_setup):
    other = make_board(db, make_tenant("globex", plugins=("workflow",)))
    page = webapp.get(board_setup.board_url)
    token = page.forms[f"quick-add-{board_setup.stages['new'].id}"]["csrf_token"].value
    url = f"/t/acme/board/stages/{other.stages['new'].id}/tasks"
    webapp.post(url, {"csrf_token": token, "title": "Vieras"}, status=404)
    with all_tenants(db):
        assert db.scalar(select(Task).where(Task.title == "Vieras")) is None
