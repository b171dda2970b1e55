"""The board (workflow view): columns, totals, cards, paging, filters and the no-JS move form."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from core.db import all_tenants
from core.models import Team, TeamMember, User, utcnow
from plugins.contacts.models import Customer
from plugins.workflow.board import PAGE_SIZE, local_today
from plugins.workflow.models import Activity, ActivityType
from tests.workflow_plugins.fixtures import add_task, make_board


def _spaces(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def columns(page) -> dict[str, list[str]]:
    """``{column heading: [card titles]}`` as the page shows them."""
    return {
        section.h2.get_text(strip=True): [
            card.select_one(".card-title").get_text(strip=True)
            for card in section.select("li.card")
        ]
        for section in page.html.select("section.column")
    }


def totals(page, heading: str) -> str:
    for section in page.html.select("section.column"):
        if section.h2.get_text(strip=True) == heading:
            return _spaces(section.select_one(".column-totals").get_text(" "))
    raise AssertionError(heading)


def add_customer(db, tenant, name: str) -> Customer:
    with all_tenants(db):
        customer = Customer(tenant_id=tenant.id, name=name, name_key=name.lower())
        db.add(customer)
        db.flush()
    return customer


def test_a_column_per_stage_with_count_and_sum(webapp, board_setup):
    page = webapp.get(board_setup.board_url)
    assert list(columns(page)) == ["New", "Quote", "Won", "Lost"], "the retired stage has none"
    assert columns(page)["New"] == ["Ensimmäinen", "Toinen", "Kolmas"]
    assert totals(page, "New") == "3 · 1 500,50 €"
    assert totals(page, "Quote") == "0 · 0,00 €"


def test_finnish_board_uses_finnish_money(webapp, board_setup):
    page = webapp.get(board_setup.board_url, headers={"Accept-Language": "fi"})
    assert totals(page, "Uusi") == "3 · 1 500,50 €"
    card = page.html.select_one("li.card")
    assert _spaces(card.select_one(".card-value").get_text()) == "1 200,50 €"
    assert page.html.select_one("h1").get_text(strip=True) == "Työnkulkunäkymä"


def test_a_card_shows_customer_value_due_date_person_and_open_activities(webapp, db, board_setup):
    board = board_setup
    tenant = board.tenant
    customer = add_customer(db, tenant, "Rautakauppa Virtanen Oy")
    task = add_task(
        db,
        board.stages["quote"],
        "Kassajärjestelmä",
        expected_value=Decimal("24990"),
        due_date=date(2026, 12, 4),
        customer_id=customer.id,
        responsible_user_id=webapp_user_id(db, "maija@acme.example"),
    )
    with all_tenants(db):
        call = ActivityType(tenant_id=tenant.id, key="call-test", name={"fi": "Puhelu"})
        db.add(call)
        db.flush()
        for done in (None, None, utcnow()):
            db.add(Activity(tenant_id=tenant.id, task_id=task.id, type_id=call.id, done_at=done))
        db.flush()
    page = webapp.get(board.board_url, headers={"Accept-Language": "fi"})
    card = page.html.select_one(f"#card-{task.id}")
    assert card.select_one(".card-customer").get_text(strip=True) == "Rautakauppa Virtanen Oy"
    assert card.select_one(".card-title").get_text(strip=True) == "Kassajärjestelmä"
    assert _spaces(card.select_one(".card-value").get_text()) == "24 990,00 €"
    assert card.select_one(".card-due").get_text(strip=True) == "4.12.2026"
    assert card.select_one(".card-responsible").get_text(strip=True) == "Maija Myyjä"
    assert card.select_one(".card-activities").get_text(strip=True) == "2"


def webapp_user_id(db, email: str) -> int:
    return db.scalar(select(User.id).where(User.email == email))


def test_a_long_column_is_paged_from_the_server(webapp, db, board_setup):
    board = board_setup
    quote = board.stages["quote"]
    for number in range(PAGE_SIZE + 5):
        add_task(db, quote, f"Tarjous {number:02d}", rank=float(number))
    page = webapp.get(board.board_url)
    shown = columns(page)["Quote"]
    assert shown == [f"Tarjous {n:02d}" for n in range(PAGE_SIZE)]
    assert totals(page, "Quote").startswith(f"{PAGE_SIZE + 5} ·")
    more = page.html.select_one(f'section[data-stage="{quote.id}"] a[data-more]')
    rest = webapp.get(more["href"] + "&partial=1")
    titles = [t.get_text(strip=True) for t in rest.html.select(".card-title")]
    assert titles == [f"Tarjous {n:02d}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert rest.html.select_one("a[data-more]") is None
    assert rest.html.select_one("header.topbar") is None, "the script gets the cards only"
    without_script = webapp.get(more["href"])
    assert without_script.html.select_one("header.topbar") is not None
    assert len(without_script.html.select("li.card")) == 5


def count_queries(webapp, url: str) -> int:
    """The statements of building the page at ``url`` (none of it kept, core.page_cache)."""
    webapp.app.registry.myynti_kept_pages.clear()
    engine = webapp.app.registry.db_engine
    statements: list[str] = []

    def counted(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", counted)
    try:
        webapp.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_cards(webapp, db, board_setup):
    board = board_setup
    maija = webapp_user_id(db, "maija@acme.example")
    customer = add_customer(db, board.tenant, "Ensimmäinen asiakas")
    with all_tenants(db):
        board.tasks[0].customer_id = customer.id
        board.tasks[0].responsible_user_id = maija
        db.flush()
    webapp.get(board.board_url)  # fills the per-process caches (core.cache) the pages share
    few = count_queries(webapp, board.board_url)
    for stage in ("new", "quote"):
        for number in range(40):
            customer = add_customer(db, board.tenant, f"Asiakas {stage} {number}")
            add_task(
                db,
                board.stages[stage],
                f"{stage} {number}",
                rank=10.0 + number,
                customer_id=customer.id,
                responsible_user_id=maija,
            )
    many = count_queries(webapp, board.board_url)
    assert many == few


def test_closed_columns_show_only_recently_closed_tasks(webapp, db, board_setup):
    board = board_setup
    recent = add_task(db, board.stages["won"], "Voitettu eilen")
    old = add_task(db, board.stages["won"], "Voitettu viime vuonna", expected_value=Decimal(5))
    with all_tenants(db):
        recent.closed_at = utcnow() - timedelta(days=1)
        old.closed_at = utcnow() - timedelta(days=400)
        db.flush()
    page = webapp.get(board.board_url)
    assert columns(page)["Won"] == ["Voitettu eilen"]
    assert totals(page, "Won") == "1 · 0,00 €"


@pytest.fixture
def filtered(db, board_setup):
    """Tasks that differ in one way each from the three plain ones of ``board_setup``."""
    board = board_setup
    tenant = board.tenant
    today = local_today()
    with all_tenants(db):
        team = Team(tenant_id=tenant.id, name="Itä")
        db.add(team)
        db.flush()
    pekka = webapp_user_id(db, "maija@acme.example")
    customer = add_customer(db, tenant, "Kahvila Kuppi")
    quote = board.stages["quote"]
    add_task(db, quote, "Tiimin tehtävä", team_id=team.id)
    add_task(db, quote, "Maijan tehtävä", responsible_user_id=pekka)
    add_task(db, quote, "Kupin tehtävä", customer_id=customer.id)
    add_task(db, quote, "Myöhässä", due_date=today - timedelta(days=3))
    add_task(db, quote, "Tänään", due_date=today)
    add_task(db, quote, "Ensi vuonna", due_date=today + timedelta(days=400))
    return {"team": team, "user": pekka, "customer": customer, "today": today}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("team={team}", ["Tiimin tehtävä"]),
        ("responsible={user}", ["Maijan tehtävä"]),
        ("customer={customer}", ["Kupin tehtävä"]),
        ("due=overdue", ["Myöhässä"]),
        ("due=today", ["Tänään"]),
        ("q=KUPIN", ["Kupin tehtävä"]),
    ],
)
def test_filters(webapp, board_setup, filtered, query, expected):
    values = {
        "team": filtered["team"].id,
        "user": filtered["user"],
        "customer": filtered["customer"].id,
    }
    page = webapp.get(board_setup.board_url + "&" + query.format(**values))
    shown = columns(page)
    assert shown["Quote"] == expected
    assert shown["New"] == []
    assert totals(page, "Quote").startswith("1 ·")


def test_due_this_week_includes_today(webapp, board_setup, filtered):
    page = webapp.get(board_setup.board_url + "&due=week")
    assert "Tänään" in columns(page)["Quote"]
    assert "Ensi vuonna" not in columns(page)["Quote"]


def test_nonsense_filters_are_ignored(webapp, board_setup):
    page = webapp.get(board_setup.board_url + "&team=abc&due=someday&responsible=-1")
    assert columns(page)["New"] == ["Ensimmäinen", "Toinen", "Kolmas"]


def test_the_filters_of_a_customer_link_are_kept(webapp, db, board_setup):
    board = board_setup
    customer = add_customer(db, board.tenant, "Kahvila Kuppi")
    add_task(db, board.stages["new"], "Kahvikone", customer_id=customer.id)
    page = webapp.get(board.board_url)
    link = page.html.select_one(".card-customer a")["href"]
    filtered_page = webapp.get(link)
    assert columns(filtered_page)["New"] == ["Kahvikone"]
    chosen = filtered_page.html.select_one("select[name=customer] option[selected]")
    assert chosen.get_text(strip=True) == "Kahvila Kuppi"


def test_the_navigation_links_to_the_board(webapp, board_setup):
    page = webapp.get("/t/acme/", headers={"Accept-Language": "fi"})
    link = next(a for a in page.html.select("nav.navigation a") if "/board" in a["href"])
    assert link.get_text(strip=True) == "Työnkulkunäkymä"


def test_without_a_workflow_param_the_first_workflow_is_shown(webapp, board_setup):
    page = webapp.get("/t/acme/board")
    assert "New" in columns(page)


def test_a_workflow_of_another_tenant_is_404(webapp, db, make_tenant, board_setup):
    other = make_board(db, make_tenant("globex", plugins=("workflow",)))
    webapp.get(f"/t/acme/board?workflow={other.workflow.id}", status=404)
    webapp.get("/t/acme/board?workflow=abc", status=404)


def test_a_column_of_another_tenant_is_404(webapp, db, make_tenant, board_setup):
    other = make_board(db, make_tenant("globex", plugins=("workflow",)))
    add_task(db, other.stages["new"], "Globexin salaisuus")
    response = webapp.get(f"/t/acme/board/stages/{other.stages['new'].id}/cards", status=404)
    assert "Globexin salaisuus" not in response.text


# --- the no-JS move form ----------------------------------------------------------------


def test_the_card_form_moves_and_returns_to_the_same_board(webapp, db, board_setup):
    board = board_setup
    page = webapp.get(board.board_url + "&q=Toinen")
    form = page.forms[f"card-move-{board.tasks[1].id}"]
    form["stage_id"] = str(board.stages["quote"].id)
    response = form.submit(status=303)
    assert "q=Toinen" in response.location
    back = response.follow()
    assert columns(back)["Quote"] == ["Toinen"]
    assert "Moved “Toinen” to Quote." in back.html.select_one(".flash").get_text()


def test_the_card_form_to_a_lost_stage_asks_for_the_reason(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[0]
    page = webapp.get(board.board_url, headers={"Accept-Language": "fi"})
    form = page.forms[f"card-move-{task.id}"]
    form["stage_id"] = str(board.stages["lost"].id)
    asked = form.submit(status=400, headers={"Accept-Language": "fi"})
    error = asked.html.select_one("#lost_reason-error")
    assert error.get_text(strip=True) == "Kerro, miksi tehtävä hävittiin."
    chosen = asked.html.select_one("#stage_id option[selected]")
    assert chosen.get_text(strip=True) == "Hävitty", "the chosen stage is kept"
    with all_tenants(db):
        db.refresh(task)
    assert task.stage_id == board.stages["new"].id
    again = asked.forms["move-form"]
    again["lost_reason"] = "Kilpailija halvempi"
    again.submit(status=303)
    with all_tenants(db):
        db.refresh(task)
    assert (task.stage_id, task.lost_reason) == (board.stages["lost"].id, "Kilpailija halvempi")


def test_a_stale_card_form_says_so(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[0]
    page = webapp.get(board.board_url)
    with all_tenants(db):
        task.title = "Joku muu muutti"
        db.flush()
    form = page.forms[f"card-move-{task.id}"]
    form["stage_id"] = str(board.stages["quote"].id)
    response = form.submit(status=409)
    assert "Someone else changed this task" in response.html.select_one(".form-error").get_text()
    retry = response.forms["move-form"]
    assert retry["version"].value == "2"
    assert retry["stage_id"].value == str(board.stages["quote"].id)


def test_team_membership_is_not_needed_to_see_the_board(webapp, db, board_setup):
    with all_tenants(db):
        assert db.query(TeamMember).count() == 0
    webapp.get(board_setup.board_url, status=200)
