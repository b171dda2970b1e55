"""The workflow stage action "send a template to the task's contact", offered through a core hook.

Workflow runs it in its job when a task enters a stage the action is bound
to, with the binding's options: ``{"template": "<key>"}`` names the template
(the tenant's only e-mail template is used when the options name none). The
message is automatic mail (``Auto-Submitted``) queued like any other; a
refusal (no address, no template) raises, and workflow records the failure
with its reason in the task's history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import StageAction
from plugins.messaging import _, templates, tokens
from plugins.messaging.models import Channel, Template
from plugins.messaging.outbox import Draft, queue_message, refused
from plugins.messaging.records import find_party

KEY = "messaging.send_template"


def _template_key(db: Any, options: dict[str, Any]) -> str:
    if options.get("template"):
        return str(options["template"])
    keys = set(db.scalars(select(Template.key).where(Template.channel == Channel.EMAIL)))
    if len(keys) == 1:
        return keys.pop()
    raise refused(_("Choose the template this action sends in its options."))


def send_template(db: Any, tenant: Any, task: Any, options: dict[str, Any]) -> None:
    key = _template_key(db, options)
    party = find_party(db, tenant, "task", task.id)
    if party is None:
        raise refused(_("The record of the message was not found."))
    try:
        rendered = templates.render_for(db, tenant, key, Channel.EMAIL, party, None)
    except templates.UnknownTemplate:
        raise refused(_("The message template was not found.")) from None
    draft = Draft(
        entity="task",
        record_id=task.id,
        subject=rendered.subject,
        body=rendered.body,
        template_key=key,
        automatic=True,
    )
    queue_message(db, tenant, tokens.settings_of(db), draft, None, party)


ACTION = StageAction(
    KEY,
    _("Send a template to the task's contact"),
    send_template,
    description=_("An e-mail from a template to the task's contact person (or customer)"),
)
