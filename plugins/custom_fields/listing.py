"""Custom fields on an entity's list: columns, filters and sorting, and CSV columns.

Filters and sorting read the value with SQLAlchemy's JSON element access
(``custom_values[key]``), which compiles to ``->>`` on PostgreSQL and
``json_extract`` on SQLite: one code path for both. Dates are stored as
``YYYY-MM-DD``, so a date range is a text range.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func

from core.record_forms import CsvColumn, ListColumn, ListFilter
from plugins.custom_fields import _, values
from plugins.custom_fields.definitions import active_fields, custom_entities, members
from plugins.custom_fields.models import CustomField, FieldType
from plugins.custom_fields.record_fields import PREFIX

RANGE_INPUTS = {
    FieldType.DATE: "date",
    FieldType.INTEGER: "number",
    FieldType.DECIMAL: "number",
    FieldType.MONEY: "number",
}
SELECTS = (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO, FieldType.USER)


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


def list_columns(request: Any, entity: str) -> list[ListColumn]:
    model = _model(request, entity)
    if model is None:
        return []
    locale = request.locale_name
    people = members(request)
    return [
        ListColumn(
            PREFIX + field.key,
            field.label_for(locale),
            _reader(field, locale, people),
            element(model, field) if field.type != FieldType.MULTI_CHOICE else None,
        )
        for field in active_fields(request, entity)
        if field.show_in_list
    ]


def _reader(field: CustomField, locale: str, people: dict[int, str]) -> Any:
    def read(record: Any) -> str:
        return values.display(field, (record.custom_values or {}).get(field.key), locale, people)

    return read


def list_filters(request: Any, entity: str, params: Any) -> list[ListFilter]:
    model = _model(request, entity)
    if model is None:
        return []
    return [
        _filter(request, model, field, params)
        for field in active_fields(request, entity)
        if field.filterable
    ]


def _filter(request: Any, model: type, field: CustomField, params: Any) -> ListFilter:
    key = PREFIX + field.key
    label = field.label_for(request.locale_name)
    if field.type in SELECTS:
        options = _options(request, field)
        chosen = params.get(key, "")
        condition = None
        if chosen in {value for value, _label in options}:
            condition = _equals(model, field, chosen)
        return ListFilter(key, label, "select", tuple(options), condition=condition)
    if field.type in RANGE_INPUTS:
        low = _bound(field, params.get(key + "_from", ""))
        high = _bound(field, params.get(key + "_to", ""))
        expr = element(model, field)
        parts = [
            c
            for c in (low is not None and expr >= low, high is not None and expr <= high)
            if c is not False
        ]
        return ListFilter(
            key,
            label,
            "range",
            input_type=RANGE_INPUTS[field.type],
            condition=and_(*parts) if parts else None,
        )
    text = params.get(key, "").strip()[:100]
    condition = func.lower(element(model, field)).contains(text.lower()) if text else None
    return ListFilter(key, label, "text", condition=condition)


def _options(request: Any, field: CustomField) -> list[tuple[str, Any]]:
    locale = request.locale_name
    if field.type == FieldType.YES_NO:
        return [("1", _("Yes")), ("0", _("No"))]
    if field.type == FieldType.USER:
        return [(str(uid), names.split("\n")[0]) for uid, names in members(request).items()]
    return [(c["value"], field.choice_label(c["value"], locale)) for c in field.choices]


def _equals(model: type, field: CustomField, chosen: str) -> Any:
    expr = element(model, field)
    if field.type == FieldType.YES_NO:
        return expr.is_(chosen == "1")
    if field.type == FieldType.USER:
        return model.custom_values[field.key].as_integer() == int(chosen)
    if field.type == FieldType.MULTI_CHOICE:
        # The array's JSON text holds the value in quotes; values are plain words.
        return expr.contains(f'"{chosen}"', autoescape=True)
    return expr == chosen


def _bound(field: CustomField, text: str) -> Any:
    """A range end from the query string; one that does not parse is ignored."""
    try:
        return values.parse(field, text[:40])
    except values.BadValue:
        return None


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
