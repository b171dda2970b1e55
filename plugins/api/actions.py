"""Record actions in the API: the owners' ``RecordAction`` objects, and their bodies checked.

A body is checked against the action's JSON Schema before the owner's code sees
it; each refusal is named by its field in the caller's language.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from core.contract import FieldErrors, RecordAction
from plugins.api import _

MESSAGES = {
    "required": _("This field is required."),
    "additionalProperties": _("No such field."),
    "maximum": _("The number is out of range."),
    "minimum": _("The number is out of range."),
    "maxLength": _("The text is too long."),
    "enum": _("Not a valid value for this field."),
}
TYPES = {
    "integer": _("Give a whole number."),
    "string": _("Give text."),
    "boolean": _("Give true or false."),
}


def actions_of(hooks: Any) -> dict[tuple[str, str], RecordAction]:
    """The record actions of the tenant's enabled plugins, by (entity, name)."""
    return {(a.entity, a.name): a for a in hooks.collect("myynti_record_actions")}


def check_body(action: RecordAction, body: dict[str, Any]) -> None:
    """FieldErrors naming each field the body gets wrong."""
    errors: dict[str, Any] = {}
    for error in Draft202012Validator(action.body).iter_errors(body):
        if error.validator == "required":
            for name in error.validator_value:
                if name not in body:
                    errors.setdefault(name, MESSAGES["required"])
        elif error.validator == "additionalProperties":
            for name in body:
                if name not in action.body.get("properties", {}):
                    errors.setdefault(name, MESSAGES["additionalProperties"])
        else:
            field = str(error.path[0]) if error.path else ""
            message = (
                TYPES.get(error.validator_value, MESSAGES["enum"])
                if error.validator == "type"
                else MESSAGES.get(error.validator, MESSAGES["enum"])
            )
            errors.setdefault(field, message)
    if errors:
        raise FieldErrors(errors)
