"""A tenant's starting point when it enables the plugin: one sales process and activity types.

Run once per tenant through ``myynti_tenant_setup``; the admin changes
everything afterwards. Probabilities are the usual rule of thumb for a small
company's pipeline.
"""

from __future__ import annotations

from typing import Any

from plugins.workflow.models import ActivityType, Stage, StageKind, Workflow

DEFAULT_WORKFLOW = {"fi": "Myynti", "sv": "Försäljning", "en": "Sales"}

DEFAULT_STAGES = (
    ({"fi": "Uusi", "sv": "Ny", "en": "New"}, StageKind.OPEN, 10),
    ({"fi": "Kontaktoitu", "sv": "Kontaktad", "en": "Contacted"}, StageKind.OPEN, 20),
    ({"fi": "Tarvekartoitus", "sv": "Behovsanalys", "en": "Needs analysis"}, StageKind.OPEN, 40),
    ({"fi": "Tarjous", "sv": "Offert", "en": "Quote"}, StageKind.OPEN, 60),
    ({"fi": "Neuvottelu", "sv": "Förhandling", "en": "Negotiation"}, StageKind.OPEN, 80),
    ({"fi": "Voitettu", "sv": "Vunnen", "en": "Won"}, StageKind.WON, 100),
    ({"fi": "Hävitty", "sv": "Förlorad", "en": "Lost"}, StageKind.LOST, 0),
)

#: ``(key, name, counts in statistics)``: a comment is a note, not sales work.
DEFAULT_ACTIVITY_TYPES = (
    ("call", {"fi": "Puhelu", "sv": "Samtal", "en": "Call"}, True),
    ("meeting", {"fi": "Tapaaminen", "sv": "Möte", "en": "Meeting"}, True),
    ("demo", {"fi": "Esittely", "sv": "Demo", "en": "Demo"}, True),
    ("email", {"fi": "Sähköposti", "sv": "E-post", "en": "E-mail"}, True),
    ("todo", {"fi": "Tehtävä", "sv": "Att göra", "en": "To-do"}, True),
    ("comment", {"fi": "Kommentti", "sv": "Kommentar", "en": "Comment"}, False),
)


def set_up_tenant(db: Any, tenant: Any) -> None:
    """The default workflow and activity types, in the session already scoped to ``tenant``."""
    workflow = Workflow(name=dict(DEFAULT_WORKFLOW), position=0)
    db.add(workflow)
    db.flush()
    for position, (name, kind, probability) in enumerate(DEFAULT_STAGES):
        db.add(
            Stage(
                workflow_id=workflow.id,
                name=dict(name),
                kind=kind,
                probability=probability,
                position=position,
            )
        )
    for position, (key, name, counts) in enumerate(DEFAULT_ACTIVITY_TYPES):
        db.add(
            ActivityType(key=key, name=dict(name), counts_in_statistics=counts, position=position)
        )
    db.flush()
