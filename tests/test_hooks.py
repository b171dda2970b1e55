"""Every hook of the contract, called through a registry of core and ``tests.all_hooks_plugin``.

Hooks are called the way core calls them: per tenant through the tenant's
hook caller (``hooks_for``, which is ``request.plugins``), lifecycle hooks
through ``call_one``. A tenant that has not enabled the plugin gets none of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pluggy
import pytest
import webtest
from pyramid.config import Configurator
from sqlalchemy import func, select
from webob.multidict import MultiDict

from core import (
    ActionRefused,
    EntityType,
    EventKind,
    FieldErrors,
    JobType,
    Link,
    MessageRefused,
    OutgoingMessage,
    Panel,
    PeriodicJob,
    Permission,
    RecordAction,
    StageAction,
)
from core.app import make_config
from core.db import set_tenant
from core.forms import BaseForm
from core.licensing import disable_plugin, enable_plugin
from core.models import Event, Team, TeamMember
from core.plugins import CORE_PLUGIN, PluginRegistry, TenantHooks
from core.tenancy import add_tenant_route
from core.testing import app_in_transaction
from tests import all_hooks_plugin
from tests.all_hooks_plugin import (
    ACTION_KIND,
    BULK_KIND,
    DEMO_TEAM,
    ENTITY,
    MESSAGE_KIND,
    PAGE_PERMISSION,
    SET_UP_TEAM,
    TEMPLATE_KEY,
)


class StubRequest:
    """What the hooks use of a request; without a tenant, core's own hooks add nothing."""

    tenant = None

    def __init__(self, db: Any = None, allowed: bool = True) -> None:
        self.db = db
        self.allowed = allowed

    def route_url(self, name: str, **kw: Any) -> str:
        return f"http://example.com/{name}"

    def has_permission(self, permission: str) -> bool:
        return self.allowed


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry([CORE_PLUGIN, all_hooks_plugin.plugin])


@pytest.fixture
def hooks(registry: PluginRegistry) -> TenantHooks:
    """The hook caller of a tenant that has enabled the plugin."""
    return registry.hooks_for({"all_hooks"})


@pytest.fixture
def without(registry: PluginRegistry) -> TenantHooks:
    """The hook caller of a tenant that has not."""
    return registry.hooks_for(set())


@pytest.fixture
def tenant(db: Any, make_tenant: Any, registry: PluginRegistry) -> Any:
    """Tenant ``mukana`` with the plugin enabled; the session works as it."""
    tenant = make_tenant("mukana", "Mukana Oy")
    enable_plugin(db, registry, tenant, "all_hooks")
    set_tenant(db, tenant.id)
    return tenant


@pytest.fixture(scope="module")
def wsgi(app_settings: Any, registry: PluginRegistry, db_engine: Any) -> Any:
    return make_config(app_settings, registry=registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def app(wsgi: Any, db_connection: Any) -> Iterator[webtest.TestApp]:
    with app_in_transaction(wsgi, db_connection) as app:
        yield app


@pytest.fixture
def members(tenant: Any, make_tenant: Any, make_user: Any) -> None:
    """A member of ``mukana`` and one of ``ilman``, which has not enabled the plugin."""
    make_user("mia@mukana.example", tenant=tenant)
    make_user("ilkka@ilman.example", tenant=make_tenant("ilman", "Ilman Oy"))


def events(db: Any, kind: str) -> list[tuple[str, int, dict[str, Any]]]:
    rows = db.execute(
        select(Event.entity, Event.record_id, Event.payload).where(Event.kind == kind)
    )
    return [tuple(row) for row in rows]


# --- lifecycle -----------------------------------------------------------------


def test_myynti_addhooks_publishes_the_plugins_own_hookspecs(registry: PluginRegistry) -> None:
    fresh = pluggy.PluginManager("myynti")

    registry.call_one("all_hooks", "myynti_addhooks", pluginmanager=fresh)

    assert fresh.hook.myynti_all_hooks_published.spec is not None
    assert registry.pm.hook.myynti_all_hooks_published.spec is not None


def test_myynti_configure_adds_routes_under_the_tenant(registry: PluginRegistry) -> None:
    config = Configurator(package=all_hooks_plugin)
    config.add_directive("add_tenant_route", add_tenant_route)

    registry.call_one("all_hooks", "myynti_configure", config=config)
    config.commit()

    assert config.get_routes_mapper().get_route("all_hooks_page").pattern == "/t/{tenant}/all-hooks"


def test_the_configured_page_answers_only_where_the_plugin_is_enabled(
    app: webtest.TestApp, members: None, login: Any
) -> None:
    login(app, "mia@mukana.example")
    assert app.get("/t/mukana/all-hooks").text == "All hooks page of Mukana Oy"
    app.reset()
    login(app, "ilkka@ilman.example")
    app.get("/t/ilman/all-hooks", status=404)


def test_myynti_tenant_setup_adds_rows_to_the_tenant_it_is_given(
    db: Any, make_tenant: Any, hooks: TenantHooks
) -> None:
    other = make_tenant("toinen")
    set_tenant(db, other.id)

    hooks.myynti_tenant_setup(db=db, tenant=other)
    db.flush()

    assert db.scalars(select(Team.name)).all() == [SET_UP_TEAM]


def test_enabling_runs_myynti_tenant_setup_once(
    db: Any, tenant: Any, registry: PluginRegistry
) -> None:
    disable_plugin(db, registry, tenant, "all_hooks")
    enable_plugin(db, registry, tenant, "all_hooks")

    assert db.scalars(select(Team.name)).all() == [SET_UP_TEAM]


def test_myynti_demo_data_fills_the_demo_tenant(
    db: Any, tenant: Any, make_user: Any, hooks: TenantHooks
) -> None:
    users = [make_user(f"demo{i}@mukana.example", tenant=tenant) for i in range(2)]

    hooks.myynti_demo_data(db=db, tenant=tenant, users=users)
    db.flush()

    team = db.scalar(select(Team).where(Team.name == DEMO_TEAM))
    members = db.scalar(select(func.count()).where(TeamMember.team_id == team.id))
    assert members == 2


# --- security ------------------------------------------------------------------


def test_myynti_permissions_declares_what_members_hold(
    hooks: TenantHooks, without: TenantHooks
) -> None:
    declared = {p.name: p for p in hooks.collect("myynti_permissions")}

    assert isinstance(declared[PAGE_PERMISSION], Permission)
    assert "member" in declared[PAGE_PERMISSION].roles
    assert PAGE_PERMISSION not in {p.name for p in without.collect("myynti_permissions")}


# --- entities ------------------------------------------------------------------


def test_myynti_entities_declares_record_types(hooks: TenantHooks, without: TenantHooks) -> None:
    entities = {e.name: e for e in hooks.collect("myynti_entities")}

    assert isinstance(entities[ENTITY], EntityType)
    assert entities[ENTITY].model is Team
    assert ENTITY not in {e.name for e in without.collect("myynti_entities")}


# --- custom fields -------------------------------------------------------------


def test_myynti_form_fields_extend_the_owners_form(hooks: TenantHooks) -> None:
    fields = hooks.collect("myynti_form_fields", request=StubRequest(), entity=ENTITY)
    form_class = type("TeamForm", (BaseForm,), {name: field for name, _section, field in fields})

    assert [(name, section) for name, section, _field in fields] == [("motto", "extra")]
    assert form_class(MultiDict(motto="Eteenpäin")).validate()
    assert not form_class(MultiDict(motto="x" * 51)).validate()
    assert hooks.collect("myynti_form_fields", request=StubRequest(), entity="customer") == []


def test_myynti_form_saved_stores_the_added_fields(
    db: Any, tenant: Any, hooks: TenantHooks
) -> None:
    team = db.scalar(select(Team))
    fields = hooks.collect("myynti_form_fields", request=StubRequest(), entity=ENTITY)
    form = type("TeamForm", (BaseForm,), {n: f for n, _s, f in fields})(MultiDict(motto="Ylös"))

    hooks.myynti_form_saved(request=StubRequest(db), entity=ENTITY, record=team, form=form)
    db.flush()

    assert events(db, ACTION_KIND) == [(ENTITY, team.id, {"text": "Ylös"})]


def test_myynti_list_columns_add_cells_to_a_list(hooks: TenantHooks) -> None:
    columns = hooks.collect("myynti_list_columns", request=StubRequest(), entity=ENTITY)

    (key, label, getter) = columns[0]
    assert (key, label["en"], getter(Team(name="Myynti"))) == ("initial", "Initial", "M")


def test_myynti_list_filters_add_a_condition_from_the_query(
    db: Any, tenant: Any, hooks: TenantHooks
) -> None:
    db.add_all([Team(tenant_id=tenant.id, name="Myynti"), Team(tenant_id=tenant.id, name="Tuki")])
    db.flush()
    (unused,) = hooks.collect(
        "myynti_list_filters", request=StubRequest(), entity=ENTITY, params={}
    )
    (used,) = hooks.collect(
        "myynti_list_filters", request=StubRequest(), entity=ENTITY, params={"initial": "T"}
    )

    assert unused.condition is None
    names = db.scalars(select(Team.name).where(used.condition).order_by(Team.name))
    assert [n for n in names if n in ("Myynti", "Tuki")] == ["Tuki"]


def test_myynti_csv_columns_read_parse_and_write(hooks: TenantHooks) -> None:
    (column,) = hooks.collect("myynti_csv_columns", request=StubRequest(), entity=ENTITY)
    team = Team(name="Myynti")

    assert column.read(team) == "M"
    column.write(team, column.parse("Eteenpäin"))
    assert team.name == "Myynti (Eteenpäin)"
    with pytest.raises(ValueError, match="Too long"):
        column.parse("x" * 51)
    assert hooks.collect("myynti_csv_columns", request=StubRequest(), entity="customer") == []


def test_myynti_api_values_read_check_and_save_an_object(hooks: TenantHooks) -> None:
    entity = next(e for e in hooks.collect("myynti_entities") if e.name == ENTITY)
    (values,) = hooks.collect("myynti_api_values", request=StubRequest(), entity=entity)
    (generic,) = hooks.collect("myynti_api_values", request=None, entity=entity)
    team = Team(name="Myynti")

    assert values.key == generic.key == "all_hooks"
    assert values.read(team) == {"initial": "M"}
    values.save(StubRequest(), team, values.check(team, {"motto": "Eteenpäin"}), False)
    assert team.name == "Myynti (Eteenpäin)"
    with pytest.raises(FieldErrors):
        values.check(team, {"motto": "x" * 51})
    other = EntityType("customer", Team, {"en": "Customer"}, {"en": "Customers"})
    assert hooks.collect("myynti_api_values", request=StubRequest(), entity=other) == []


def test_myynti_record_actions_offer_actions_that_run_or_refuse(
    hooks: TenantHooks, without: TenantHooks
) -> None:
    (action,) = hooks.collect("myynti_record_actions")
    team = SimpleNamespace(id=3, name="Myynti")

    assert isinstance(action, RecordAction)
    assert (action.entity, action.name) == ("team", "pin")
    assert action.run(StubRequest(), team, {"motto": "Eteenpäin"})["name"] == "Myynti (Eteenpäin)"
    with pytest.raises(ActionRefused, match="Give a motto."):
        action.run(StubRequest(), team, {})
    assert without.collect("myynti_record_actions") == []


# --- workflow stages -----------------------------------------------------------


def test_myynti_stage_actions_offer_runnable_actions(
    db: Any, tenant: Any, hooks: TenantHooks, without: TenantHooks
) -> None:
    (action,) = hooks.collect("myynti_stage_actions", request=StubRequest())

    assert isinstance(action, StageAction)
    action.run(db=db, tenant=tenant, task=SimpleNamespace(id=7), options={"text": "Soita"})
    db.flush()
    assert events(db, ACTION_KIND) == [("task", 7, {"text": "Soita"})]
    assert without.collect("myynti_stage_actions", request=StubRequest()) == []


def test_myynti_stage_changed_reacts_to_a_move(db: Any, tenant: Any, hooks: TenantHooks) -> None:
    hooks.myynti_stage_changed(
        db=db,
        tenant=tenant,
        task=SimpleNamespace(id=7),
        old_stage=SimpleNamespace(name="Uusi"),
        new_stage=SimpleNamespace(name="Tarjous"),
    )
    db.flush()

    assert events(db, "stage_changed") == [("task", 7, {"from": "Uusi", "to": "Tarjous"})]


# --- UI panels -----------------------------------------------------------------


def test_myynti_links_fill_the_menu_and_page_actions(hooks: TenantHooks) -> None:
    request = StubRequest()

    (menu,) = hooks.collect("myynti_links", request=request, slot="navigation", context=None)
    per_plugin = hooks.myynti_links(request=request, slot="page_actions", context=Team(name="X"))
    denied = hooks.collect(
        "myynti_links", request=StubRequest(allowed=False), slot="navigation", context=None
    )

    assert isinstance(menu, Link) and menu.url == "http://example.com/all_hooks_page"
    assert [(a.label, a.method) for links in per_plugin for a in links] == [("Act on X", "post")]
    assert denied == []


def test_myynti_panels_fill_the_dashboard(hooks: TenantHooks) -> None:
    (panel,) = hooks.collect("myynti_panels", request=StubRequest(), slot="dashboard", context=None)

    assert isinstance(panel, Panel)
    assert panel.template == "core:templates/panels/my_teams.pt"


def test_links_and_panels_show_only_in_the_tenant_that_enabled_the_plugin(
    app: webtest.TestApp, members: None, login: Any
) -> None:
    login(app, "mia@mukana.example")
    enabled = app.get("/t/mukana/")
    app.reset()
    login(app, "ilkka@ilman.example")
    disabled = app.get("/t/ilman/")

    assert "All hooks" in enabled.html.select_one("nav.navigation").get_text()
    assert "Panel of all_hooks" in enabled.html.select_one('[data-panel="all-hooks"]').get_text()
    assert "All hooks" not in disabled.html.select_one("nav.navigation").get_text()
    assert disabled.html.select_one('[data-panel="all-hooks"]') is None


# --- history -------------------------------------------------------------------


def test_myynti_event_kinds_declares_history_kinds(
    hooks: TenantHooks, without: TenantHooks
) -> None:
    kinds = {k.key: k for k in hooks.collect("myynti_event_kinds")}

    assert isinstance(kinds[ACTION_KIND], EventKind)
    assert ACTION_KIND not in {k.key for k in without.collect("myynti_event_kinds")}


# --- jobs ----------------------------------------------------------------------


def test_myynti_jobs_declares_jobs_that_run_in_the_tenant(
    db: Any, tenant: Any, hooks: TenantHooks
) -> None:
    (job,) = [j for j in hooks.collect("myynti_jobs") if j.name.startswith("all_hooks")]

    assert isinstance(job, JobType)
    job.run(db=db, tenant=tenant, payload={"text": "Ajettu"})
    db.flush()
    assert events(db, ACTION_KIND) == [("tenant", tenant.id, {"text": "Ajettu"})]


def test_myynti_periodic_jobs_declares_work_across_tenants(
    db: Any, tenant: Any, make_tenant: Any, registry: PluginRegistry
) -> None:
    make_tenant("toinen")
    declared = [
        job
        for jobs in registry.pm.hook.myynti_periodic_jobs()
        for job in jobs
        if job.name.startswith("all_hooks")
    ]

    assert [(type(j), j.name, j.interval) for j in declared] == [
        (PeriodicJob, "all_hooks_sweep", 300)
    ]
    assert declared[0].run(db=db) == 2


# --- messages ------------------------------------------------------------------


def test_myynti_message_templates_offer_the_channels_templates(
    db: Any, tenant: Any, hooks: TenantHooks, without: TenantHooks
) -> None:
    offered = hooks.collect("myynti_message_templates", db=db, tenant=tenant, channel="email")

    assert [key for key, _ in offered] == [TEMPLATE_KEY]
    assert hooks.collect("myynti_message_templates", db=db, tenant=tenant, channel="sms") == []
    assert without.collect("myynti_message_templates", db=db, tenant=tenant, channel="email") == []


def test_myynti_send_message_queues_one_or_refuses(
    db: Any, tenant: Any, hooks: TenantHooks, without: TenantHooks
) -> None:
    message = OutgoingMessage(entity="task", record_id=7, body="Tarjous liitteenä")

    sent = hooks.myynti_send_message(db=db, tenant=tenant, message=message)
    db.flush()

    assert isinstance(sent, int)
    assert events(db, MESSAGE_KIND) == [("task", 7, {"text": "Tarjous liitteenä"})]
    with pytest.raises(MessageRefused):
        hooks.myynti_send_message(
            db=db, tenant=tenant, message=OutgoingMessage(entity="task", record_id=7)
        )
    assert without.myynti_send_message(db=db, tenant=tenant, message=message) is None


# --- bulk writes -----------------------------------------------------------------


def test_myynti_records_created_in_bulk_reaches_every_installed_plugin(
    db: Any, make_tenant: Any, registry: PluginRegistry
) -> None:
    """Called on the plugin manager, as ``core.bulk`` does: also for a tenant without the
    plugin, whose derived data (a summary kept by ORM listeners) must stay whole too."""
    tenant = make_tenant("ilman", "Ilman Oy")
    set_tenant(db, tenant.id)

    registry.pm.hook.myynti_records_created_in_bulk(
        db=db, tenant_id=tenant.id, entity="task", ids=[3, 4]
    )

    assert events(db, BULK_KIND) == [
        ("all_hooks_bulk", tenant.id, {"entity": "task", "ids": [3, 4]})
    ]
