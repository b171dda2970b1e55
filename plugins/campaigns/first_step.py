"""A campaign's first step as a message, sent through whichever plugin sends messages.

Campaigns never import messaging: templates are offered through
``myynti_message_templates`` and each target's message goes through
``myynti_send_message``, both answered only where the tenant has a plugin that
sends messages. Each message is sent on the target's new task (entity
``task``): the messaging plugin addresses it to the task's contact person, else
its customer, and a reply threads into the task, where the campaign's results
count it. A message refused for one target (no consent for marketing, no
address) is counted on the target; the launch goes on.
"""

from __future__ import annotations

from typing import Any

from core import MessageRefused, OutgoingMessage, label_text
from core.jobs import tenant_hooks
from plugins.campaigns import _
from plugins.campaigns.models import Campaign, MessageState
from plugins.campaigns.tasks import Target

NOT_SENT = _("No enabled module sends messages.")
NOTE_MAX = 300


def templates(request: Any) -> list[tuple[str, str]]:
    """The e-mail templates of the tenant's messaging: (key, label in the user's language)."""
    results = request.plugins.myynti_message_templates(
        db=request.db, tenant=request.tenant, channel="email"
    )
    return [
        (key, label_text(label, request.locale_name))
        for found in results
        if found
        for key, label in found
    ]


def messaging_enabled(request: Any) -> bool:
    """Whether an enabled plugin of the tenant sends messages (it offers templates)."""
    return bool(templates(request))


def send(
    db: Any, tenant: Any, campaign: Campaign, targets: list[Target], task_ids: list[int]
) -> dict[int, tuple[str, str | None]]:
    """Send the first-step message on each target's task (``task_ids``, in the targets' order).

    Returns ``{target id: (state, note)}``.
    """
    hooks = tenant_hooks(db, tenant)
    outcome: dict[int, tuple[str, str | None]] = {}
    for target, task_id in zip(targets, task_ids, strict=True):
        message = OutgoingMessage(
            entity="task",
            record_id=task_id,
            template=campaign.message_template or "",
            sender_id=campaign.launched_by_id,
            marketing=True,
        )
        try:
            sent = hooks.myynti_send_message(db=db, tenant=tenant, message=message)
        except MessageRefused as refused:
            outcome[target.id] = (MessageState.REFUSED.value, str(refused)[:NOTE_MAX])
            continue
        if sent is None:
            outcome[target.id] = (MessageState.REFUSED.value, str(NOT_SENT))
        else:
            outcome[target.id] = (MessageState.SENT.value, None)
    return outcome
