"""The task list: filters, sorting, paging and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from core.db import all_tenants
from core.models import utcnow
from plugins.workflow import tasks
from plugins.workflow.board import local_today
from plugins.workflow.models import Task
from plugins.workflow.tasks import PAGE_SIZE


def add(db, acme, title, stage="new", **values) -> Task:
    with all_tenants(db):
        task = Task(
            tenant_id=acme.tenant.id,
            workflow_id=acme.workflow.id,
            stage_id=acme.stages[stage].id,
            title=title,
            closed_at=utcnow() if stage in ("won", "lost") else None,
            **values,
        )
        db.add(task)
        db.flush()
    return task


def titles(page) -> list[str]:
    return [a.get_text() for a in page.html.select("table.tasks tbody td:first-child a")]


def test_filters_and_sorting(webapp, db, as_maija, beta):
    acme = as_maija
    today = local_today()
    add(db, acme, "Iso kauppa", expected_value=Decimal(9000), customer_id=acme.customer.id)
    add(db, acme, "Pieni kauppa", expected_value=Decimal(100), due_date=today - timedelta(days=1))
    add(db, acme, "Tiimin kauppa", "quote", team_id=acme.team.id, responsible_user_id=acme.pekka.id)
    add(db, acme, "Voitettu kauppa", "won")
    page = webapp.get("/t/acme/tasks")
    assert sorted(titles(page)) == ["Iso kauppa", "Pieni kauppa", "Tiimin kauppa"]
    assert "Beta salainen" not in page.text
    assert titles(webapp.get("/t/acme/tasks?sort=-value")) == [
        "Iso kauppa",
        "Pieni kauppa",
        "Tiimin kauppa",
    ]
    assert titles(webapp.get("/t/acme/tasks?sort=title"))[0] == "Iso kauppa"
    assert titles(webapp.get("/t/acme/tasks?due=overdue")) == ["Pieni kauppa"]
    assert titles(webapp.get(f"/t/acme/tasks?team={acme.team.id}")) == ["Tiimin kauppa"]
    assert titles(webapp.get(f"/t/acme/tasks?responsible={acme.pekka.id}")) == ["Tiimin kauppa"]
    assert titles(webapp.get(f"/t/acme/tasks?customer={acme.customer.id}")) == ["Iso kauppa"]
    assert titles(webapp.get(f"/t/acme/tasks?stage={acme.stages['quote'].id}")) == ["Tiimin kauppa"]
    assert titles(webapp.get("/t/acme/tasks?q=pieni")) == ["Pieni kauppa"]
    assert titles(webapp.get("/t/acme/tasks?state=closed")) == ["Voitettu kauppa"]
    assert titles(webapp.get(f"/t/acme/tasks?customer={beta.customer.id}")) == []
    assert webapp.get("/t/acme/tasks?sort=evil;drop&page=x&team=abc").status_int == 200


def test_paging(webapp, db, as_maija):
    for number in range(PAGE_SIZE + 3):
        add(db, as_maija, f"Tehtävä {number:03}")
    first = webapp.get("/t/acme/tasks?sort=title")
    assert len(titles(first)) == PAGE_SIZE
    second = webapp.get("/t/acme/tasks?sort=title&page=2")
    assert titles(second) == [f"Tehtävä {n:03}" for n in range(PAGE_SIZE, PAGE_SIZE + 3)]


def test_csv_export_of_the_filtered_list(webapp, db, as_maija):
    acme = as_maija
    add(db, acme, "=HYPERLINK(1)", expected_value=Decimal("1200.50"), customer_id=acme.customer.id)
    add(db, acme, "Muu", "quote")
    response = webapp.get(f"/t/acme/tasks/export.csv?stage={acme.stages['new'].id}")
    assert response.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["id", "title", "stage", "customer"]
    (row,) = rows[1:]
    assert row[1] == "'=HYPERLINK(1)" and row[2] == "Uusi" and row[3] == "Rakennus Virtanen Oy"
    assert row[rows[0].index("expected_value")] == "1200.50"


def test_a_full_page_offers_no_empty_next_page(webapp, db, as_maija):
    for number in range(PAGE_SIZE):
        add(db, as_maija, f"Tehtävä {number:03}")
    page = webapp.get("/t/acme/tasks")
    assert len(titles(page)) == PAGE_SIZE
    assert page.html.select(".pager a") == []


def test_values_are_right_aligned_with_their_total_and_stages_as_badges(webapp, db, as_maija):
    acme = as_maija
    add(db, acme, "Iso kauppa", expected_value=Decimal("9000"))
    add(db, acme, "Pieni kauppa", expected_value=Decimal("100.50"))
    add(db, acme, "Arvoton")
    page = webapp.get("/t/acme/tasks", headers={"Accept-Language": "fi"})
    values = [td.get_text() for td in page.html.select("table.tasks tbody td.num")]
    assert len(values) == 3
    total = page.html.select_one("table.tasks tfoot .total")
    assert " ".join(total.get_text(" ", strip=True).split()).replace("\u00a0", " ") == (
        "Yhteensä 9 100,50 €"
    )
    badge = page.html.select_one("tr[data-task] .badge-open")
    assert badge.get_text() == "Uusi"


def test_the_total_of_a_page_says_so_when_there_are_more(webapp, db, as_maija):
    for number in range(PAGE_SIZE + 1):
        add(db, as_maija, f"Tehtävä {number:03}", expected_value=Decimal("10"))
    page = webapp.get("/t/acme/tasks", headers={"Accept-Language": "fi"})
    total = page.html.select_one("table.tasks tfoot .total").get_text(" ", strip=True)
    assert " ".join(total.split()).replace("\u00a0", " ") == "Yhteensä tällä sivulla 500,00 €"


def test_past_the_counting_cap_the_pages_go_on_while_they_are_full(
    webapp, db, as_maija, monkeypatch
):
    """The count stops at ``COUNT_CAP``; the pager still reaches every task.

    The cap and the page are made small here (3 and 2) to show it with five tasks.
    """
    monkeypatch.setattr(tasks, "COUNT_CAP", 3)
    monkeypatch.setattr(tasks, "PAGE_SIZE", 2)
    for number in range(5):
        add(db, as_maija, f"Tehtävä {number}")
    seen, page, pages = [], webapp.get("/t/acme/tasks?sort=title"), 0
    assert "> 3" in page.html.select_one("p.muted").get_text()
    while True:
        seen += titles(page)
        pages += 1
        following = [a for a in page.html.select(".pager a") if "→" in a.get_text()]
        if not following:
            break
        page = webapp.get(following[0]["href"])
    assert seen == [f"Tehtävä {n}" for n in range(5)]
    assert pages == 3
