"""Who the user is and what they may do.

Permissions are named ``plugin:resource:action``. Two prefixes are core's own:
``core:platform:*`` belongs to platform admins and ``core:account:*`` to every
signed-in user. Any other permission is a tenant permission: tenant admins hold
all of them, members those a plugin declared for the ``member`` role.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pyramid.csrf import new_csrf_token
from pyramid.security import Allowed, Denied
from sqlalchemy import delete, select

from core.models import AuthSession, Role, User, as_utc, utcnow

AUTH_KEY = "auth"
#: A signed-in session unused this long is gone.
IDLE_TIMEOUT = timedelta(hours=12)
#: A signed-in session is gone this long after sign-in however much it is used, so a
#: stolen cookie kept alive by a script does not stay valid for ever.
SESSION_LIFETIME = timedelta(days=7)


class CorePermission(StrEnum):
    DASHBOARD_VIEW = "core:dashboard:view"
    USERS_MANAGE = "core:users:manage"
    TEAMS_MANAGE = "core:teams:manage"
    HISTORY_VIEW = "core:history:view"
    HISTORY_COMMENT = "core:history:comment"
    ATTACHMENTS_VIEW = "core:attachments:view"
    ATTACHMENTS_ADD = "core:attachments:add"
    ATTACHMENTS_DELETE = "core:attachments:delete"
    ACCOUNT_EDIT = "core:account:edit"
    PLATFORM_MANAGE = "core:platform:manage"


class SecurityPolicy:
    """Pyramid security policy backed by the ``auth_session`` table."""

    def identity(self, request: Any) -> User | None:
        return request.user

    def authenticated_userid(self, request: Any) -> int | None:
        user = request.user
        return user.id if user else None

    def permits(self, request: Any, context: Any, permission: str) -> Allowed | Denied:
        user = request.user
        if user is None:
            return Denied("not signed in")
        if permission.startswith("core:account:"):
            return Allowed("signed in")
        if permission.startswith("core:platform:"):
            return Allowed("platform admin") if user.platform_admin else Denied("not admin")
        membership = request.membership
        if membership is None:
            return Denied("not a member of this tenant")
        if membership.role == Role.ADMIN:
            return Allowed("tenant admin")
        if permission in request.member_permissions:
            return Allowed("member permission")
        return Denied(f"members do not hold {permission}")

    def remember(self, request: Any, userid: int, **kw: Any) -> list[tuple[str, str]]:
        """Sign in: a new session (new cookie) and a new random session id.

        A session this browser already had is deleted, so an old cookie of it
        (copied, or planted before sign-in) no longer signs anyone in. The CSRF
        token is renewed too: one known before sign-in is worth nothing after.
        """
        previous = request.session.get(AUTH_KEY)
        if previous:
            request.db.execute(delete(AuthSession).where(AuthSession.id == previous))
        request.session.invalidate()
        session_id = secrets.token_urlsafe(32)
        request.db.add(AuthSession(id=session_id, user_id=userid))
        request.session[AUTH_KEY] = session_id
        new_csrf_token(request)
        return []

    def forget(self, request: Any, **kw: Any) -> list[tuple[str, str]]:
        session_id = request.session.get(AUTH_KEY)
        if session_id:
            request.db.execute(delete(AuthSession).where(AuthSession.id == session_id))
        request.session.invalidate()
        return []


def current_user(request: Any) -> User | None:
    """``request.user``: the user of a live session, or None."""
    session_id = request.session.get(AUTH_KEY)
    if not session_id:
        return None
    auth = request.db.scalar(select(AuthSession).where(AuthSession.id == session_id))
    now = utcnow()
    if (
        auth is None
        or not auth.user.active
        or as_utc(auth.last_seen_at) < now - IDLE_TIMEOUT
        or as_utc(auth.created_at) < now - SESSION_LIFETIME
    ):
        return None
    if now - as_utc(auth.last_seen_at) > timedelta(minutes=5):
        auth.last_seen_at = now
    return auth.user
