"""What a member of a tenant that has the notes plugin sees and can do.

Core's test settings make English the default language; Finnish is asked for.
"""

from __future__ import annotations

from typing import Any

import pytest
from myynti_notes.forms import TITLE_MAX
from myynti_notes.hooks import WELCOME_TITLE
from myynti_notes.models import Note
from sqlalchemy import func, select

from core.db import all_tenants
from core.models import Role

FINNISH = {"Accept-Language": "fi"}


@pytest.fixture
def member(make_tenant: Any, make_user: Any, webapp: Any, login: Any) -> Any:
    """A member of tenant ``acme``, which has the notes plugin, signed in."""
    tenant = make_tenant("acme", "Acme Oy", plugins=("notes",))
    make_user("maija@acme.example", tenant=tenant, role=Role.MEMBER, name="Maija Mallikas")
    login(webapp, "maija@acme.example")
    return tenant


def note_count(db: Any) -> int:
    with all_tenants(db):
        return db.scalar(select(func.count()).select_from(Note))


def test_a_new_tenant_finds_the_welcome_note(webapp: Any, member: Any) -> None:
    page = webapp.get("/t/acme/notes")

    assert page.html.h1.get_text() == "Notes"
    assert [h2.get_text() for h2 in page.html.select("article.note h2")] == [WELCOME_TITLE]


def test_the_dashboard_shows_the_latest_notes_and_the_menu_links_to_them(
    webapp: Any, member: Any
) -> None:
    page = webapp.get("/t/acme/")

    panel = page.html.select_one('[data-panel="notes-latest"]')
    assert panel.h2.get_text() == "Latest notes"
    assert WELCOME_TITLE in panel.get_text()
    menu = {a.get_text(): a["href"] for a in page.html.select("nav.navigation a")}
    assert menu["Notes"].endswith("/t/acme/notes")


def test_a_member_adds_a_note(webapp: Any, member: Any) -> None:
    form = webapp.get("/t/acme/notes").forms["note-form"]
    form["title"] = "Messut 12.3."
    form["body"] = "Osasto B14.\nTuodaan esitteet."

    page = form.submit().follow()

    assert "Note saved." in page.html.select_one(".flash").get_text()
    newest = page.html.select("article.note")[0]
    assert newest.h2.get_text() == "Messut 12.3."
    assert "Maija Mallikas" in newest.get_text()
    assert "Osasto B14.\nTuodaan esitteet." in newest.get_text()
    dashboard = webapp.get("/t/acme/").html.select_one('[data-panel="notes-latest"]')
    assert dashboard.li.get_text().startswith("Messut 12.3.")


@pytest.mark.parametrize(
    ("title", "message"),
    [("   ", "This field is required."), ("x" * (TITLE_MAX + 1), "200")],
)
def test_a_bad_title_is_explained_and_nothing_is_saved(
    webapp: Any, db: Any, member: Any, title: str, message: str
) -> None:
    before = note_count(db)
    form = webapp.get("/t/acme/notes").forms["note-form"]
    form["title"] = title
    form["body"] = "Tämä teksti ei saa kadota."

    page = form.submit()

    assert page.status_int == 200
    assert message in page.html.select_one("#title-error").get_text()
    assert page.forms["note-form"]["body"].value == "Tämä teksti ei saa kadota."
    assert note_count(db) == before


def test_a_post_without_the_csrf_token_is_refused(webapp: Any, db: Any, member: Any) -> None:
    before = note_count(db)

    webapp.post("/t/acme/notes", {"title": "Väärennetty"}, status=400)

    assert note_count(db) == before


def test_the_page_speaks_finnish_when_asked(webapp: Any, member: Any) -> None:
    page = webapp.get("/t/acme/notes", headers=FINNISH)

    assert page.html.h1.get_text() == "Muistiinpanot"
    assert page.html.select_one("#note-form button").get_text() == "Lisää muistiinpano"
    assert page.html.select_one('label[for="title"]').get_text() == "Otsikko"
    assert page.html.select_one('label[for="body"]').get_text() == "Teksti"
    panel = webapp.get("/t/acme/", headers=FINNISH).html.select_one('[data-panel="notes-latest"]')
    assert panel.h2.get_text() == "Uusimmat muistiinpanot"
    assert panel.a.get_text() == "Kaikki muistiinpanot"


def test_a_missing_title_is_explained_in_finnish(webapp: Any, member: Any) -> None:
    form = webapp.get("/t/acme/notes", headers=FINNISH).forms["note-form"]

    page = form.submit(headers=FINNISH)

    assert page.html.select_one("#title-error").get_text() == "Pakollinen."
