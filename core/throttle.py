"""The login throttle: too many failed logins for one e-mail or from one address.

Counted in the database, so every web process sees the same count. The answer
is the same whether or not the e-mail belongs to a user.

An attempt is counted before its password is checked, and attempts on one
e-mail take their turns (SQLite's write lock, a PostgreSQL advisory lock), so
parallel guesses, over any number of processes, get no more checks against the
password hash than the limit allows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from core.models import FailedLogin, utcnow

#: Failed logins from one address in a window count this many times more than one e-mail's.
IP_FACTOR = 4


class LoginThrottle:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.attempts = int(settings["myynti.login_attempts"])
        self.window = timedelta(seconds=int(settings["myynti.login_window"]))

    def attempt(self, db: Session, email: str, ip: str) -> bool:
        """Count an attempt on ``email`` from ``ip``; whether its password may be checked.

        The attempt stays counted as a failure unless ``succeeded`` clears it.
        """
        if db.get_bind().dialect.name == "postgresql":
            db.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": "login:" + email.lower()},
            )
        blocked = self._blocked(db, email, ip)
        db.add(FailedLogin(email=email.lower(), ip=ip))
        db.flush()
        return not blocked

    def _blocked(self, db: Session, email: str, ip: str) -> bool:
        since = utcnow() - self.window
        by_email, by_ip = db.execute(
            select(
                func.count().filter(FailedLogin.email == email.lower()),
                func.count().filter(FailedLogin.ip == ip),
            ).where(
                FailedLogin.at >= since,
                or_(FailedLogin.email == email.lower(), FailedLogin.ip == ip),
            )
        ).one()
        return by_email >= self.attempts or by_ip >= self.attempts * IP_FACTOR

    def succeeded(self, db: Session, email: str) -> None:
        db.execute(delete(FailedLogin).where(FailedLogin.email == email.lower()))

    @property
    def minutes(self) -> int:
        return max(1, int(self.window.total_seconds() // 60))
