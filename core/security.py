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
from sqlalchemy import bindparam, delete, select, update

from core import cache, tenancy
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
    """``request.user``: the user of a live session, or None.

    The session row and the user's ``active`` flag are read on every request: a
    session signed out, expired or revoked, or a user deactivated, ends at the next
    one. On a tenant's page they are read in the statement that sets the tenant
    (``core.tenancy.set_named_tenant``) and the user comes from the process's cache,
    which a change to any user empties (``core.cache``).
    """
    session_id = request.session.get(AUTH_KEY)
    if not session_id:
        return None
    db = request.db
    tenant_id = tenancy.named_tenant_id(request)
    user = None
    params = {SESSION_PARAM: session_id}
    if tenant_id is not None:
        user_id, created_at, last_seen_at, active = tenancy.set_named_tenant(
            request, tenant_id, *_SESSION_COLUMNS, params=params
        )
    elif (request.matchdict or {}).get("tenant") is not None:
        # A tenant this process has not seen yet: the user is kept for its next pages.
        user_id, created_at, last_seen_at, active = db.execute(
            select(*_SESSION_COLUMNS), params
        ).one()
    else:
        found = db.execute(
            select(AuthSession.created_at, AuthSession.last_seen_at, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.id == session_id)
        ).one_or_none()
        if found is None:
            return None
        created_at, last_seen_at, user = found
        user_id, active = user.id, user.active
    if user_id is None:
        return None
    now = utcnow()
    if (
        not active
        or as_utc(last_seen_at) < now - IDLE_TIMEOUT
        or as_utc(created_at) < now - SESSION_LIFETIME
    ):
        return None
    if now - as_utc(last_seen_at) > timedelta(minutes=5):
        db.execute(update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now))
    if user is None:
        request.tenant  # noqa: B018 - settles the tenant (and the cache entry) from the versions read
        cached_user = cache.cached(request, ("user", user_id), lambda: _detached_user(db, user_id))
        user = None if cached_user is None else cache.attach(db, cached_user)
    return user


SESSION_PARAM = "myynti_auth_session_id"
_session = select(AuthSession).where(AuthSession.id == bindparam(SESSION_PARAM)).subquery()
#: The session's user id, sign-in time and last use, and whether the user is active:
#: built once (as the parameter ``SESSION_PARAM``), read on every signed-in request.
_SESSION_COLUMNS = (
    select(_session.c.user_id).scalar_subquery(),
    select(_session.c.created_at).scalar_subquery(),
    select(_session.c.last_seen_at).scalar_subquery(),
    select(User.active).where(User.id == _session.c.user_id).scalar_subquery(),
)


def _detached_user(db: Any, user_id: int) -> User | None:
    user = db.get(User, user_id)
    if user is not None:
        db.expunge(user)
    return user
