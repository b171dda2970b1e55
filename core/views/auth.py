"""Logging in and out, changing one's password, choosing the language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config
from sqlalchemy import delete, func, select
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from core.forms import BaseForm
from core.i18n import LOCALE_COOKIE, LOCALES, _
from core.models import AuthSession, User
from core.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from core.security import AUTH_KEY, CorePermission
from core.throttle import LoginThrottle

WRONG_LOGIN = _("The e-mail address or the password is wrong.")
ONE_YEAR = 365 * 24 * 3600


class LoginForm(BaseForm):
    email = EmailField(_("E-mail"), [InputRequired(), Length(max=254)])
    password = PasswordField(_("Password"), [InputRequired(), Length(max=1000)])


class PasswordForm(BaseForm):
    current = PasswordField(_("Current password"), [InputRequired()])
    new = PasswordField(
        _("New password"),
        [InputRequired(), Length(min=MIN_LENGTH, max=1000)],
        description=_("At least 10 characters."),
    )
    repeat = PasswordField(
        _("New password again"),
        [InputRequired(), EqualTo("new", message=_("The passwords do not match."))],
    )


@view_config(route_name="login", renderer="core:templates/login.pt", require_csrf=True)
def login(request: Any) -> Any:
    form = LoginForm.from_request(request)
    came_from = _safe_next(request.params.get("came_from", ""))
    error = None
    if request.method == "POST" and form.validate():
        email = form.email.data.strip()
        throttle = LoginThrottle(request.registry.settings)
        ip = request.client_addr or ""
        if not throttle.attempt(request.db, email, ip):
            error = _(
                "Too many failed logins. Try again in ${minutes} minutes.",
                mapping={"minutes": throttle.minutes},
            )
        else:
            user = request.db.scalar(
                select(User).where(func.lower(User.email) == email.lower(), User.active)
            )
            if verify_password(user.password_hash if user else None, form.password.data):
                throttle.succeeded(request.db, email)
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(form.password.data)
                remember(request, user.id)
                return HTTPSeeOther(came_from or request.route_url("home"))
            error = WRONG_LOGIN
    return {"form": form, "error": error, "came_from": came_from}


@view_config(route_name="logout", request_method="POST", permission=CorePermission.ACCOUNT_EDIT)
def logout(request: Any) -> Any:
    forget(request)
    return HTTPSeeOther(request.route_url("login"))


@view_config(
    route_name="account_password",
    renderer="core:templates/password.pt",
    permission=CorePermission.ACCOUNT_EDIT,
)
def change_password(request: Any) -> Any:
    form = PasswordForm.from_request(request)
    if request.method == "POST" and form.validate():
        if not verify_password(request.user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            request.user.password_hash = hash_password(form.new.data)
            # Whoever else was signed in with the old password is signed out.
            request.db.execute(
                delete(AuthSession).where(
                    AuthSession.user_id == request.user.id,
                    AuthSession.id != request.session.get(AUTH_KEY),
                )
            )
            request.session.flash(request.localizer.translate(_("Your password was changed.")))
            return HTTPSeeOther(request.route_url("account_password"))
    return {"form": form}


@view_config(route_name="set_locale", request_method="POST")
def set_locale(request: Any) -> Any:
    """Remember the language on the user, and in a cookie for the login page."""
    locale = request.POST.get("locale")
    response = HTTPSeeOther(_safe_next(request.POST.get("came_from", "")) or "/")
    if locale in LOCALES:
        if request.user is not None:
            request.user.locale = locale
        response.set_cookie(LOCALE_COOKIE, locale, max_age=ONE_YEAR, samesite="Lax")
    return response


def _safe_next(url: str) -> str:
    """Only a path on this site: no scheme, host or protocol-relative ``//``.

    Browsers drop tabs and line breaks from a URL and read ``\\`` as ``/``, so
    ``/\\evil.example`` or ``/<tab>/evil.example`` would lead off the site;
    whitespace and control characters are refused as well.
    """
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return ""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return ""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return ""
    return url
