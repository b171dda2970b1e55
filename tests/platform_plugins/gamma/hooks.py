from typing import Any

from core import hookimpl
from tests.platform_plugins import SETUP_CALLS


@hookimpl
def myynti_tenant_setup(tenant: Any) -> None:
    SETUP_CALLS.append(("gamma", tenant.slug))
