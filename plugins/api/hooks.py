"""The API plugin's hook implementations."""

from __future__ import annotations

from typing import Any

from core import Link, Permission, hookimpl
from plugins.api.permissions import ApiPermission
from plugins.api.views.tokens import token_links


@hookimpl
def myynti_configure(config: Any) -> None:
    config.include("plugins.api.routes")


@hookimpl
def myynti_permissions() -> list[Permission]:
    return ApiPermission.declarations()


@hookimpl
def myynti_links(request: Any, slot: str) -> list[Link]:
    return token_links(request, slot)
