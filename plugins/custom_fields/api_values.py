"""Custom values in the HTTP API: read, described and written as the record's form does.

A record's values are one object, ``custom_fields``, keyed by the field's key
and typed as stored (see :mod:`values`): text, e-mail, address and phone as a
string, integer as an integer, decimal and money as a number, a date as
``YYYY-MM-DD``, yes/no as a boolean, a choice as its value, multiple choice as
a list of values, a user as the user's id; null when the record has none.
Only the active fields are read and written; a retired one is refused by name.
A write goes through :func:`values.parse` with the choices the form would offer
(a retired choice only to a record that holds it) and the tenant's members,
and the history is told as the form's save tells it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from core.contract import EntityType, FieldErrors
from core.history import CHANGED, record_event
from core.record_forms import ApiValues
from plugins.custom_fields import _, values
from plugins.custom_fields.definitions import active_fields, all_fields, members
from plugins.custom_fields.models import CustomField, FieldType
from plugins.custom_fields.record_fields import REQUIRED

KEY = "custom_fields"
NO_SUCH_FIELD = _("No such custom field.")
RETIRED = _("This field is retired and can no longer be written.")
GIVE_TEXT = _("Give text.")
GIVE_WHOLE = _("Give a whole number.")
GIVE_NUMBER = _("Give a number.")
GIVE_DATE = _("Give a date as YYYY-MM-DD.")
GIVE_BOOLEAN = _("Give true or false.")
GIVE_LIST = _("Give a list of choice values.")
GIVE_USER = _("Give the id of a member of this organisation.")

#: Any stored value, for the installation's document (a tenant's own names each type).
GENERIC = {
    "type": "object",
    "description": (
        "The organisation's custom fields, by key; the organisation's own OpenAPI document "
        "(/api/v1/t/{tenant}/openapi.json) names each field and its type."
    ),
    "additionalProperties": {
        "type": ["string", "number", "integer", "boolean", "array", "null"],
        "items": {"type": "string"},
    },
}

_TEXT_TYPES = (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL, FieldType.URL, FieldType.PHONE)


def api_values(request: Any, entity: EntityType) -> list[ApiValues]:
    """``myynti_api_values``: the ``custom_fields`` object of an entity that takes them."""
    if not (entity.custom_fields and hasattr(entity.model, "custom_values")):
        return []
    if request is None:
        return [ApiValues(KEY, GENERIC)]
    fields = active_fields(request, entity.name)

    def read(record: Any) -> dict[str, Any]:
        stored = record.custom_values or {}
        return {f.key: stored.get(f.key) for f in fields}

    def check(record: Any, given: Mapping[str, Any]) -> dict[str, Any]:
        return _check(request, entity.name, fields, record, given)

    return [ApiValues(KEY, _schema(fields), read, check, _saver(entity.name, fields))]


def _schema(fields: list[CustomField]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {f.key: _field_schema(f) for f in fields},
        "additionalProperties": False,
    }


def _field_schema(field: CustomField) -> dict[str, Any]:
    """The JSON Schema of one field's value (null: none); choices are any of the field's."""
    kind = field.type
    schema: dict[str, Any]
    if kind in _TEXT_TYPES:
        limit = values.LONG_TEXT_MAX if kind == FieldType.LONG_TEXT else values.TEXT_MAX
        schema = {"type": ["string", "null"], "maxLength": limit}
    elif kind == FieldType.INTEGER:
        schema = {"type": ["integer", "null"]}
    elif kind in (FieldType.DECIMAL, FieldType.MONEY):
        schema = {"type": ["number", "null"]}
    elif kind == FieldType.DATE:
        schema = {"type": ["string", "null"], "format": "date"}
    elif kind == FieldType.YES_NO:
        schema = {"type": ["boolean", "null"]}
    elif kind == FieldType.CHOICE:
        schema = {"enum": [*(c["value"] for c in field.choices), None]}
    elif kind == FieldType.MULTI_CHOICE:
        schema = {
            "type": ["array", "null"],
            "items": {"enum": [c["value"] for c in field.choices]},
        }
    else:
        schema = {"type": ["integer", "null"]}
    title = field.label_for("en")
    return {**schema, "title": title} if title else schema


def _check(
    request: Any,
    entity: str,
    fields: list[CustomField],
    record: Any,
    given: Mapping[str, Any],
) -> dict[str, Any]:
    """The values to store of ``given``; FieldErrors by key, with the form's messages."""
    by_key = {f.key: f for f in fields}
    stored = (record.custom_values or {}) if record is not None else {}
    errors: dict[str, Any] = {}
    checked: dict[str, Any] = {}
    unknown = [key for key in given if key not in by_key]
    if unknown:
        retired = {f.key for f in all_fields(request.db, entity) if f.retired_at is not None}
        for key in unknown:
            errors[key] = RETIRED if key in retired else NO_SUCH_FIELD
    people = {uid: str(uid) for uid in members(request)}
    for key, raw in given.items():
        field = by_key.get(key)
        if field is None:
            continue
        try:
            checked[key] = _value(field, raw, people, stored.get(key))
        except values.BadValue as bad:
            errors[key] = bad.message
    if record is None:
        for field in fields:
            if field.key not in given and field.default is not None:
                checked[field.key] = field.default
            if field.required and checked.get(field.key) is None:
                errors.setdefault(field.key, REQUIRED)
    if errors:
        raise FieldErrors(errors)
    return checked


def _value(field: CustomField, raw: Any, people: dict[int, str], held: Any) -> Any:
    """The stored value of JSON ``raw``; BadValue when its type or value will not do."""
    if raw is None or raw == "" or raw == []:
        if field.required:
            raise values.BadValue(REQUIRED)
        return None
    kind = field.type
    if kind in _TEXT_TYPES or kind == FieldType.CHOICE:
        if not isinstance(raw, str):
            raise values.BadValue(GIVE_TEXT)
    elif kind == FieldType.INTEGER:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise values.BadValue(GIVE_WHOLE)
    elif kind in (FieldType.DECIMAL, FieldType.MONEY):
        if not isinstance(raw, int | float) or isinstance(raw, bool):
            raise values.BadValue(GIVE_NUMBER)
    elif kind == FieldType.DATE:
        if not isinstance(raw, str) or not _iso_date(raw):
            raise values.BadValue(GIVE_DATE)
    elif kind == FieldType.YES_NO:
        if not isinstance(raw, bool):
            raise values.BadValue(GIVE_BOOLEAN)
        raw = "1" if raw else "0"
    elif kind == FieldType.MULTI_CHOICE:
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise values.BadValue(GIVE_LIST)
    elif kind == FieldType.USER:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise values.BadValue(GIVE_USER)
        raw = str(raw)
    offered = None
    if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        offered = _offered(field, held)
        for item in raw if isinstance(raw, list) else [raw]:
            if item not in offered:
                raise values.BadValue(
                    _("“${value}” is not one of the choices.", mapping={"value": item[:60]})
                )
    return values.parse(field, raw, people, offered)


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _offered(field: CustomField, held: Any) -> list[str]:
    """The choices the form offers this record: the active ones, and a retired one it holds."""
    holds = set(held) if isinstance(held, list) else {held}
    return [c["value"] for c in field.choices if not c.get("retired") or c["value"] in holds]


def _saver(entity: str, fields: list[CustomField]) -> Any:
    def save(request: Any, record: Any, checked: dict[str, Any], created: bool) -> None:
        """Store ``checked`` on ``record``; a change of an existing record goes to its history.

        As the form's save: a new record's "created" event tells of it, so no
        "changed" follows; keys of retired fields are left as they are.
        """
        before = dict(record.custom_values or {})
        after = dict(before)
        for key, value in checked.items():
            if value is None:
                after.pop(key, None)
            else:
                after[key] = value
        if after == before:
            return
        record.custom_values = after
        request.db.flush()
        if created:
            return
        locale = request.locale_name
        people = members(request)
        labelled = {
            f.label_for(locale): [
                values.display(f, before.get(f.key), locale, people) or None,
                values.display(f, after.get(f.key), locale, people) or None,
            ]
            for f in fields
            if before.get(f.key) != after.get(f.key)
        }
        record_event(
            request.db, entity, record.id, CHANGED, {"changes": labelled}, user=request.user
        )

    return save
