"""Writing a record through the API: the body read, checked field by field, and saved.

Each value is checked against its column (type, length, range, null) and, for
an id, against the tenant's rows: a customer id of another tenant, or a user who
is not a member here, is refused by name like any other bad value. Then the
entity's owner applies the values (``EntityType.api_save``) with its own rules
and history, or, for an entity that gives none, the API sets them and records
``created`` or ``changed``. An object another plugin adds to the record
(``core.record_forms.ApiValues``: custom fields) is checked by that plugin with
the columns, and saved by it after the owner, in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.contract import FieldErrors
from core.history import CHANGED, CREATED, changes, record_event
from core.models import Membership, Tenant, utcnow
from core.record_forms import ApiValues
from plugins.api import _
from plugins.api.resources import Field, Resource

#: A body larger than this is refused before it is parsed.
MAX_BODY = 256 * 1024
VERSION = "version"


class BodyRefused(ValueError):
    """The body is not a JSON object (or too large); ``status`` is the answer's."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(status)
        self.status = status
        self.detail = detail


def read_body(request: Any) -> dict[str, Any]:
    if (request.content_length or 0) > MAX_BODY:
        raise BodyRefused(413, _("The body may be at most 256 kB."))
    if request.content_type != "application/json":
        raise BodyRefused(415, _("Send the record as application/json."))
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, RecursionError) as exc:
        raise BodyRefused(400, _("The body is not valid JSON.")) from exc
    if not isinstance(body, dict):
        raise BodyRefused(400, _("The body must be a JSON object."))
    return body


def writable_fields(resource: Resource) -> list[Field]:
    return [f for f in resource.fields if f.name in resource.entity.api_fields]


def required_fields(resource: Resource) -> list[Field]:
    """Writable fields a new record cannot do without: as the entity says, else those not
    null and with no default."""
    named = resource.entity.api_required
    if named is not None:
        return [f for f in writable_fields(resource) if f.name in named]
    table = resource.model.__table__
    return [
        f
        for f in writable_fields(resource)
        if not table.c[f.name].nullable
        and table.c[f.name].default is None
        and table.c[f.name].server_default is None
    ]


def check(
    db: Session,
    tenant: Tenant,
    resource: Resource,
    body: dict[str, Any],
    creating: bool,
    extensions: Mapping[str, ApiValues] | None = None,
    record: Any = None,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The column values of ``body`` for ``resource``, and the checked values of each
    plugin's object (``extensions``, by key: custom fields); FieldErrors naming each
    refused field, a member of an object as ``key.member``."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    extra = _check_extensions(body, extensions or {}, record, errors)
    for name, raw in body.items():
        field = resource.field(name)
        if extensions and name in extensions:
            continue
        if field is None:
            errors[name] = _("No such field.")
        elif name == VERSION and not creating:
            continue
        elif name not in resource.entity.api_fields:
            errors[name] = _("This field cannot be written.")
        else:
            try:
                values[name] = _value(field, raw)
            except ValueError as exc:
                errors[name] = exc.args[0] if exc.args else _("Not a valid value for this field.")
    if creating:
        for field in required_fields(resource):
            if field.name not in body:
                errors.setdefault(field.name, _("This field is required."))
    for name, value in values.items():
        if (
            value is not None
            and name not in errors
            and not _reference_found(db, tenant, resource, name, value)
        ):
            errors[name] = _("No such record in this organisation.")
    if errors:
        raise FieldErrors(errors)
    return values, extra


def _check_extensions(
    body: dict[str, Any],
    extensions: Mapping[str, ApiValues],
    record: Any,
    errors: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """Each plugin's object checked by its plugin (a new record's even when not given)."""
    checked: dict[str, dict[str, Any]] = {}
    for key, extension in extensions.items():
        if extension.check is None or (key not in body and record is not None):
            continue
        given = body.get(key, {})
        if not isinstance(given, dict):
            errors[key] = _("Give a JSON object.")
            continue
        try:
            checked[key] = extension.check(record, given)
        except FieldErrors as refused:
            errors.update({f"{key}.{name}": msg for name, msg in refused.errors.items()})
    return checked


def save_extensions(
    request: Any,
    extensions: Mapping[str, ApiValues],
    record: Any,
    checked: Mapping[str, dict[str, Any]],
    created: bool,
) -> None:
    """Let each plugin store its checked object on ``record`` (saved, flushed)."""
    for key, values in checked.items():
        save_values = extensions[key].save
        if values and save_values is not None:
            save_values(request, record, values, created)


def save(request: Any, resource: Resource, record: Any, values: dict[str, Any]) -> Any:
    """Apply ``values`` to ``record`` (None: a new one) and return it, flushed.

    ``request`` acts as the token's user (``access.act_as``).
    """
    db, user = request.db, request.user
    entity = resource.entity
    if entity.api_save is not None:
        saved = entity.api_save(request, record, values)
        db.flush()
        return saved
    if record is None:
        record = resource.model()
        for name, value in values.items():
            setattr(record, name, value)
        db.add(record)
        db.flush()
        if entity.history:
            record_event(
                db, entity.name, record.id, CREATED, {"text": _title(resource, record)}, user=user
            )
        return record
    before = {name: resource.field(name).dump(getattr(record, name)) for name in values}
    for name, value in values.items():
        setattr(record, name, value)
    db.flush()
    after = {name: resource.field(name).dump(getattr(record, name)) for name in values}
    changed = changes(before, after)
    if changed and entity.history:
        record_event(db, entity.name, record.id, CHANGED, {"changes": changed}, user=user)
    return record


def _title(resource: Resource, record: Any) -> str:
    return str(getattr(record, resource.entity.title_attr, "") or record.id)


def _value(field: Field, raw: Any) -> Any:
    """The column's value for JSON ``raw``; ValueError(message) when it will not do."""
    if raw is None:
        if not field.nullable:
            raise ValueError(_("This field cannot be empty."))
        return None
    kind = field.kind
    if kind == "string":
        if not isinstance(raw, str):
            raise ValueError(_("Give text."))
        if "\x00" in raw:
            raise ValueError(_("Not a valid value for this field."))
        if len(raw) > field.schema.get("maxLength", len(raw)):
            raise ValueError(_("The text is too long."))
        return raw
    if kind == "integer":
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValueError(_("Give a whole number."))
        if not field.schema["minimum"] <= raw <= field.schema["maximum"]:
            raise ValueError(_("The number is out of range."))
        return raw
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise ValueError(_("Give true or false."))
        return raw
    if kind == "date":
        try:
            return date.fromisoformat(raw)
        except (TypeError, ValueError):
            raise ValueError(_("Give a date as YYYY-MM-DD.")) from None
    if kind == "datetime":
        try:
            moment = datetime.fromisoformat(raw)
        except (TypeError, ValueError):
            raise ValueError(_("Give a time as in ISO 8601, with its offset.")) from None
        if moment.tzinfo is None:
            raise ValueError(_("Give a time as in ISO 8601, with its offset."))
        return moment
    if kind == "decimal":
        return _decimal(field, raw)
    if not isinstance(raw, dict | list):
        raise ValueError(_("Give a JSON object."))
    return raw


def _decimal(field: Field, raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError(_('Give a number as text, e.g. "1250.00".'))
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(_('Give a number as text, e.g. "1250.00".')) from None
    precision, scale = field.digits or (14, 2)
    if not value.is_finite() or value != value.quantize(Decimal(1).scaleb(-scale)):
        raise ValueError(_("Too many decimals."))
    if abs(value) >= Decimal(10) ** (precision - scale):
        raise ValueError(_("The number is out of range."))
    return value


def _reference_found(
    db: Session, tenant: Tenant, resource: Resource, name: str, value: Any
) -> bool:
    """Whether an id in ``name`` names a row this tenant may point at (True for other fields)."""
    table = resource.model.__table__
    column = table.c[name]
    for key in table.foreign_keys:
        if key.parent is not column:
            continue
        target = key.column.table
        if target.name == "user_account":
            return bool(
                db.scalar(
                    select(
                        exists().where(
                            Membership.tenant_id == tenant.id,
                            Membership.user_id == value,
                            Membership.active,
                        )
                    )
                )
            )
        if "tenant_id" in target.c:
            return bool(
                db.scalar(
                    select(exists().where(key.column == value, target.c.tenant_id == tenant.id))
                )
            )
    return True


def archive(request: Any, resource: Resource, record: Any) -> None:
    """Mark ``record`` archived (kept, out of the lists) and say so in its history.

    An entity with ``api_archive`` archives as its own page does (activities:
    closed undone); archiving an archived record again changes nothing.
    """
    db, user = request.db, request.user
    if resource.field("archived_at") is not None and record.archived_at is not None:
        return
    if resource.entity.api_archive is not None:
        resource.entity.api_archive(request, record)
        db.flush()
        return
    record.archived_at = utcnow()
    db.flush()
    if resource.entity.history:
        stamp = resource.field("archived_at").dump(record.archived_at)
        record_event(
            db,
            resource.entity.name,
            record.id,
            CHANGED,
            {"changes": {"archived_at": [None, stamp]}},
            user=user,
        )
