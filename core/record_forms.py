"""How an entity's owner lets other plugins extend its forms, lists and CSV files.

The owner of an entity (contacts for customers, workflow for tasks) builds its
form class through :func:`form_class`, renders :func:`extension_sections` after
its own fields (``core:templates/record_forms.pt`` has a macro for it), and
calls :func:`save_extensions` once the form is valid and applied to the record.
Lists add :func:`list_columns` and :func:`list_filters` (and page a list sorted
by an extra column with :func:`sorted_page`); CSV import and export add
:func:`csv_columns`. The owner never knows which plugin (custom_fields, a
partner's) contributed the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session
from wtforms import Form
from wtforms.fields import Field

from core.contract import Label

FormT = TypeVar("FormT", bound=Form)


@dataclass(frozen=True)
class ListColumn:
    """An extra column of an entity's list: ``getter(record)`` gives the cell.

    ``sort``, when given, is a SQL expression the owner may order the list by.
    ``sort_values``, when given too, is a subquery of ``(record_id, value)``
    for the records that hold a value, which :func:`sorted_page` reads in the
    order of an index instead of ordering the whole list.
    """

    key: str
    label: Label
    getter: Callable[[Any], Any]
    sort: Any = None
    sort_values: Any = None


@dataclass(frozen=True)
class ListFilter:
    """An extra filter of an entity's list, read from the query string.

    ``kind`` says how it is shown: ``"select"`` (``options`` of ``(value,
    label)``; parameter ``key``), ``"range"`` (parameters ``key_from`` and
    ``key_to``, inputs of ``input_type``) or ``"text"`` (parameter ``key``).
    ``condition`` is the SQL condition for the values the request gave, or None
    when the filter is not in use.
    """

    key: str
    label: Label
    kind: str = "text"
    options: tuple[tuple[str, Label], ...] = ()
    input_type: str = "text"
    condition: Any = None


@dataclass(frozen=True)
class CsvColumn:
    """An extra column of an entity's CSV export and import.

    ``read(record)`` gives the exported text; ``parse(text)`` the value to
    import, raising ``ValueError(message)`` (a translation string) when the
    text will not do; ``write(record, value)`` stores a parsed value on a
    record. ``headers`` are other header names that map to the column by
    themselves on import. ``required`` says an import must map a column to it
    and no cell of it may be empty: the owner refuses a mapping that leaves it
    out, and ``parse`` refuses an empty text.
    """

    key: str
    label: Label
    read: Callable[[Any], str]
    parse: Callable[[str], Any]
    write: Callable[[Any, Any], None]
    headers: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class ApiValues:
    """Values a plugin adds to an entity's records in the HTTP API: one JSON object.

    The object sits under ``key`` in the record's representation; ``schema``
    is its JSON Schema (for the tenant's own definitions, or generic).
    ``read(record)`` gives the object. ``check(record, given)`` checks the
    object a caller sent (``record`` is None for a new record, and then the
    values a new record must have are checked too) and returns what to store;
    it raises ``core.contract.FieldErrors`` keyed by the object's member
    names. ``save(request, record, checked, created)`` stores them and tells
    the record's history as the plugin's form does.
    """

    key: str
    schema: Mapping[str, Any]
    read: Callable[[Any], dict[str, Any]] | None = None
    check: Callable[[Any, Mapping[str, Any]], dict[str, Any]] | None = None
    save: Callable[[Any, Any, dict[str, Any], bool], None] | None = None


def api_values(request: Any, entity: Any) -> list[ApiValues]:
    """The value objects plugins add to the API records of ``entity`` (an ``EntityType``)."""
    return _collected(request.plugins.myynti_api_values(request=request, entity=entity))


def _collected(results: list[list[Any] | None]) -> list[Any]:
    return [item for items in results if items for item in items]


def form_class(request: Any, entity: str, base: type[FormT]) -> type[FormT]:
    """``base`` with the fields plugins add to ``entity``'s form, or ``base`` itself.

    Fields keep the order plugins give; ``_extension_sections`` records which
    section each belongs to, for :func:`extension_sections`. A field given with
    a loader (a fourth item) gets its data from ``loader(obj)`` when the form
    is bound to an existing record.
    """
    extras = _collected(request.plugins.myynti_form_fields(request=request, entity=entity))
    if not extras:
        return base
    attrs: dict[str, Any] = {item[0]: item[2] for item in extras}
    loaders = {item[0]: item[3] for item in extras if len(item) > 3 and item[3] is not None}
    sections: dict[str, list[str]] = {}
    for item in extras:
        sections.setdefault(item[1] or "", []).append(item[0])
    attrs["_extension_sections"] = tuple((title, tuple(names)) for title, names in sections.items())
    if loaders:
        attrs["process"] = _process_with_loaders(base, loaders)
    return type(base.__name__, (base,), attrs)


def _process_with_loaders(base: type[Form], loaders: Mapping[str, Callable[[Any], Any]]) -> Any:
    def process(
        self: Form, formdata: Any = None, obj: Any = None, data: Any = None, **kw: Any
    ) -> None:
        if obj is not None:
            kw = {**{name: load(obj) for name, load in loaders.items()}, **kw}
        base.process(self, formdata, obj, data, **kw)

    return process


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


def sorted_page(
    db: Session,
    query: Select[Any],
    record_id: Any,
    column: ListColumn,
    descending: bool,
    offset: int,
    limit: int,
) -> list[Any]:
    """One page of ``query`` (the owner's records, filtered, not ordered) sorted by ``column``.

    ``record_id`` is the id column of the owner's model. With
    ``column.sort_values`` the records holding a value come first, in the
    value's order (ties by id), read through a join in the order of the
    values' index, and the records without a value follow by id, in either
    direction; the second part is read only on the page where the first ends.
    Without it the query is ordered by ``column.sort``.
    """
    if column.sort_values is None:
        order = (column.sort.desc(), record_id.desc()) if descending else (column.sort, record_id)
        return list(db.scalars(query.order_by(*order).limit(limit).offset(offset)))
    values = column.sort_values
    held = query.join(values, values.c.record_id == record_id)
    order = (values.c.value.desc(), record_id.desc()) if descending else (values.c.value, record_id)
    rows = list(db.scalars(held.order_by(*order).limit(limit).offset(offset)))
    if len(rows) == limit:
        return rows
    skip = 0
    if not rows and offset:
        total = db.scalar(
            select(func.count()).select_from(held.with_only_columns(record_id).subquery())
        )
        skip = offset - total
    empty = query.where(~exists().where(values.c.record_id == record_id))
    rest = empty.order_by(record_id.desc() if descending else record_id)
    rows += db.scalars(rest.limit(limit - len(rows)).offset(skip))
    return rows


def list_filters(request: Any, entity: str) -> list[ListFilter]:
    """The extra filters plugins add to ``entity``'s list, set from ``request.GET``."""
    return _collected(
        request.plugins.myynti_list_filters(request=request, entity=entity, params=request.GET)
    )


def filter_conditions(filters: list[ListFilter]) -> tuple[Any, ...]:
    """The SQL conditions of the filters in use, for the owner's query."""
    return tuple(f.condition for f in filters if f.condition is not None)


def csv_columns(request: Any, entity: str) -> list[CsvColumn]:
    """The extra columns plugins add to ``entity``'s CSV export and import."""
    return _collected(request.plugins.myynti_csv_columns(request=request, entity=entity))
