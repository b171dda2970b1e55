"""Custom fields on an entity's list: columns, filters and sorting, and CSV columns.

Filters and sorting read ``custom_value_index`` (see
:mod:`plugins.custom_fields.value_index`): a filter is ``id IN (the records
whose row for the field matches)``, with plain comparisons of text, numbers
and dates that PostgreSQL serves from an index even under row-level security,
and that read the same on SQLite; several filters in use are one intersection
of index rows. A text filter ("contains") stays on the
record's JSON: no index serves a match in the middle of a text, and the JSON
has a long text whole. A sortable column also gives the owner ``sort_values``
(see ``core.record_forms.sorted_page``), so a sorted page is read in the
index's order; ``sort`` orders by the JSON element for owners that order a
whole query.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Select, func, intersect, select

from core import cache
from core.db import current_tenant_id
from core.record_forms import CsvColumn, ListColumn, ListFilter
from plugins.custom_fields import _, values
from plugins.custom_fields.definitions import (
    active_fields,
    custom_entities,
    kept_fields,
    members,
)
from plugins.custom_fields.models import CustomField, CustomValueIndex, FieldType
from plugins.custom_fields.record_fields import PREFIX

RANGE_INPUTS = {
    FieldType.DATE: "date",
    FieldType.INTEGER: "number",
    FieldType.DECIMAL: "number",
    FieldType.MONEY: "number",
}
SELECTS = (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO, FieldType.USER)
NUMBER_COLUMN = (
    FieldType.INTEGER,
    FieldType.DECIMAL,
    FieldType.MONEY,
    FieldType.YES_NO,
    FieldType.USER,
)


def element(model: type, field: CustomField) -> Any:
    """The SQL expression of ``field``'s value on ``model``, typed for comparing."""
    value = model.custom_values[field.key]
    if field.type == FieldType.INTEGER:
        return value.as_integer()
    if field.type in (FieldType.DECIMAL, FieldType.MONEY):
        return value.as_float()
    if field.type == FieldType.YES_NO:
        return value.as_boolean()
    return value.as_string()


def indexed_value(field: CustomField) -> Any:
    """The column of ``custom_value_index`` that holds ``field``'s values."""
    if field.type == FieldType.DATE:
        return CustomValueIndex.date_value
    if field.type in NUMBER_COLUMN:
        return CustomValueIndex.number_value
    return CustomValueIndex.text_value


def holding_records(request: Any, model: type, field: CustomField) -> Select[Any]:
    """The ids of the records of ``model`` holding a value of ``field``, in this tenant.

    The tenant is named here as well as by the session's filter, so the
    condition leads the index (and another tenant's rows never match).
    """
    return select(CustomValueIndex.record_id).where(
        CustomValueIndex.tenant_id == current_tenant_id(request.db),
        CustomValueIndex.record_table == model.__tablename__,
        CustomValueIndex.field_key == field.key,
    )


def _sort_values(request: Any, model: type, field: CustomField) -> Any:
    """``(record_id, value)`` of the records that hold a value of ``field``."""
    column = indexed_value(field)
    return (
        holding_records(request, model, field)
        .add_columns(column.label("value"))
        .where(column.is_not(None))
        .subquery()
    )


def list_columns(request: Any, entity: str) -> list[ListColumn]:
    """The list's columns, kept per process for the tenant, entity and language.

    They follow from the definitions, the members and the tenant, each of which moves
    the tenant's cache version when it changes; the readers read the process's own
    copies of the definitions (``kept_fields``), never a request's.
    """
    locale = request.locale_name
    return cache.cached(
        request, ("list_columns", entity, locale), lambda: _list_columns(request, entity, locale)
    )


def _list_columns(request: Any, entity: str, locale: str) -> list[ListColumn]:
    model = _model(request, entity)
    if model is None:
        return []
    people = members(request)
    return [
        _column(request, model, field, _reader(field, locale, people))
        for field in kept_fields(request, entity)
        if field.show_in_list
    ]


def _column(request: Any, model: type, field: CustomField, reader: Any) -> ListColumn:
    label = field.label_for(request.locale_name)
    if field.type == FieldType.MULTI_CHOICE:
        return ListColumn(PREFIX + field.key, label, reader)
    return ListColumn(
        PREFIX + field.key,
        label,
        reader,
        sort=element(model, field),
        sort_values=_sort_values(request, model, field),
    )


def _reader(field: CustomField, locale: str, people: dict[int, str]) -> Any:
    def read(record: Any) -> str:
        return values.display(field, (record.custom_values or {}).get(field.key), locale, people)

    return read


def list_filters(request: Any, entity: str, params: Any) -> list[ListFilter]:
    model = _model(request, entity)
    if model is None:
        return []
    built = [
        _filter(request, model, field, params)
        for field in active_fields(request, entity)
        if field.filterable
    ]
    return _combined(model, built)


def _combined(model: type, built: list[tuple[ListFilter, Select[Any] | None]]) -> list[ListFilter]:
    """The filters, those read from the index sharing one condition.

    Several in use are one ``id IN (… INTERSECT …)``: the database intersects
    their index rows before it reads a record, whatever it guesses of each
    filter's size. The first of them carries the condition, the others none,
    so the owner applies it once.
    """
    selections = [rows for _filter, rows in built if rows is not None]
    if not selections:
        return [list_filter for list_filter, _rows in built]
    matching = selections[0] if len(selections) == 1 else intersect(*selections)
    condition = model.id.in_(matching)
    filters = []
    for list_filter, rows in built:
        if rows is not None:
            list_filter = replace(list_filter, condition=condition)
            condition = None
        filters.append(list_filter)
    return filters


def _filter(
    request: Any, model: type, field: CustomField, params: Any
) -> tuple[ListFilter, Select[Any] | None]:
    """The filter of ``field``, and the ids it keeps when it is in use and read from the index."""
    key = PREFIX + field.key
    label = field.label_for(request.locale_name)
    if field.type in SELECTS:
        options = _options(request, field)
        chosen = params.get(key, "")
        rows = None
        if chosen in {value for value, _label in options}:
            rows = holding_records(request, model, field).where(_equals(field, chosen))
        return ListFilter(key, label, "select", tuple(options)), rows
    if field.type in RANGE_INPUTS:
        low = _bound(field, params.get(key + "_from", ""))
        high = _bound(field, params.get(key + "_to", ""))
        column = indexed_value(field)
        parts = [
            c
            for c in (low is not None and column >= low, high is not None and column <= high)
            if c is not False
        ]
        rows = holding_records(request, model, field).where(*parts) if parts else None
        return ListFilter(key, label, "range", input_type=RANGE_INPUTS[field.type]), rows
    text = params.get(key, "").strip()[:100]
    condition = func.lower(element(model, field)).contains(text.lower()) if text else None
    return ListFilter(key, label, "text", condition=condition), None


def _options(request: Any, field: CustomField) -> list[tuple[str, Any]]:
    locale = request.locale_name
    if field.type == FieldType.YES_NO:
        return [("1", _("Yes")), ("0", _("No"))]
    if field.type == FieldType.USER:
        return [(str(uid), names.split("\n")[0]) for uid, names in members(request).items()]
    return [(c["value"], field.choice_label(c["value"], locale)) for c in field.choices]


def _equals(field: CustomField, chosen: str) -> Any:
    """``field``'s index column equals the option ``chosen`` (a list matches by item)."""
    if field.type == FieldType.YES_NO:
        return CustomValueIndex.number_value == (1 if chosen == "1" else 0)
    if field.type == FieldType.USER:
        return CustomValueIndex.number_value == int(chosen)
    return CustomValueIndex.text_value == chosen


def _bound(field: CustomField, text: str) -> Any:
    """A range end from the query string; one that does not parse is ignored."""
    try:
        bound = values.parse(field, text[:40])
    except values.BadValue:
        return None
    if bound is not None and field.type == FieldType.DATE:
        return date.fromisoformat(bound)
    return bound


def csv_columns(request: Any, entity: str) -> list[CsvColumn]:
    if _model(request, entity) is None:
        return []
    locale = request.locale_name
    people = members(request)
    return [
        CsvColumn(
            field.key,
            field.label_for(locale),
            read=_csv_reader(field, people),
            parse=_csv_parser(field, people, locale),
            write=_writer(field),
            headers=tuple({v.lower() for v in field.label.values() if v}),
            required=field.required,
        )
        for field in active_fields(request, entity)
    ]


def _csv_reader(field: CustomField, people: dict[int, str]) -> Any:
    def read(record: Any) -> str:
        value = (record.custom_values or {}).get(field.key)
        if field.type == FieldType.USER and value is not None:
            return people.get(value, "").split("\n")[-1]
        return values.as_text(field, value)

    return read


def _csv_parser(field: CustomField, people: dict[int, str], locale: str) -> Any:
    def parse(text: str) -> Any:
        try:
            value = values.parse(field, text, people)
        except values.BadValue as exc:
            raise ValueError(exc.message) from None
        if value is None and field.required:
            raise ValueError(_("${field} is required.", mapping={"field": field.label_for(locale)}))
        return value

    return parse


def _writer(field: CustomField) -> Any:
    def write(record: Any, value: Any) -> None:
        if value is not None:
            record.custom_values = {**(record.custom_values or {}), field.key: value}

    return write


def _model(request: Any, entity: str) -> type | None:
    found = custom_entities(request).get(entity)
    return found.model if found is not None else None
