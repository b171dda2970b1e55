from typing import Any

from core import hookimpl
from core.models import Team
from tests.cli_plugins import DEMO_CALLS

#: The team ``myynti_tenant_setup`` makes: proof that set-up ran, and data to keep.
SETUP_TEAM = "Alpha set-up"
#: The team ``myynti_demo_data`` makes, in the tenant the session is scoped to.
DEMO_TEAM = "Alpha demo"


@hookimpl
def myynti_tenant_setup(db: Any, tenant: Any) -> None:
    db.add(Team(name=SETUP_TEAM))


@hookimpl
def myynti_demo_data(db: Any, tenant: Any, users: list[Any]) -> None:
    DEMO_CALLS.append(("alpha", tenant.slug, tuple(u.email for u in users)))
    db.add(Team(name=DEMO_TEAM))
