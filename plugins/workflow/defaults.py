"""A tenant's starting point when it enables the plugin: one sales process and activity types.

Run once per tenant through ``myynti_tenant_setup``; the admin changes
everything afterwards. Probabilities are the usual rule of thumb for a small
company's pipeline.
"""

from __future__ import annotations

from typing import Any

from core.i18n import in_every_language
from plugins.workflow import _
from plugins.workflow.models import ActivityType, Stage, StageKind, Workflow

DEFAULT_WORKFLOW = _("Sales")

DEFAULT_STAGES = (
    (_("New"), StageKind.OPEN, 10),
    (_("Contacted"), StageKind.OPEN, 20),
    (_("Needs analysis"), StageKind.OPEN, 40),
    (_("Quote"), StageKind.OPEN, 60),
    (_("Negotiation"), StageKind.OPEN, 80),
    (_("Won"), StageKind.WON, 100),
    (_("Lost"), StageKind.LOST, 0),
)

#: ``(key, name, counts in statistics)``: a comment is a note, not sales work.
DEFAULT_ACTIVITY_TYPES = (
    ("call", _("Call"), True),
    ("meeting", _("Meeting"), True),
    ("demo", _("Demo"), True),
    ("email", _("E-mail"), True),
    ("todo", _("To-do"), True),
    ("comment", _("Comment"), False),
)


def set_up_tenant(db: Any, tenant: Any) -> None:
    """The default workflow and activity types, in the session already scoped to ``tenant``."""
    workflow = Workflow(name=in_every_language(DEFAULT_WORKFLOW), position=0)
    db.add(workflow)
    db.flush()
    for position, (name, kind, probability) in enumerate(DEFAULT_STAGES):
        db.add(
            Stage(
                workflow_id=workflow.id,
                name=in_every_language(name),
                kind=kind,
                probability=probability,
                position=position,
            )
        )
    for position, (key, name, counts) in enumerate(DEFAULT_ACTIVITY_TYPES):
        db.add(
            ActivityType(
                key=key,
                name=in_every_language(name),
                counts_in_statistics=counts,
                position=position,
            )
        )
    db.flush()
