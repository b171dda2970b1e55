from typing import Any

from core import hookimpl
from tests.cli_plugins import DEMO_CALLS


@hookimpl
def myynti_demo_data(db: Any, tenant: Any, users: list[Any]) -> None:
    DEMO_CALLS.append(("beta", tenant.slug, tuple(u.email for u in users)))
