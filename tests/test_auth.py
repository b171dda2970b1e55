"""Signing in and out, the session cookie, the login throttle and changing one's password."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import webtest
from sqlalchemy import delete, func, select, update

from core.app import make_config
from core.db import make_session_factory
from core.models import AuthSession, FailedLogin, Role, User, utcnow
from core.passwords import hash_password
from core.security import IDLE_TIMEOUT, SESSION_LIFETIME
from core.testing import PASSWORD, app_in_transaction, csrf_token
from core.views import auth as auth_views

NEW_PASSWORD = "a brand new passphrase"
WRONG_LOGIN = "The e-mail address or the password is wrong."
TOO_MANY = "Too many failed logins"


@pytest.fixture
def anna(make_tenant, make_user):
    tenant = make_tenant("acme", "Acme Oy")
    return make_user("anna@example.com", tenant=tenant, role=Role.ADMIN)


def _submit_login(app: webtest.TestApp, email: str, password: str, came_from: str = ""):
    form = app.get("/login" + (f"?came_from={came_from}" if came_from else "")).forms["login-form"]
    form["email"] = email
    form["password"] = password
    return form.submit(status="*")


def _error(page) -> str:
    alert = page.html.select_one(".form-error")
    return alert.get_text(strip=True) if alert else ""


def _set_cookies(response) -> dict[str, str]:
    """The raw ``Set-Cookie`` headers of ``response``, by cookie name."""
    found = {}
    for header in response.headers.getall("Set-Cookie"):
        found[header.split("=", 1)[0]] = header
    return found


def _sessions(db, user) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuthSession.id).where(AuthSession.user_id == user.id)))


def _failures(db, email: str) -> int:
    return db.scalar(
        select(func.count()).select_from(FailedLogin).where(FailedLogin.email == email)
    )


# --- signing in ---------------------------------------------------------------------


def test_login_redirects_and_the_dashboard_opens(webapp, anna, db):
    response = _submit_login(webapp, "anna@example.com", PASSWORD)
    assert response.status_int == 303
    page = response.follow().maybe_follow()
    assert page.request.path == "/t/acme/"
    assert "Acme Oy" in page.text
    assert len(_sessions(db, anna)) == 1


def test_email_is_matched_without_regard_to_case(webapp, anna):
    assert _submit_login(webapp, " Anna@Example.COM ", PASSWORD).status_int == 303


def test_wrong_password_and_unknown_email_get_the_same_answer(webapp, anna, db):
    wrong = _submit_login(webapp, "anna@example.com", "not the password")
    unknown = _submit_login(webapp, "nobody@example.com", PASSWORD)
    assert wrong.status_int == unknown.status_int == 200
    assert _error(wrong) == _error(unknown) == WRONG_LOGIN
    assert wrong.html.select_one("#login-form input[name=email]")["value"] == "anna@example.com"
    assert _sessions(db, anna) == []
    webapp.get("/t/acme/", status=303)


def test_deactivated_user_gets_the_same_answer(webapp, anna, db):
    anna.active = False
    db.flush()
    assert _error(_submit_login(webapp, "anna@example.com", PASSWORD)) == WRONG_LOGIN
    assert _sessions(db, anna) == []


def test_blank_form_says_what_is_missing(webapp, anna):
    page = webapp.get("/login").forms["login-form"].submit(status=200)
    errors = [e.get_text(strip=True) for e in page.html.select(".field .error")]
    assert len(errors) == 2 and all(errors)


def test_passwords_are_stored_as_argon2id(anna, db):
    assert anna.password_hash.startswith("$argon2id$")
    assert PASSWORD not in anna.password_hash


# --- the throttle ---------------------------------------------------------------------


def test_after_five_failures_even_the_right_password_is_refused(webapp, anna, db):
    for _ in range(5):
        assert _error(_submit_login(webapp, "anna@example.com", "wrong")) == WRONG_LOGIN
    refused = _submit_login(webapp, "anna@example.com", PASSWORD)
    assert refused.status_int == 200
    assert _error(refused).startswith(TOO_MANY)
    assert "15 minutes" in _error(refused)
    assert _sessions(db, anna) == []
    webapp.get("/t/acme/", status=303)


def test_unknown_email_is_throttled_the_same_way(webapp, anna):
    for _ in range(5):
        _submit_login(webapp, "nobody@example.com", "wrong")
    assert _error(_submit_login(webapp, "nobody@example.com", "wrong")).startswith(TOO_MANY)
    # Another e-mail from the same address is not yet blocked.
    assert _submit_login(webapp, "anna@example.com", PASSWORD).status_int == 303


def test_successful_login_clears_the_count(webapp, anna, db):
    for _ in range(4):
        _submit_login(webapp, "anna@example.com", "wrong")
    assert _failures(db, "anna@example.com") == 4
    assert _submit_login(webapp, "anna@example.com", PASSWORD).status_int == 303
    assert _failures(db, "anna@example.com") == 0
    webapp.post("/logout", {"csrf_token": csrf_token(webapp)}, status=303)
    for _ in range(4):
        _submit_login(webapp, "anna@example.com", "wrong")
    assert _submit_login(webapp, "anna@example.com", PASSWORD).status_int == 303


def test_the_limit_is_a_setting(app_settings, myynti_registry, db_engine, db_connection, anna, db):
    settings = {**app_settings, "myynti.login_attempts": "2", "myynti.login_window": "120"}
    wsgi = make_config(settings, registry=myynti_registry, engine=db_engine).make_wsgi_app()
    with app_in_transaction(wsgi, db_connection) as app:
        for _ in range(2):
            assert _error(_submit_login(app, "anna@example.com", "wrong")) == WRONG_LOGIN
        refused = _error(_submit_login(app, "anna@example.com", PASSWORD))
    assert refused.startswith(TOO_MANY) and "2 minutes" in refused
    assert _sessions(db, anna) == []


def test_many_emails_from_one_address_are_throttled(webapp, anna, db):
    """Guessing across accounts: 4 × the limit from one address blocks that address."""
    # 19 guesses on record (argon2 is slow on purpose), the 20th through the form.
    db.add_all(FailedLogin(email=f"guess{i}@example.com", ip="192.0.2.10") for i in range(19))
    db.flush()
    assert _error(_submit_login(webapp, "guess19@example.com", "wrong")) == WRONG_LOGIN
    assert _error(_submit_login(webapp, "anna@example.com", PASSWORD)).startswith(TOO_MANY)
    other = webtest.TestApp(webapp.app, extra_environ={"REMOTE_ADDR": "198.51.100.7"})
    assert _submit_login(other, "anna@example.com", PASSWORD).status_int == 303


# --- the session cookie --------------------------------------------------------------


def _attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_session_and_csrf_cookies_are_httponly_and_samesite_lax(webapp, anna):
    fresh = _set_cookies(webtest.TestApp(webapp.app).get("/login"))
    assert "myynti_csrf" in fresh and "myynti_session" not in fresh
    signed_in = _set_cookies(_submit_login(webapp, "anna@example.com", PASSWORD))
    for header in (fresh["myynti_csrf"], signed_in["myynti_session"]):
        attributes = _attributes(header)
        assert {"httponly", "samesite=lax", "path=/"} <= attributes, header
        assert "secure" not in attributes, "plain HTTP in tests: no Secure flag"


def test_cookies_are_secure_behind_https(
    app_settings, myynti_registry, db_engine, db_connection, anna
):
    settings = {**app_settings, "myynti.secure_cookies": "true"}
    wsgi = make_config(settings, registry=myynti_registry, engine=db_engine).make_wsgi_app()
    https = {"wsgi.url_scheme": "https", "SERVER_PORT": "443", "HTTP_HOST": "localhost"}
    with app_in_transaction(wsgi, db_connection) as app:
        page = app.get("/login", extra_environ=https)
        form = page.forms["login-form"]
        form["email"], form["password"] = "anna@example.com", PASSWORD
        signed_in = form.submit(extra_environ=https, status=303)
    assert "secure" in _attributes(_set_cookies(signed_in)["myynti_session"])
    assert "secure" in _attributes(_set_cookies(page)["myynti_csrf"])


def test_login_issues_a_new_session_cookie_and_session_id(webapp, anna, db):
    webapp.get("/login")
    assert "myynti_session" not in webapp.cookies, "no session before one is needed"
    _submit_login(webapp, "anna@example.com", PASSWORD)
    after = webapp.cookies["myynti_session"]
    first = _sessions(db, anna)
    assert len(first) == 1 and len(first[0]) >= 40

    # Signing in again from the same browser: another new id, and the old one is gone.
    _submit_login(webapp, "anna@example.com", PASSWORD)
    second = _sessions(db, anna)
    assert len(second) == 1 and second != first
    assert webapp.cookies["myynti_session"] != after


def test_a_page_answered_while_the_browser_signs_in_does_not_sign_it_out(webapp, anna):
    """The browser's favicon request, sent before the sign-in and answered after it.

    Its answer must not carry the session cookie it was sent with: the browser
    would store it over the signed-in one.
    """
    webapp.get("/login")
    late = webtest.TestApp(webapp.app, extra_environ={"REMOTE_ADDR": "192.0.2.1"})
    late.cookies.update(webapp.cookies)
    _submit_login(webapp, "anna@example.com", PASSWORD)

    answer = late.get("/favicon.ico", status=404)
    for name, header in _set_cookies(answer).items():
        webapp.set_cookie(name, header.split("=", 1)[1].split(";", 1)[0])

    assert webapp.get("/t/acme/").status_int == 200


def test_pages_name_their_icon_so_the_browser_asks_for_no_other(webapp):
    icon = webapp.get("/login").html.select_one("link[rel=icon]")["href"]
    answer = webapp.get(urlsplit(icon).path)
    assert answer.content_type == "image/svg+xml"
    assert answer.body.startswith(b"<svg")


def test_a_flash_message_is_shown_once(webapp, anna):
    _submit_login(webapp, "anna@example.com", PASSWORD)
    shown = _password_form(webapp, PASSWORD, NEW_PASSWORD).follow()
    assert shown.html.select(".flash")
    assert not webapp.get(shown.request.path).html.select(".flash")


def test_login_renews_the_csrf_token(webapp, anna):
    webapp.get("/login")
    before = csrf_token(webapp)
    _submit_login(webapp, "anna@example.com", PASSWORD)
    assert csrf_token(webapp) != before
    webapp.post("/logout", {"csrf_token": before}, status=400)
    webapp.post("/logout", {"csrf_token": csrf_token(webapp)}, status=303)


def test_a_planted_pre_login_cookie_does_not_become_signed_in(webapp, anna, make_user, db):
    """Session fixation: a session cookie the attacker planted never signs in as the victim.

    The attacker plants a cookie the server issued (their own sign-in's), as
    no page gives an anonymous visitor a session cookie.
    """
    make_user("mallory@example.com")
    own = webtest.TestApp(webapp.app, extra_environ={"REMOTE_ADDR": "203.0.113.5"})
    _submit_login(own, "mallory@example.com", PASSWORD)
    planted = own.cookies["myynti_session"]
    webapp.set_cookie("myynti_session", planted)
    _submit_login(webapp, "anna@example.com", PASSWORD)
    attacker = webtest.TestApp(webapp.app, extra_environ={"REMOTE_ADDR": "203.0.113.5"})
    attacker.set_cookie("myynti_session", planted)
    assert attacker.get("/t/acme/", status=303).location.split("?")[0].endswith("/login")


def test_logout_deletes_the_session_and_the_old_cookie_is_dead(webapp, anna, db):
    _submit_login(webapp, "anna@example.com", PASSWORD)
    stolen = webapp.cookies["myynti_session"]
    webapp.get("/t/acme/", status=200)
    response = webapp.post("/logout", {"csrf_token": csrf_token(webapp)}, status=303)
    assert response.location.endswith("/login")
    assert _sessions(db, anna) == []

    webapp.set_cookie("myynti_session", stolen)
    replay = webapp.get("/t/acme/", status=303)
    assert replay.location.split("?")[0].endswith("/login")


def test_logout_is_post_only(webapp, anna, db):
    _submit_login(webapp, "anna@example.com", PASSWORD)
    webapp.get("/logout", status=404)
    assert len(_sessions(db, anna)) == 1


def test_deactivating_a_user_ends_their_session(webapp, anna, db):
    _submit_login(webapp, "anna@example.com", PASSWORD)
    anna.active = False
    db.flush()
    webapp.get("/t/acme/", status=303)


# --- where the login leads -------------------------------------------------------------


def test_came_from_leads_back_to_the_page(webapp, anna):
    first = webapp.get("/t/acme/", status=303)
    assert "came_from=%2Ft%2Facme%2F" in first.location
    login_page = first.follow()
    form = login_page.forms["login-form"]
    form["email"] = "anna@example.com"
    form["password"] = PASSWORD
    response = form.submit(status=303)
    assert response.location == "http://localhost/t/acme/"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/t/acme/",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/%0a/evil.example",
        "javascript:alert(1)",
        "/\r\nSet-Cookie: x=1",
    ],
)
def test_came_from_to_another_site_is_ignored(webapp, anna, target):
    page = webapp.get("/login", params={"came_from": target})
    form = page.forms["login-form"]
    form["email"] = "anna@example.com"
    form["password"] = PASSWORD
    response = form.submit(status=303)
    location = urlsplit(response.location)
    assert (location.scheme, location.netloc) == ("http", "localhost")
    assert not location.path.startswith("//") and "\\" not in location.path
    assert "\n" not in response.location
    assert "x=1" not in str(response.headers.getall("Set-Cookie"))


# --- changing the password -------------------------------------------------------------


def _password_form(app, current: str, new: str, repeat: str | None = None):
    form = app.get("/account/password").forms["password-form"]
    form["current"] = current
    form["new"] = new
    form["repeat"] = new if repeat is None else repeat
    return form.submit(status="*")


def _field_error(page, field: str) -> str:
    error = page.html.select_one(f"#{field}-error")
    return error.get_text(strip=True) if error else ""


def test_change_password_needs_the_current_one(webapp, anna, db):
    _submit_login(webapp, "anna@example.com", PASSWORD)
    old_hash = anna.password_hash
    page = _password_form(webapp, "not my password", NEW_PASSWORD)
    assert page.status_int == 200
    assert _field_error(page, "current") == "The current password is wrong."
    db.refresh(anna)
    assert anna.password_hash == old_hash


def test_change_password_refuses_a_short_or_mismatched_one(webapp, anna, db):
    _submit_login(webapp, "anna@example.com", PASSWORD)
    old_hash = anna.password_hash
    short = _password_form(webapp, PASSWORD, "short")
    assert "10" in _field_error(short, "new")
    mismatch = _password_form(webapp, PASSWORD, NEW_PASSWORD, "something else entirely")
    assert _field_error(mismatch, "repeat") == "The passwords do not match."
    db.refresh(anna)
    assert anna.password_hash == old_hash


def test_change_password_then_sign_in_with_the_new_one(webapp, anna, db):
    _submit_login(webapp, "anna@example.com", PASSWORD)
    done = _password_form(webapp, PASSWORD, NEW_PASSWORD)
    assert done.status_int == 303
    assert "Your password was changed." in done.follow().text
    db.refresh(anna)
    assert anna.password_hash.startswith("$argon2id$")
    webapp.post("/logout", {"csrf_token": csrf_token(webapp)}, status=303)
    assert _error(_submit_login(webapp, "anna@example.com", PASSWORD)) == WRONG_LOGIN
    assert _submit_login(webapp, "anna@example.com", NEW_PASSWORD).status_int == 303


def test_change_password_signs_out_other_browsers(webapp, anna, db):
    other = webtest.TestApp(webapp.app, extra_environ={"REMOTE_ADDR": "192.0.2.11"})
    _submit_login(other, "anna@example.com", PASSWORD)
    _submit_login(webapp, "anna@example.com", PASSWORD)
    assert len(_sessions(db, anna)) == 2
    assert _password_form(webapp, PASSWORD, NEW_PASSWORD).status_int == 303
    assert len(_sessions(db, anna)) == 1
    webapp.get("/t/acme/", status=200)
    other.get("/t/acme/", status=303)


def test_password_page_needs_sign_in(webapp):
    response = webapp.get("/account/password", status=303)
    assert "/login" in response.location


def test_user_row_is_unchanged_by_a_failed_login(webapp, anna, db):
    before = db.execute(select(User.password_hash, User.locale).where(User.id == anna.id)).one()
    _submit_login(webapp, "anna@example.com", "wrong")
    db.expire_all()
    after = db.execute(select(User.password_hash, User.locale).where(User.id == anna.id)).one()
    assert before == after


# --- session lifetime -----------------------------------------------------------------


@pytest.mark.parametrize(
    "column, age",
    [("last_seen_at", IDLE_TIMEOUT + timedelta(minutes=1)), ("created_at", SESSION_LIFETIME)],
)
def test_an_idle_or_too_old_session_signs_the_user_out(webapp, anna, db, login, column, age):
    login(webapp, "anna@example.com")
    assert webapp.get("/t/acme/", status=200)
    db.execute(update(AuthSession).values({column: utcnow() - age - timedelta(seconds=1)}))

    page = webapp.get("/t/acme/", status=303)

    assert urlsplit(page.location).path == "/login"


# --- parallel guesses -----------------------------------------------------------------


def test_parallel_wrong_passwords_are_checked_no_more_often_than_the_limit(
    wsgi_app, db_engine, monkeypatch
):
    """16 guesses at once, each in its own committed transaction, as from many processes."""
    email = f"parallel-{uuid.uuid4().hex[:8]}@example.com"
    factory = make_session_factory(db_engine)
    with factory.begin() as setup:
        setup.add(User(email=email, name="Parallel", password_hash=hash_password(PASSWORD)))
    checks: list[int] = []
    verify = auth_views.verify_password
    monkeypatch.setattr(auth_views, "verify_password", lambda *a: checks.append(1) or verify(*a))
    apps = [webtest.TestApp(wsgi_app) for _ in range(16)]
    forms = [app.get("/login").forms["login-form"] for app in apps]
    answers: list[str] = []

    def guess(form) -> None:
        form["email"], form["password"] = email, "wrong guess"
        answers.append(_error(form.submit(status="*")))

    try:
        threads = [threading.Thread(target=guess, args=(form,)) for form in forms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert len(answers) == 16, answers
        assert len(checks) == int(wsgi_app.registry.settings["myynti.login_attempts"])
        assert sum(answer.startswith(TOO_MANY) for answer in answers) == 16 - len(checks)
    finally:
        with factory.begin() as cleanup:
            cleanup.execute(delete(FailedLogin).where(FailedLogin.email == email))
            cleanup.execute(delete(User).where(User.email == email))
