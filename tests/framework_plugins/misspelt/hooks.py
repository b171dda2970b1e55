from typing import Any

from core import hookimpl


@hookimpl
def myynti_links(requets: Any, slot: str) -> list[Any]:
    return []
