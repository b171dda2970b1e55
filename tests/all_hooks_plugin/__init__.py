"""A test plugin that implements every hookspec of core (tests/test_hooks.py calls each).

It is both the plugin's package and its hooks module. (A package, not a module:
core maps a view to its plugin by the package the view was configured in.) What
each hook does is small but observable: a row, a history event, a link, a
panel. tests/test_contract.py fails when a hookspec is missing here.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pyramid.response import Response
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import Length

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
    Plugin,
    RecordAction,
    StageAction,
    hookimpl,
)
from core.history import record_event
from core.hookspecs import hookspec
from core.models import Team, TeamMember, Tenant
from core.record_forms import ApiValues, CsvColumn, ListFilter

plugin = Plugin(
    name="all_hooks",
    title={"fi": "Kaikki koukut", "en": "All hooks"},
    version="0.0.1",
    package="tests.all_hooks_plugin",
    hooks_module="tests.all_hooks_plugin",
)

PAGE_PERMISSION = "all_hooks:page:view"
ENTITY = "all_hooks_team"
SET_UP_TEAM = "Set up by all_hooks"
DEMO_TEAM = "Demo team of all_hooks"
ACTION_KIND = "all_hooks_action"
MOTTO_MAX = 50


class PublishedSpecs:
    """The hookspec this plugin publishes for plugins that would depend on it."""

    @hookspec
    def myynti_all_hooks_published(self) -> list[str]:
        """Return names for the all_hooks plugin."""


@hookimpl
def myynti_addhooks(pluginmanager: Any) -> None:
    pluginmanager.add_hookspecs(PublishedSpecs)


@hookimpl
def myynti_configure(config: Any) -> None:
    config.add_tenant_route("all_hooks_page", "/all-hooks")
    config.add_view(page, route_name="all_hooks_page", permission=PAGE_PERMISSION)


def page(request: Any) -> Response:
    return Response("All hooks page of " + request.tenant.name)


@hookimpl
def myynti_tenant_setup(db: Any, tenant: Any) -> None:
    db.add(Team(tenant_id=tenant.id, name=SET_UP_TEAM))


@hookimpl
def myynti_demo_data(db: Any, tenant: Any, users: list[Any]) -> None:
    team = Team(tenant_id=tenant.id, name=DEMO_TEAM)
    db.add(team)
    db.flush()
    db.add_all(TeamMember(tenant_id=tenant.id, team_id=team.id, user_id=u.id) for u in users)


@hookimpl
def myynti_permissions() -> list[Permission]:
    return [Permission(PAGE_PERMISSION, {"fi": "Näe", "en": "See"}, roles=("admin", "member"))]


@hookimpl
def myynti_entities() -> list[EntityType]:
    return [
        EntityType(
            name=ENTITY,
            model=Team,
            label={"fi": "Tiimi", "en": "Team"},
            plural={"fi": "Tiimit", "en": "Teams"},
            permission=PAGE_PERMISSION,
        )
    ]


@hookimpl
def myynti_form_fields(entity: str) -> list[tuple[str, str, Any]]:
    if entity != ENTITY:
        return []
    return [("motto", "extra", StringField("Motto", [Length(max=MOTTO_MAX)]))]


@hookimpl
def myynti_form_saved(request: Any, entity: str, record: Any, form: Any) -> None:
    if entity == ENTITY:
        record_event(request.db, entity, record.id, ACTION_KIND, {"text": form.motto.data})


@hookimpl
def myynti_list_columns(entity: str) -> list[tuple[str, Any, Any]]:
    if entity != ENTITY:
        return []
    return [("initial", {"fi": "Alkukirjain", "en": "Initial"}, lambda record: record.name[:1])]


@hookimpl
def myynti_list_filters(entity: str, params: Any) -> list[ListFilter]:
    if entity != ENTITY:
        return []
    initial = params.get("initial", "")[:1]
    condition = Team.name.startswith(initial) if initial else None
    return [ListFilter("initial", {"fi": "Alkukirjain", "en": "Initial"}, condition=condition)]


@hookimpl
def myynti_csv_columns(entity: str) -> list[CsvColumn]:
    if entity != ENTITY:
        return []

    def parse(text: str) -> str:
        if len(text) > MOTTO_MAX:
            raise ValueError("Too long")
        return text

    def write(record: Any, value: str) -> None:
        record.name = f"{record.name} ({value})"

    return [CsvColumn("initial", "Initial", read=lambda r: r.name[:1], parse=parse, write=write)]


MOTTO_SCHEMA = {"type": "object", "properties": {"motto": {"type": "string"}}}


@hookimpl
def myynti_api_values(request: Any, entity: Any) -> list[ApiValues]:
    """A team's motto as the ``all_hooks`` object of its API record, kept in its name."""
    if entity.name != ENTITY:
        return []
    if request is None:
        return [ApiValues("all_hooks", {"type": "object"})]

    def check(record: Any, given: Any) -> dict[str, Any]:
        if len(given.get("motto", "")) > MOTTO_MAX:
            raise FieldErrors({"motto": "Too long"})
        return dict(given)

    def save(request: Any, record: Any, checked: dict[str, Any], created: bool) -> None:
        record.name = f"{record.name} ({checked['motto']})"

    return [
        ApiValues(
            "all_hooks",
            MOTTO_SCHEMA,
            read=lambda r: {"initial": r.name[:1]},
            check=check,
            save=save,
        )
    ]


def note_action(db: Any, tenant: Any, task: Any, options: dict[str, Any]) -> None:
    record_event(db, "task", task.id, ACTION_KIND, {"text": options.get("text", "")})


def pin_team(request: Any, team: Any, body: dict[str, Any]) -> dict[str, Any]:
    """A record action: refuses an empty motto, else renames the team with it."""
    if not body.get("motto"):
        raise ActionRefused("Give a motto.", "motto")
    team.name = f"{team.name} ({body['motto']})"
    return {"id": team.id, "name": team.name}


@hookimpl
def myynti_record_actions() -> list[RecordAction]:
    body = {"type": "object", "properties": {"motto": {"type": "string"}}}
    return [RecordAction("team", "pin", "core:teams:manage", body, pin_team, "Pin a motto")]


@hookimpl
def myynti_stage_actions() -> list[StageAction]:
    return [StageAction("all_hooks_note", {"fi": "Kirjaa", "en": "Log"}, run=note_action)]


@hookimpl
def myynti_stage_changed(db: Any, task: Any, old_stage: Any, new_stage: Any) -> None:
    record_event(
        db, "task", task.id, "stage_changed", {"from": old_stage.name, "to": new_stage.name}
    )


@hookimpl
def myynti_links(request: Any, slot: str, context: Any) -> list[Link]:
    if not request.has_permission(PAGE_PERMISSION):
        return []
    if slot == "navigation":
        return [
            Link({"fi": "Kaikki koukut", "en": "All hooks"}, request.route_url("all_hooks_page"))
        ]
    if slot == "page_actions" and context is not None:
        return [Link("Act on " + context.name, request.route_url("all_hooks_page"), method="post")]
    return []


@hookimpl
def myynti_panels(request: Any, slot: str) -> list[Panel]:
    if slot != "dashboard" or not request.has_permission(PAGE_PERMISSION):
        return []
    return [
        Panel(
            title={"fi": "Kaikki koukut", "en": "All hooks"},
            template="core:templates/panels/my_teams.pt",
            data={"teams": [SimpleNamespace(name="Panel of all_hooks")]},
            key="all-hooks",
        )
    ]


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [EventKind(ACTION_KIND, {"fi": "Kirjattu", "en": "Logged"}, "⚙")]


def log_job(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    record_event(db, "tenant", tenant.id, ACTION_KIND, payload)


@hookimpl
def myynti_jobs() -> list[JobType]:
    return [JobType("all_hooks_log", run=log_job)]


def count_tenants(db: Any) -> int:
    """A periodic job's work: it runs across tenants, so it sees them all."""
    return db.scalar(select(func.count()).select_from(Tenant))


@hookimpl
def myynti_periodic_jobs() -> list[PeriodicJob]:
    return [PeriodicJob("all_hooks_sweep", interval=300, run=count_tenants)]


MESSAGE_KIND = "all_hooks_message"
TEMPLATE_KEY = "greeting"


@hookimpl
def myynti_message_templates(channel: str) -> list[tuple[str, Any]]:
    if channel != "email":
        return []
    return [(TEMPLATE_KEY, {"fi": "Tervehdys", "en": "Greeting"})]


@hookimpl
def myynti_send_message(db: Any, message: OutgoingMessage) -> int:
    """'Sends' by writing the message into the record's history; refuses an empty one."""
    if not (message.template or message.body):
        raise MessageRefused("Viestissä ei ole tekstiä")
    event = record_event(
        db,
        message.entity,
        message.record_id,
        MESSAGE_KIND,
        {"text": message.body or message.template},
    )
    db.flush()
    return event.id


BULK_KIND = "all_hooks_bulk"


@hookimpl
def myynti_records_created_in_bulk(db: Any, tenant_id: int, entity: str, ids: list[int]) -> None:
    """Catches up as a summary would: here, one history line naming the new rows."""
    record_event(db, "all_hooks_bulk", tenant_id, BULK_KIND, {"entity": entity, "ids": ids})
    db.flush()
