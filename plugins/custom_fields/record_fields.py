"""Custom fields in an entity owner's form: the WTForms fields, and saving their values.

Every field is named ``cf_<key>``. Input is kept as typed and checked by
:func:`values.parse`, so a wrong value shows the user's text with the message
beside it. A value is stored only when the whole form is valid (the owner
calls ``save_extensions`` then), so nothing is saved half-way.
"""

from __future__ import annotations

from typing import Any

from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import choices
from core.history import CHANGED, CREATED, record_event
from core.models import Event
from plugins.custom_fields import _, values
from plugins.custom_fields.definitions import active_fields, members
from plugins.custom_fields.models import CustomField, FieldType

PREFIX = "cf_"
REQUIRED = _("This field is required.")
INPUT_TYPES = {
    FieldType.DATE: "date",
    FieldType.EMAIL: "email",
    FieldType.URL: "url",
    FieldType.PHONE: "tel",
    FieldType.INTEGER: "text",
}


class ValueCheck:
    """Checks a field's input with the field's type.

    Choices are checked against what the bound field offers (see
    :class:`RetiringChoices`); users against the tenant's members.
    """

    def __init__(self, field: CustomField, people: dict[int, str]) -> None:
        self.field = field
        self.people = people

    def __call__(self, form: Any, wt_field: Any) -> None:
        if values.is_empty(wt_field.data):
            if self.field.required:
                raise ValidationError(REQUIRED)
            return
        offered = None
        if hasattr(wt_field, "retired"):
            offered = [c.value for c in wt_field.choices if c.value]
        try:
            values.parse(self.field, wt_field.data, self.people, offered)
        except values.BadValue as exc:
            raise ValidationError(exc.message) from None


class RetiringChoices:
    """Offers the active choices, and a retired one only to a record that holds it.

    A retired choice stays readable (and kept) on old records; a record
    without it cannot pick it. The field's value is checked by ``ValueCheck``
    with the field's own message, not WTForms' "Not a valid choice".
    """

    def __init__(self, *args: Any, retired: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retired = retired

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        held = self.object_data if isinstance(self.object_data, list) else [self.object_data]
        self.choices = [c for c in self.choices if c.value not in self.retired or c.value in held]

    def pre_validate(self, form: Any) -> None:
        return None


class ChoiceField(RetiringChoices, SelectField):
    pass


class MultipleChoiceField(RetiringChoices, SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def form_fields(request: Any, entity: str) -> list[tuple[str, str, Any, Any]]:
    """``(name, section, unbound field, loader)`` for each active field of ``entity``."""
    locale = request.locale_name
    people = members(request)
    return [
        (PREFIX + field.key, field.section, _unbound(field, locale, people), _loader(field, locale))
        for field in active_fields(request, entity)
    ]


def _loader(field: CustomField, locale: str) -> Any:
    def load(record: Any) -> Any:
        return values.form_text(field, (record.custom_values or {}).get(field.key), locale)

    return load


def _unbound(field: CustomField, locale: str, people: dict[int, str]) -> Any:
    label = field.label_for(locale)
    kwargs: dict[str, Any] = {
        "description": field.help_for(locale),
        "default": values.form_text(field, field.default, locale),
    }
    check = ValueCheck(field, people)
    kind = field.type
    if kind == FieldType.LONG_TEXT:
        return TextAreaField(label, [check], **kwargs)
    if kind == FieldType.YES_NO:
        options = [("", "—"), ("1", _("Yes")), ("0", _("No"))]
        return ChoiceField(label, [check], choices=choices(options), **kwargs)
    if kind == FieldType.USER:
        check.people = {uid: str(uid) for uid in people}
        options = [("", "—"), *((str(uid), n.split("\n")[0]) for uid, n in people.items())]
        return ChoiceField(label, [check], choices=choices(options), **kwargs)
    if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        options = [(c["value"], field.choice_label(c["value"], locale)) for c in field.choices]
        retired = frozenset(c["value"] for c in field.choices if c.get("retired"))
        if kind == FieldType.MULTI_CHOICE:
            return MultipleChoiceField(
                label, [check], choices=choices(options), retired=retired, **kwargs
            )
        return ChoiceField(
            label, [check], choices=choices([("", "—"), *options]), retired=retired, **kwargs
        )
    render_kw = {"type": INPUT_TYPES.get(kind, "text")}
    if kind in values.NUMBER_TYPES:
        render_kw["inputmode"] = "decimal"
    return StringField(label, [check], render_kw=render_kw, **kwargs)


def save(request: Any, entity: str, record: Any, form: Any) -> None:
    """Store the form's custom values on ``record``; changes go to its history.

    Keys of retired fields (not in the form) are left as they are. A record
    created by this very form gets no "changed" event: its "created" one says it.
    """
    locale = request.locale_name
    people = members(request)
    before = dict(record.custom_values or {})
    after = dict(before)
    for field in active_fields(request, entity):
        wt_field = form._fields.get(PREFIX + field.key)
        if wt_field is None:
            continue
        people_ids = {uid: str(uid) for uid in people}
        value = values.parse(field, wt_field.data, people_ids, _offered(wt_field))
        if value is None:
            after.pop(field.key, None)
        else:
            after[field.key] = value
    if after == before:
        return
    record.custom_values = after
    if _just_created(request.db, entity, record):
        return
    labelled = {}
    for field in active_fields(request, entity):
        old, new = before.get(field.key), after.get(field.key)
        if old != new:
            labelled[field.label_for(locale)] = [
                values.display(field, old, locale, people) or None,
                values.display(field, new, locale, people) or None,
            ]
    request.db.flush()
    record_event(request.db, entity, record.id, CHANGED, {"changes": labelled}, user=request.user)


def _offered(wt_field: Any) -> list[str] | None:
    if hasattr(wt_field, "retired"):
        return [c.value for c in wt_field.choices if c.value]
    return None


def _just_created(db: Any, entity: str, record: Any) -> bool:
    """Whether the owner wrote ``record``'s "created" event in this transaction."""
    return any(
        isinstance(obj, Event)
        and obj.kind == CREATED
        and obj.entity == entity
        and obj.record_id == record.id
        for obj in db.new
    )
