"""The partner's plugin ``myynti-notes``: found once installed, seen only where enabled.

The plugin lives in ``examples/myynti-notes``, its own distribution; the test
command installs it (``pip install -e examples/myynti-notes``), so it is in the
registry and its migration has run like every installed plugin's.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import distribution, entry_points
from typing import Any

import pytest
from myynti_notes.hooks import WELCOME_TITLE
from myynti_notes.models import Note
from sqlalchemy import select, text

from core.contract import label_text
from core.db import all_tenants, set_tenant
from core.licensing import disable_plugin, enable_plugin
from core.models import Role
from core.plugins import ENTRY_POINT_GROUP, PluginRegistry

PANEL = '[data-panel="notes-latest"]'


@pytest.fixture
def tenants(make_tenant: Any, make_user: Any) -> dict[str, Any]:
    """Tenant ``alfa`` has the notes plugin, ``beeta`` has not; a member in each."""
    alfa = make_tenant("alfa", "Alfa Oy", plugins=("notes",))
    beeta = make_tenant("beeta", "Beeta Oy")
    make_user("anna@alfa.example", tenant=alfa, role=Role.MEMBER)
    make_user("bert@beeta.example", tenant=beeta, role=Role.MEMBER)
    return {"alfa": alfa, "beeta": beeta}


@pytest.fixture
def hook_calls(myynti_registry: PluginRegistry) -> Iterator[list[tuple[str, str]]]:
    """``(hook, plugin)`` for every hook implementation pluggy calls during the test."""
    calls: list[tuple[str, str]] = []

    def before(hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
        calls.extend((hook_name, impl.plugin_name) for impl in impls)

    undo = myynti_registry.pm.add_hookcall_monitoring(before, lambda *args: None)
    yield calls
    undo()


def sees_notes(webapp: Any, slug: str) -> dict[str, Any]:
    """What a signed-in member of ``slug`` sees of the plugin: link, panel, page status."""
    dashboard = webapp.get(f"/t/{slug}/")
    page = webapp.get(f"/t/{slug}/notes", expect_errors=True)
    return {
        "link": [
            a["href"] for a in dashboard.html.select("nav.navigation a") if "notes" in a["href"]
        ],
        "panel": dashboard.html.select_one(PANEL) is not None,
        "page": page.status_int,
        "titles": [h2.get_text() for h2 in page.html.select("article.note h2")]
        if page.status_int == 200
        else [],
    }


def add_note(webapp: Any, slug: str, title: str) -> None:
    form = webapp.get(f"/t/{slug}/notes").forms["note-form"]
    form["title"] = title
    form.submit().follow()


def stored_titles(db: Any, tenant: Any) -> list[str]:
    with all_tenants(db):
        return sorted(db.scalars(select(Note.title).where(Note.tenant_id == tenant.id)))


def test_the_installed_plugin_is_found_through_its_entry_point(
    myynti_registry: PluginRegistry, db_engine: Any
) -> None:
    (entry_point,) = entry_points(group=ENTRY_POINT_GROUP, name="notes")
    assert entry_point.dist.name == distribution("myynti-notes").name
    plugin = myynti_registry.by_name["notes"]
    title = label_text(plugin.title, "fi")
    assert (plugin.version, title, plugin.depends) == ("1.0.0", "Muistiinpanot", ())
    assert plugin in myynti_registry.licensed
    with db_engine.connect() as connection:
        heads = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    assert any(head.startswith("notes") for head in heads)


def test_a_tenant_that_enabled_it_sees_its_link_panel_and_page(
    webapp: Any, login: Any, tenants: dict[str, Any]
) -> None:
    login(webapp, "anna@alfa.example")

    seen = sees_notes(webapp, "alfa")

    assert seen == {
        "link": ["http://localhost/t/alfa/notes"],
        "panel": True,
        "page": 200,
        "titles": [WELCOME_TITLE],
    }


def test_a_tenant_that_did_not_enable_it_sees_nothing_and_its_hooks_are_not_called(
    webapp: Any, db: Any, login: Any, tenants: dict[str, Any], hook_calls: list[Any]
) -> None:
    login(webapp, "bert@beeta.example")

    seen = sees_notes(webapp, "beeta")
    posted = webapp.post(
        "/t/beeta/notes", {"title": "x", "csrf_token": webapp.cookies["myynti_csrf"]}, status=404
    )

    assert seen == {"link": [], "panel": False, "page": 404, "titles": []}
    assert posted.status_int == 404
    assert stored_titles(db, tenants["beeta"]) == []
    assert ("myynti_panels", "core") in hook_calls
    assert [call for call in hook_calls if call[1] == "notes"] == []


def test_the_hook_spy_sees_the_plugin_where_it_is_enabled(
    webapp: Any, login: Any, tenants: dict[str, Any], hook_calls: list[Any]
) -> None:
    login(webapp, "anna@alfa.example")

    webapp.get("/t/alfa/")

    assert {("myynti_links", "notes"), ("myynti_panels", "notes")} <= set(hook_calls)


def test_disabling_hides_everything_and_deletes_nothing_enabling_brings_it_back(
    webapp: Any, db: Any, login: Any, tenants: dict[str, Any], myynti_registry: PluginRegistry
) -> None:
    alfa = tenants["alfa"]
    login(webapp, "anna@alfa.example")
    add_note(webapp, "alfa", "Tarjous Kesko")

    disable_plugin(db, myynti_registry, alfa, "notes")
    hidden = sees_notes(webapp, "alfa")
    kept = stored_titles(db, alfa)
    enable_plugin(db, myynti_registry, alfa, "notes")
    back = sees_notes(webapp, "alfa")

    assert hidden == {"link": [], "panel": False, "page": 404, "titles": []}
    assert kept == sorted(["Tarjous Kesko", WELCOME_TITLE])
    assert back["link"] and back["panel"]
    # The set-up ran once: enabling again brings the same notes, no second welcome.
    assert back["titles"] == ["Tarjous Kesko", WELCOME_TITLE]


def test_one_tenants_notes_are_invisible_to_another_that_enabled_it(
    webapp: Any, db: Any, login: Any, tenants: dict[str, Any], myynti_registry: PluginRegistry
) -> None:
    login(webapp, "anna@alfa.example")
    add_note(webapp, "alfa", "Alfan salaisuus")
    enable_plugin(db, myynti_registry, tenants["beeta"], "notes")
    webapp.reset()
    login(webapp, "bert@beeta.example")

    seen = sees_notes(webapp, "beeta")
    panel = webapp.get("/t/beeta/").html.select_one(PANEL).get_text()
    other = webapp.get("/t/alfa/notes", expect_errors=True)

    assert seen["titles"] == [WELCOME_TITLE]
    assert "Alfan salaisuus" not in panel
    assert other.status_int == 404
    set_tenant(db, tenants["beeta"].id)
    assert db.scalars(select(Note.title)).all() == [WELCOME_TITLE]


def test_postgresql_row_level_security_covers_the_partners_table(
    db: Any, tenants: dict[str, Any]
) -> None:
    """The plugin's migration put its table behind RLS: raw SQL sees one tenant's notes."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    alfa, beeta = tenants["alfa"], tenants["beeta"]
    with all_tenants(db):
        db.add(Note(tenant_id=beeta.id, title="Beetan muistio", body=""))
        db.flush()

    set_tenant(db, alfa.id)
    titles = db.execute(text("SELECT title FROM note")).scalars().all()

    assert titles == [WELCOME_TITLE]
