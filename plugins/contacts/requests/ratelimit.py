"""A sliding-window limit on posts from one address, counted in the database.

The database is shared by every web process, so the limit holds however many
run. Hits older than the window are deleted as new ones come, which keeps the
table as small as the traffic of one window.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.models import utcnow
from plugins.contacts.models import RateLimitHit

#: Settings (``.ini`` keys) and their defaults: posts per window, window in seconds.
LIMIT_SETTING = "contacts.webform_rate_limit"
WINDOW_SETTING = "contacts.webform_rate_window"
DEFAULT_LIMIT = 10
DEFAULT_WINDOW = 600


def allow(db: Session, bucket: str, limit: int, window: int) -> bool:
    """Count one hit on ``bucket``; False when it already had ``limit`` in ``window`` seconds.

    A refused hit is counted too, so hammering does not reopen the window.
    """
    now = utcnow()
    since = now - timedelta(seconds=window)
    db.execute(delete(RateLimitHit).where(RateLimitHit.at < since))
    count = db.scalar(
        select(func.count())
        .select_from(RateLimitHit)
        .where(RateLimitHit.bucket == bucket[:100], RateLimitHit.at >= since)
    )
    db.add(RateLimitHit(bucket=bucket[:100], at=now))
    db.flush()
    return count < limit


def settings_limits(settings: dict) -> tuple[int, int]:
    """The (limit, window) configured for web-form posts."""
    return (
        int(settings.get(LIMIT_SETTING, DEFAULT_LIMIT)),
        int(settings.get(WINDOW_SETTING, DEFAULT_WINDOW)),
    )
