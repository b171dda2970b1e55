"""The admin's pages: the fields of each entity type; add, edit, retire, restore, delete."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core.models import utcnow
from plugins.custom_fields import _, values
from plugins.custom_fields.definitions import (
    all_fields,
    builtin_names,
    count_failing,
    count_values,
    custom_entities,
    members,
    rewrite_values,
)
from plugins.custom_fields.forms import (
    CHOICE_TYPES,
    TYPE_LABELS,
    FieldForm,
    choices_text,
    parse_choices,
)
from plugins.custom_fields.models import CustomField
from plugins.custom_fields.permissions import CustomFieldsPermission

MANAGE = CustomFieldsPermission.MANAGE
FORM = "plugins.custom_fields:templates/field_form.pt"


def _field(request: Any) -> tuple[CustomField, Any]:
    """The field the URL names and its entity; 404 for another tenant's or an unknown one."""
    field = request.db.scalar(
        select(CustomField).where(CustomField.id == int(request.matchdict["id"]))
    )
    entity = custom_entities(request).get(field.entity) if field is not None else None
    if entity is None:
        raise HTTPNotFound()
    return field, entity


@view_config(
    route_name="custom_fields",
    renderer="plugins.custom_fields:templates/fields.pt",
    permission=MANAGE,
)
def field_list(request: Any) -> dict[str, Any]:
    entities = custom_entities(request)
    return {
        "entities": [(e, all_fields(request.db, name)) for name, e in entities.items()],
        "type_labels": TYPE_LABELS,
    }


@view_config(route_name="custom_field_new", renderer=FORM, permission=MANAGE)
def field_new(request: Any) -> Any:
    entity = custom_entities(request).get(request.matchdict["entity"])
    if entity is None:
        raise HTTPNotFound()
    form = FieldForm.from_request(request)
    if request.method == "POST" and form.validate():
        field = CustomField(entity=entity.name, key=form.key.data)
        if _check_key(request, entity, form) and _apply(request, entity, field, form):
            request.db.add(field)
            request.session.flash(request.localizer.translate(_("Field saved.")))
            return HTTPSeeOther(request.route_url("custom_fields"))
    if request.method == "POST":
        request.response.status_int = 400
    return {"form": form, "entity": entity, "field": None}


@view_config(route_name="custom_field", renderer=FORM, permission=MANAGE)
def field_edit(request: Any) -> Any:
    field, entity = _field(request)
    form = FieldForm.from_request(request)
    del form.key
    if request.method != "POST":
        _fill(form, field, request.locale_name)
    elif not form.validate():
        request.response.status_int = 400
    elif not form.stale(request, field):
        if _apply(request, entity, field, form):
            form.saved(field)
            request.session.flash(request.localizer.translate(_("Field saved.")))
            return HTTPSeeOther(request.route_url("custom_fields"))
        request.response.status_int = 400
    return {"form": form, "entity": entity, "field": field}


@view_config(route_name="custom_field_retire", request_method="POST", permission=MANAGE)
def field_retire(request: Any) -> Any:
    field, _entity = _field(request)
    if field.retired_at is None:
        field.retired_at = utcnow()
        request.session.flash(request.localizer.translate(_("Field retired. Its values are kept.")))
    return HTTPSeeOther(request.route_url("custom_fields"))


@view_config(route_name="custom_field_restore", request_method="POST", permission=MANAGE)
def field_restore(request: Any) -> Any:
    field, _entity = _field(request)
    field.retired_at = None
    request.session.flash(request.localizer.translate(_("Field restored.")))
    return HTTPSeeOther(request.route_url("custom_fields"))


@view_config(
    route_name="custom_field_delete",
    renderer="plugins.custom_fields:templates/field_delete.pt",
    permission=MANAGE,
)
def field_delete(request: Any) -> Any:
    """GET: how many values would go. POST: delete, confirmed when there are values."""
    field, entity = _field(request)
    count = count_values(request.db, entity.model, field.key)
    error = None
    if request.method == "POST":
        if count and request.POST.get("confirm") != str(count):
            error = _("Tick the box to confirm that the values are deleted.")
            request.response.status_int = 400
        else:
            rewrite_values(request.db, entity.model, field.key, lambda _value: None)
            request.db.delete(field)
            request.session.flash(request.localizer.translate(_("Field deleted.")))
            return HTTPSeeOther(request.route_url("custom_fields"))
    return {"field": field, "entity": entity, "count": count, "error": error}


def _fill(form: FieldForm, field: CustomField, locale: str) -> None:
    form.label_fi.data = field.label.get("fi", "")
    form.label_en.data = field.label.get("en", "")
    form.label_sv.data = field.label.get("sv", "")
    form.help_fi.data = field.help.get("fi", "")
    form.help_en.data = field.help.get("en", "")
    form.help_sv.data = field.help.get("sv", "")
    form.type.data = field.type
    form.required.data = field.required
    form.default.data = values.as_text(field, field.default)
    form.choices.data = choices_text(field.choices)
    form.section.data = field.section
    form.position.data = field.position
    form.show_in_list.data = field.show_in_list
    form.filterable.data = field.filterable
    form.version.data = field.version


def _check_key(request: Any, entity: Any, form: FieldForm) -> bool:
    """A new key must not be a built-in attribute of the model nor another field's key."""
    key = form.key.data
    if key.lower() in builtin_names(entity.model):
        form.key.errors.append(
            _("${key} is already a built-in field of this record type.", mapping={"key": key})
        )
        return False
    if any(f.key.lower() == key.lower() for f in all_fields(request.db, entity.name)):
        form.key.errors.append(
            _("Another custom field already has the key ${key}.", mapping={"key": key})
        )
        return False
    return True


def _apply(request: Any, entity: Any, field: CustomField, form: FieldForm) -> bool:
    """Check what needs the stored values, then set ``field`` from ``form``.

    Nothing is changed when a check fails: a type change that would lose
    values, a removed choice still in use, a default that does not fit.
    """
    new_type = form.type.data
    new_choices = parse_choices(form.choices.data) if new_type in CHOICE_TYPES else []
    stored = field.id is not None
    if (
        stored
        and field.type in CHOICE_TYPES
        and new_type in CHOICE_TYPES
        and not _keeps_used_choices(request, entity, field, form, new_choices)
    ):
        return False
    if stored and new_type != field.type:
        failing = count_failing(
            request.db,
            entity.model,
            field.key,
            lambda value: values.converts(_with_choices(field, new_choices), new_type, value),
        )
        if failing:
            form.type.errors.append(
                _(
                    "${count} stored values would not convert to the new type; "
                    "the type was not changed.",
                    mapping={"count": failing},
                )
            )
            return False
    probe = CustomField(key=field.key, type=new_type, choices=new_choices)
    try:
        default = values.parse(probe, form.default.data, members(request))
    except values.BadValue as exc:
        form.default.errors.append(exc.message)
        return False
    if stored and new_type != field.type:
        old = _with_choices(field, new_choices)
        rewrite_values(
            request.db, entity.model, field.key, lambda value: values.convert(old, new_type, value)
        )
    field.label = _by_language(form.label_fi.data, form.label_en.data, form.label_sv.data)
    field.help = _by_language(form.help_fi.data, form.help_en.data, form.help_sv.data)
    field.type = new_type
    field.choices = new_choices
    field.required = form.required.data
    field.default = default
    field.section = (form.section.data or "").strip()
    field.position = form.position.data or 0
    field.show_in_list = form.show_in_list.data
    field.filterable = form.filterable.data
    return True


def _with_choices(field: CustomField, new_choices: list[dict[str, Any]]) -> CustomField:
    return CustomField(key=field.key, type=field.type, choices=new_choices or field.choices)


def _keeps_used_choices(
    request: Any, entity: Any, field: CustomField, form: FieldForm, new_choices: list[Any]
) -> bool:
    """A choice that records hold may be retired, not removed."""
    kept = {c["value"] for c in new_choices}
    removed = {c["value"] for c in field.choices} - kept
    if not removed:
        return True

    def uses_none(value: Any) -> bool:
        held = value if isinstance(value, list) else [value]
        return not removed.intersection(held)

    in_use = count_failing(request.db, entity.model, field.key, uses_none)
    if in_use:
        form.choices.errors.append(
            _(
                "${count} records have a choice you removed (${values}); retire it instead.",
                mapping={"count": in_use, "values": ", ".join(sorted(removed))},
            )
        )
        return False
    return True


def _by_language(fi: str | None, en: str | None, sv: str | None) -> dict[str, str]:
    """The texts given, by language; a language left empty falls back when shown."""
    return {k: v for k, v in (("fi", fi), ("en", en), ("sv", sv)) if v}
