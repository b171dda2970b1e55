"""The record page's "additional information" panel: the record's custom values."""

from __future__ import annotations

from typing import Any

from core import Panel
from plugins.custom_fields import _, values
from plugins.custom_fields.definitions import active_fields, members


def record_panel(request: Any, entity: str, record: Any) -> list[Panel]:
    """One panel with the values the record has, by section; none when it has none."""
    locale = request.locale_name
    people = members(request)
    stored = record.custom_values or {}
    sections: dict[str, list[tuple[str, str]]] = {}
    for field in active_fields(request, entity):
        shown = values.display(field, stored.get(field.key), locale, people)
        if shown:
            sections.setdefault(field.section, []).append((field.label_for(locale), shown))
    if not sections:
        return []
    return [
        Panel(
            title=_("Additional information"),
            template="plugins.custom_fields:templates/panel.pt",
            data={"sections": list(sections.items())},
            order=20,
            key="custom-fields",
        )
    ]
