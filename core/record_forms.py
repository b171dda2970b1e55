"""How an entity's owner lets other plugins extend its forms and lists.

The owner of an entity (contacts for customers, workflow for tasks) builds its
form class through :func:`form_class`, renders :func:`extension_sections` after
its own fields, and calls :func:`save_extensions` once the form is valid and
applied to the record. Lists add :func:`list_columns`. The owner never knows
which plugin (custom_fields, a partner's) contributed the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from wtforms import Form
from wtforms.fields import Field

from core.contract import Label

FormT = TypeVar("FormT", bound=Form)


@dataclass(frozen=True)
class ListColumn:
    """An extra column of an entity's list: ``getter(record)`` gives the cell."""

    key: str
    label: Label
    getter: Callable[[Any], Any]


def _collected(results: list[list[Any] | None]) -> list[Any]:
    return [item for items in results if items for item in items]


def form_class(request: Any, entity: str, base: type[FormT]) -> type[FormT]:
    """``base`` with the fields plugins add to ``entity``'s form, or ``base`` itself.

    Fields keep the order plugins give; ``_extension_sections`` records which
    section each belongs to, for :func:`extension_sections`.
    """
    extras = _collected(request.plugins.myynti_form_fields(request=request, entity=entity))
    if not extras:
        return base
    attrs: dict[str, Any] = {name: field for name, _section, field in extras}
    sections: dict[str, list[str]] = {}
    for name, section, _field in extras:
        sections.setdefault(section or "", []).append(name)
    attrs["_extension_sections"] = tuple((title, tuple(names)) for title, names in sections.items())
    return type(base.__name__, (base,), attrs)


def extension_sections(form: Form) -> list[tuple[str, list[Field]]]:
    """The bound extra fields of ``form`` as ``(section title, fields)``, in order."""
    return [
        (title, [form[name] for name in names])
        for title, names in getattr(form, "_extension_sections", ())
    ]


def save_extensions(request: Any, entity: str, record: Any, form: Form) -> None:
    """Let the plugins that added fields store their values on ``record``."""
    if getattr(form, "_extension_sections", ()):
        request.plugins.myynti_form_saved(request=request, entity=entity, record=record, form=form)


def list_columns(request: Any, entity: str) -> list[ListColumn]:
    """The extra columns plugins add to ``entity``'s list."""
    columns = _collected(request.plugins.myynti_list_columns(request=request, entity=entity))
    return [column if isinstance(column, ListColumn) else ListColumn(*column) for column in columns]
