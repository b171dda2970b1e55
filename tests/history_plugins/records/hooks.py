from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select

from core import EntityType, EventKind, hookimpl
from core.models import Team


@hookimpl
def myynti_configure(config: Any) -> None:
    config.add_tenant_route("records_team", "/records/{id:\\d+}")
    config.add_view(
        team_page,
        route_name="records_team",
        renderer="tests.history_plugins.records:templates/team.pt",
        permission="core:history:view",
    )


def team_page(request: Any) -> dict[str, Any]:
    team = request.db.scalar(select(Team).where(Team.id == int(request.matchdict["id"])))
    if team is None:
        raise HTTPNotFound()
    request.page_context = team
    return {"team": team}


@hookimpl
def myynti_entities() -> list[EntityType]:
    return [
        EntityType(
            name="team",
            model=Team,
            label={"fi": "Tiimi", "en": "Team"},
            plural={"fi": "Tiimit", "en": "Teams"},
            route_name="records_team",
            attachments=True,
        )
    ]


@hookimpl
def myynti_event_kinds() -> list[EventKind]:
    return [EventKind("stage_changed", {"fi": "Vaihe vaihtui", "en": "Stage changed"}, "→")]
