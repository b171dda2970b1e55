from typing import Any

from core import Link, Permission, hookimpl
from tests.platform_plugins import SETUP_CALLS


@hookimpl
def myynti_permissions() -> list[Permission]:
    return [Permission("beta:thing:view", {"fi": "Näe beeta", "en": "See beta"})]


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    if slot != "navigation" or request.tenant is None:
        return []
    return [Link({"fi": "Beeta", "en": "Beta"}, request.route_url("alpha_page"), order=60)]


@hookimpl
def myynti_tenant_setup(tenant: Any) -> None:
    SETUP_CALLS.append(("beta", tenant.slug))
