"""A user's own digest subscription: none, daily or hourly."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core.models import utcnow
from plugins.messaging import _
from plugins.messaging.digests import PERIODS
from plugins.messaging.models import DigestSubscription
from plugins.messaging.permissions import MessagingPermission

SAVED = _("Saved.")
CHOOSE = _("Choose how often.")


@view_config(
    route_name="message_digest",
    renderer="plugins.messaging:templates/digest.pt",
    permission=MessagingPermission.MESSAGE_VIEW,
)
def digest_page(request: Any) -> Any:
    row = request.db.scalar(
        select(DigestSubscription).where(DigestSubscription.user_id == request.user.id)
    )
    if request.method != "POST":
        return {"frequency": row.frequency if row else "", "error": None}
    frequency = request.POST.get("frequency", "")
    if frequency not in ("", *PERIODS):
        request.response.status_int = 400
        return {"frequency": "", "error": request.localizer.translate(CHOOSE)}
    if not frequency:
        if row is not None:
            request.db.delete(row)
    elif row is None:
        request.db.add(
            DigestSubscription(user_id=request.user.id, frequency=frequency, sent_until=utcnow())
        )
    else:
        row.frequency = frequency
    request.db.flush()
    request.session.flash(request.localizer.translate(SAVED))
    return HTTPSeeOther(request.route_url("message_digest"))
