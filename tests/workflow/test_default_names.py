"""A new tenant's workflow, stages and activity types are named in every language,
from the workflow plugin's catalogue."""

from sqlalchemy import select

from core.db import set_tenant
from plugins.workflow.models import ActivityType, Stage, Workflow


def test_the_defaults_are_stored_in_finnish_swedish_and_english(db, make_tenant):
    tenant = make_tenant("acme", plugins=("workflow",))
    set_tenant(db, tenant.id)
    (workflow,) = db.scalars(select(Workflow))
    assert workflow.name == {"fi": "Myynti", "sv": "Försäljning", "en": "Sales"}
    stages = list(db.scalars(select(Stage).order_by(Stage.position)))
    assert stages[0].name == {"fi": "Uusi", "sv": "Ny", "en": "New"}
    assert stages[-1].name == {"fi": "Hävitty", "sv": "Förlorad", "en": "Lost"}
    call = db.scalar(select(ActivityType).where(ActivityType.key == "call"))
    assert call.name == {"fi": "Puhelu", "sv": "Samtal", "en": "Call"}
