from typing import Any

from core import EntityType, hookimpl
from core.models import Team
from plugins.contacts.requests.conversion import ConversionRefused, ConversionTarget


def make_deal(db: Any, contact_request: Any, user: Any) -> tuple[str, int]:
    if "refuse" in contact_request.subject:
        raise ConversionRefused("The deal plugin refuses this one.")
    deal = Team(name=f"Deal {contact_request.id}: {contact_request.subject}"[:120])
    db.add(deal)
    db.flush()
    return "deal", deal.id


@hookimpl
def myynti_request_conversions(request: Any, contact_request: Any) -> list[ConversionTarget]:
    return [ConversionTarget("deal", {"fi": "Kauppa", "en": "Deal"}, make_deal)]


@hookimpl
def myynti_entities() -> list[EntityType]:
    return [
        EntityType(
            name="deal",
            model=Team,
            label={"fi": "Kauppa", "en": "Deal"},
            plural={"fi": "Kaupat", "en": "Deals"},
        )
    ]
