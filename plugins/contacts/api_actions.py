"""The contact request's API action: converting it, into what the tenant's plugins offer."""

from __future__ import annotations

from typing import Any

from core import ActionRefused, RecordAction
from plugins.contacts import _
from plugins.contacts.models import ContactRequest
from plugins.contacts.permissions import ContactsPermission
from plugins.contacts.requests.conversion import ConversionRefused, conversion_targets, convert

CONVERT_BODY = {
    "type": "object",
    "properties": {"into": {"type": "string", "maxLength": 60}},
    "required": ["into"],
    "additionalProperties": False,
}
NO_SUCH_TARGET = _("This request cannot be converted into that here.")


def convert_request(
    request: Any, contact_request: ContactRequest, body: dict[str, Any]
) -> dict[str, Any]:
    """Convert with the target named ``into`` (``task``, when workflow is enabled)."""
    target = conversion_targets(request, contact_request).get(body["into"])
    if target is None:
        raise ActionRefused(NO_SUCH_TARGET, "into")
    try:
        entity, record_id = convert(request.db, contact_request, target, request.user)
    except ConversionRefused as refused:
        raise ActionRefused(refused.message, status=409) from None
    return {
        "id": contact_request.id,
        "state": contact_request.state,
        "entity": entity,
        "record_id": record_id,
    }


def record_actions() -> list[RecordAction]:
    return [
        RecordAction(
            "contact_request",
            "convert",
            ContactsPermission.REQUEST_EDIT,
            CONVERT_BODY,
            convert_request,
            "Convert the request (e.g. into a task)",
        )
    ]
