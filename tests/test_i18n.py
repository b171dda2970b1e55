"""Languages: choosing and negotiating one, the Finnish catalog, Finnish numbers and dates.

The test app's default language is English (``core.testing``); Finnish is asked
for explicitly, as a user would.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import webtest
from babel import dates, numbers
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.app import make_config
from core.i18n import (
    FORMAT_LOCALES,
    LOCALE_COOKIE,
    format_date,
    format_datetime,
    format_money,
    format_number,
)
from core.models import Role
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.testing import app_in_transaction, csrf_token

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "core"
PLUGINS = ROOT / "plugins"
CATALOG = CORE / "locale" / "fi" / "LC_MESSAGES" / "myynti.po"

#: Where UI strings live: core and every plugin package.
SOURCE_DIRS = [CORE, *sorted(p for p in PLUGINS.iterdir() if (p / "__init__.py").is_file())]


def _spaces(text: str) -> str:
    """Babel separates thousands and the € sign with U+00A0 (no-break space); some
    CLDR versions use U+202F (narrow no-break space). Both read as one space."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _login_heading(page: webtest.TestResponse) -> str:
    return page.html.select_one("#login-form h1").get_text(strip=True)


def _switch(app: webtest.TestApp, locale: str, came_from: str) -> webtest.TestResponse:
    return app.post(
        "/locale",
        {"locale": locale, "came_from": came_from, "csrf_token": csrf_token(app)},
        status=303,
    )


@pytest.fixture
def anna(make_tenant, make_user) -> Any:
    tenant = make_tenant("acme", "Acme Oy")
    return make_user("anna@example.com", tenant=tenant, role=Role.ADMIN)


# --- choosing the language ---------------------------------------------------------------


def test_switching_language_before_login_sets_a_cookie(webapp):
    page = webapp.get("/login")
    assert _login_heading(page) == "Log in"
    response = _switch(webapp, "fi", "/login")
    assert response.location == "http://localhost/login"
    cookie = next(h for h in response.headers.getall("Set-Cookie") if h.startswith(LOCALE_COOKIE))
    assert cookie.startswith(f"{LOCALE_COOKIE}=fi;")
    assert "samesite=lax" in cookie.lower() and "max-age=" in cookie.lower()
    page = response.follow()
    assert _login_heading(page) == "Kirjaudu sisään"
    assert page.html.select_one("html")["lang"] == "fi"
    assert page.html.select_one("label[for=password]").get_text(strip=True) == "Salasana"
    assert page.html.select_one("button[name=locale][value=en]") is not None

    page = _switch(webapp, "en", "/login").follow()
    assert _login_heading(page) == "Log in"


def test_switching_language_when_signed_in_is_kept_on_the_user(webapp, anna, db, login):
    login(webapp, "anna@example.com")
    response = _switch(webapp, "fi", "/account/password")
    db.refresh(anna)
    assert anna.locale == "fi"
    page = response.follow()
    assert page.html.select_one("h1").get_text(strip=True) == "Vaihda salasana"
    assert "Kirjaudu ulos" in page.text

    # Another browser that asks for English: the user's own choice wins.
    other = webtest.TestApp(webapp.app, extra_environ={"REMOTE_ADDR": "192.0.2.12"})
    other.get("/login", headers={"Accept-Language": "en"})
    login(other, "anna@example.com")
    page = other.get("/account/password", headers={"Accept-Language": "en"})
    assert page.html.select_one("h1").get_text(strip=True) == "Vaihda salasana"


def test_translated_form_errors(webapp, anna, login):
    login(webapp, "anna@example.com")
    _switch(webapp, "fi", "/account/password")
    form = webapp.get("/account/password").forms["password-form"]
    form["current"] = "väärä salasana"
    form["new"] = "uusi pitkä salasana"
    form["repeat"] = "jotain ihan muuta"
    page = form.submit()
    assert page.html.select_one("#repeat-error").get_text(strip=True) == "Salasanat eivät täsmää."
    form = page.forms["password-form"]
    form["current"] = "väärä salasana"
    form["new"] = form["repeat"] = "uusi pitkä salasana"
    page = form.submit()
    assert page.html.select_one("#current-error").get_text(strip=True) == (
        "Nykyinen salasana on väärin."
    )


def test_wrong_login_message_is_translated(webapp, anna):
    form = webapp.get("/login", headers={"Accept-Language": "fi"}).forms["login-form"]
    form["email"] = "anna@example.com"
    form["password"] = "väärin"
    page = form.submit(headers={"Accept-Language": "fi"})
    assert page.html.select_one(".form-error").get_text(strip=True) == (
        "Sähköpostiosoite tai salasana on väärin."
    )


def test_unknown_language_changes_nothing(webapp, anna, db, login):
    login(webapp, "anna@example.com")
    response = _switch(webapp, "xx", "/t/acme/")
    assert LOCALE_COOKIE not in str(response.headers.getall("Set-Cookie"))
    db.refresh(anna)
    assert anna.locale is None


def test_switching_language_never_leads_off_the_site(webapp):
    webapp.get("/login")
    response = _switch(webapp, "fi", "//evil.example/")
    assert response.location == "http://localhost/"


# --- negotiating the language -------------------------------------------------------------


@pytest.fixture(scope="module")
def finnish_default_wsgi(app_settings, db_engine) -> Any:
    """An app with the production default, Finnish."""
    settings = {**app_settings, "myynti.default_locale": "fi"}
    registry = PluginRegistry([CORE_PLUGIN])
    return make_config(settings, registry=registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def finnish_default(finnish_default_wsgi, db_connection):
    with app_in_transaction(finnish_default_wsgi, db_connection, "192.0.2.50") as app:
        yield app


@pytest.mark.parametrize(
    ("accept_language", "heading"),
    [
        (None, "Kirjaudu sisään"),
        ("en-US,en;q=0.9", "Log in"),
        ("en-GB", "Log in"),
        ("fi-FI,fi;q=0.9,en;q=0.8", "Kirjaudu sisään"),
        ("sv-FI,sv;q=0.9", "Logga in"),
        ("de, en;q=0.5", "Log in"),
        ("en;q=abc,,;;", "Kirjaudu sisään"),
    ],
)
def test_browser_language_decides_before_any_choice(finnish_default, accept_language, heading):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = finnish_default.get("/login", headers=headers, status=200)
    assert _login_heading(page) == heading


def test_cookie_beats_the_browser_language(finnish_default):
    finnish_default.set_cookie(LOCALE_COOKIE, "en")
    page = finnish_default.get("/login", headers={"Accept-Language": "fi"})
    assert _login_heading(page) == "Log in"
    finnish_default.set_cookie(LOCALE_COOKIE, "klingon")
    assert _login_heading(finnish_default.get("/login")) == "Kirjaudu sisään"


# --- the Finnish catalog ------------------------------------------------------------------


def _catalog() -> dict[str, str]:
    """The Finnish messages of core and of every plugin, merged as the app merges them."""
    messages: dict[str, str] = {}
    for source in SOURCE_DIRS:
        for po_path in sorted((source / "locale" / "fi" / "LC_MESSAGES").glob("*.po")):
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale="fi")
            messages.update(_flat(catalog))
    return messages


def _flat(catalog: Any) -> dict[str, str]:
    """msgid -> msgstr; a plural message gives its singular and its plural form."""
    flat: dict[str, str] = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        flat.update({i: s for i, s in zip(ids, strings, strict=False) if s})
    return flat


def _where(source: Path) -> str:
    return str(source.relative_to(ROOT))


@pytest.mark.parametrize("source", SOURCE_DIRS, ids=_where)
def test_every_message_of_the_code_has_a_finnish_translation(source):
    catalog = _catalog()
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(source), method_map=[("**.py", "python")], keywords={"_": None}
        )
        if isinstance(message, str)
    }
    missing = sorted(m for m in found if not catalog.get(m))
    assert not missing, f"{_where(source)}: add to {_where(CATALOG)}: {missing}"


#: ``i18n:translate=""`` on an element whose text has no markup inside.
SIMPLE_TRANSLATE = re.compile(r'i18n:translate=""[^>]*>([^<$]+)</')


def _templates(source: Path) -> list[Path]:
    """Core's templates, or a plugin's (``plugins/<name>/templates``)."""
    return sorted((source / "templates").rglob("*.pt"))


@pytest.mark.parametrize("source", SOURCE_DIRS, ids=_where)
def test_every_simple_template_message_has_a_finnish_translation(source):
    catalog = _catalog()
    found = set()
    for template in _templates(source):
        for text in SIMPLE_TRANSLATE.findall(template.read_text(encoding="utf-8")):
            found.add(" ".join(text.split()))
    missing = sorted(m for m in found if m and not catalog.get(m))
    if _templates(source):
        assert len(found) > 5, f"{_where(source)}: the pattern finds too few messages"
    assert not missing, f"{_where(source)}: add to {_where(CATALOG)}: {missing}"


def test_placeholders_survive_translation():
    for msgid, msgstr in _catalog().items():
        assert set(re.findall(r"\${\w+}", msgid)) == set(re.findall(r"\${\w+}", msgstr)), msgid


def _messages(po_path: Path, locale: str) -> dict[str, str]:
    with po_path.open("rb") as po_file:
        return _flat(read_po(po_file, locale=locale))


#: Plugins that ship Swedish: every catalogue of theirs has its Swedish twin.
SWEDISH = [s for s in SOURCE_DIRS if (s / "locale" / "sv").is_dir()]


@pytest.mark.parametrize("source", SWEDISH, ids=_where)
def test_a_swedish_catalogue_translates_every_finnish_message(source):
    for fi_path in sorted((source / "locale" / "fi" / "LC_MESSAGES").glob("*.po")):
        sv_path = source / "locale" / "sv" / "LC_MESSAGES" / fi_path.name
        assert sv_path.is_file(), f"{_where(source)}: no Swedish {fi_path.name}"
        finnish, swedish = _messages(fi_path, "fi"), _messages(sv_path, "sv")
        missing = sorted(m for m in finnish if not swedish.get(m))
        assert not missing, f"{_where(sv_path)}: add {missing}"
        for msgid, msgstr in swedish.items():
            placeholders = set(re.findall(r"\${\w+}", msgid))
            assert placeholders == set(re.findall(r"\${\w+}", msgstr)), msgid


# --- formats -------------------------------------------------------------------------------


def test_money_in_finnish():
    assert _spaces(format_money(1234.56, "fi")) == "1 234,56 €"
    assert _spaces(format_money(Decimal("1234567.8"), "fi")) == "1 234 567,80 €"
    assert _spaces(format_money(0, "fi")) == "0,00 €"
    assert _spaces(format_money(Decimal("-5.5"), "fi")) in ("-5,50 €", "−5,50 €")


def test_babel_uses_no_break_spaces():
    """A line never breaks inside an amount: the spaces are no-break spaces."""
    assert " " not in format_money(1234.56, "fi")
    assert set(format_money(1234.56, "fi")) & {"\u00a0", "\u202f"}


def test_numbers_in_finnish():
    assert _spaces(format_number(1234.5, "fi", 2)) == "1 234,50"
    assert _spaces(format_number(1234567, "fi", 0)) == "1 234 567"
    assert format_number(25.5, "fi") == "25,5"


def test_dates_in_finnish():
    assert format_date(date(2026, 11, 28), "fi") == "28.11.2026"
    assert format_date(date(2026, 1, 5), "fi") == "5.1.2026"
    assert format_date(None, "fi") == ""


def test_datetimes_in_helsinki_time():
    # 12.05 UTC is 14.05 in Helsinki in November (EET, UTC+2)...
    assert format_datetime(datetime(2026, 11, 28, 12, 5, tzinfo=UTC), "fi") == "28.11.2026 14.05"
    # ...and 15.05 in July (EEST, UTC+3).
    assert format_datetime(datetime(2026, 7, 1, 12, 5, tzinfo=UTC), "fi") == "1.7.2026 15.05"
    # SQLite gives naive datetimes back; they were stored in UTC.
    assert format_datetime(datetime(2026, 11, 28, 12, 5), "fi") == "28.11.2026 14.05"
    # Late evening UTC is already the next day in Finland.
    assert format_datetime(datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "fi") == "1.1.2027 00.30"
    assert format_datetime(None, "fi") == ""


def test_english_keeps_the_finnish_forms():
    """GLOSSARY.md: English in Finland still writes 28.11.2026 and 1 234,56 €."""
    assert format_date(date(2026, 11, 28), "en") == "28.11.2026"
    assert _spaces(format_money(1234.56, "en")) == "1 234,56 €"


def test_swedish_in_finland_writes_the_finnish_forms():
    """GLOSSARY.md: sv-FI writes 28.11.2026 and 1 234,56 €, like Finnish."""
    assert format_date(date(2026, 11, 28), "sv") == "28.11.2026"
    assert _spaces(format_money(1234.56, "sv")) == "1 234,56 €"


def test_formats_are_babels_without_babel_per_value():
    """Numbers, money and dates are written from each locale's symbols, read from Babel
    once, so a page of hundreds of amounts does not call Babel for each: the output is
    Babel's own, character for character, rounding (half-even) and signs included."""
    values = [0, 1, -1, -0.0, 0.0005, 0.0015, -0.0004, 2.675, 1234.5655, 1e20, 123456789.123456]
    values += [Decimal("2.675"), Decimal("-0.005"), Decimal("1E+3"), Decimal("1.5E-7")]
    values += [Decimal("-1234567.891"), 10**15, -987654321]
    for locale, babel_locale in FORMAT_LOCALES.items():
        for value in values:
            assert format_number(value, locale) == numbers.format_decimal(
                value, locale=babel_locale
            )
            for digits in (0, 1, 2):
                pattern = "#,##0." + "0" * digits if digits else "#,##0"
                assert format_number(value, locale, digits) == numbers.format_decimal(
                    value, format=pattern, locale=babel_locale
                )
            for currency in ("EUR", "SEK", "JPY"):
                assert format_money(value, locale, currency) == numbers.format_currency(
                    value, currency, locale=babel_locale
                )
        for day in (date(2026, 1, 5), date(2026, 12, 31), date(999, 3, 4)):
            assert format_date(day, locale) == dates.format_date(
                day, format="d.M.yyyy", locale=babel_locale
            )
        moment = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
        local = moment.astimezone(ZoneInfo("Europe/Helsinki"))
        expected = dates.format_time(local, format="HH.mm", locale=babel_locale)
        assert format_datetime(moment, locale) == f"29.3.2026 {expected}"


# --- Swedish -------------------------------------------------------------------------------


def test_a_swedish_browser_gets_the_login_page_in_swedish(finnish_default):
    page = finnish_default.get("/login", headers={"Accept-Language": "sv-FI,sv;q=0.9"})
    assert _login_heading(page) == "Logga in"
    assert page.html.select_one("html")["lang"] == "sv"
    assert page.html.select_one("label[for=password]").get_text(strip=True) == "Lösenord"
    switcher = {b["value"]: b.get_text(strip=True) for b in page.html.select("button[name=locale]")}
    assert switcher == {"fi": "Suomeksi", "en": "In English"}


def test_the_switcher_offers_swedish_and_remembers_it(webapp):
    page = webapp.get("/login", headers={"Accept-Language": "fi"})
    button = page.html.select_one("button[name=locale][value=sv]")
    assert button.get_text(strip=True) == "På svenska" and button["lang"] == "sv"
    response = _switch(webapp, "sv", "/login")
    cookie = next(h for h in response.headers.getall("Set-Cookie") if h.startswith(LOCALE_COOKIE))
    assert cookie.startswith(f"{LOCALE_COOKIE}=sv;")
    page = response.follow(headers={"Accept-Language": "fi"})
    assert _login_heading(page) == "Logga in"
    form = page.forms["login-form"]
    form["email"] = "nobody@example.com"
    form["password"] = "fel lösenord"
    page = form.submit()
    assert page.html.select_one(".form-error").get_text(strip=True) == (
        "E-postadressen eller lösenordet är fel."
    )


@pytest.fixture
def sara(make_tenant, make_user) -> Any:
    """Sara, a salesperson of Bolaget Ab, which uses contacts."""
    tenant = make_tenant("bolaget", "Bolaget Ab", plugins=("contacts",))
    make_user("sara@bolaget.example", tenant=tenant, role=Role.MEMBER, name="Sara Säljare")
    return tenant


def _customers(db: Any, tenant: Any, count: int) -> list[Any]:
    from core.db import set_tenant
    from plugins.contacts.models import Customer

    set_tenant(db, tenant.id)
    updated = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    customers = [
        Customer(
            name=f"Kund {n:04} Ab",
            tags=[],
            updated_at=updated,
            marketing_consent=True,
            consent_date=date(2026, 3, 5),
        )
        for n in range(count)
    ]
    db.add_all(customers)
    db.flush()
    return customers


def test_the_customer_list_in_swedish_with_finnish_formats(webapp, sara, db, login):
    """Chosen in the switcher, kept on the user: words in Swedish, 1 000 and 28.11.2026."""
    customers = _customers(db, sara, 1001)
    login(webapp, "sara@bolaget.example")
    _switch(webapp, "sv", "/t/bolaget/customers")
    page = webapp.get("/t/bolaget/customers", headers={"Accept-Language": "en"})
    assert page.html.select_one("html")["lang"] == "sv"
    assert page.html.select_one("main h1").get_text(strip=True) == "Kunder"
    assert _spaces(page.html.select_one(".count").get_text(" ", strip=True)) == "1 000+ kunder"
    headings = [th.get_text(strip=True) for th in page.html.select("table.customers th")]
    assert headings[:5] == ["Namn", "FO-nummer", "E-post", "Telefon", "Taggar"]
    assert headings[-1] == "Uppdaterad"
    first_row = page.html.select_one("table.customers tbody tr")
    assert first_row.select("td")[-1].get_text(strip=True) == "28.11.2026"
    assert "Nästa" in page.html.select_one("nav.pager").get_text()

    page = webapp.get(f"/t/bolaget/customers/{customers[0].id}")
    main = page.html.select_one("main").get_text(" ", strip=True)
    assert "Kontaktpersoner" in main and "Inga bilagor." in main
    assert "Samtycker till marknadsföring 5.3.2026" in main
    # The labels plugins give in hook data (menu, panel titles) are Swedish too.
    menu = [a.get_text(strip=True) for a in page.html.select("nav.navigation a")]
    assert menu[:2] == ["Startsida", "Kunder"]
    panels = [h.get_text(strip=True) for h in page.html.select("main h2")]
    assert "Kontaktförfrågningar" in panels and "Händelsehistorik" in panels
    assert not {"Yhteyspyynnöt", "Tapahtumahistoria", "Liitetiedostot"} & set(panels)


def test_accept_language_sv_gives_a_signed_in_user_swedish(webapp, sara, db, login):
    """A user who never chose a language gets the browser's Swedish."""
    _customers(db, sara, 3)
    webapp.get("/login", headers={"Accept-Language": "sv"})
    login(webapp, "sara@bolaget.example")
    page = webapp.get("/t/bolaget/customers", headers={"Accept-Language": "sv-FI,sv;q=0.9"})
    assert page.html.select_one("main h1").get_text(strip=True) == "Kunder"
    assert page.html.select_one(".count").get_text(" ", strip=True) == "3 kunder"
    assert page.html.select_one("button[name=locale][value=sv]") is None
