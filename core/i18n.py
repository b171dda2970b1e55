"""Languages: Finnish, Swedish and English, from each plugin's Babel ``.po`` catalogs.

Catalogs are read from ``<package>/locale/<lang>/LC_MESSAGES/*.po`` at start-up and
compiled in memory, so there are no ``.mo`` files to build or to forget. The
user's choice is kept on the user (and in a cookie before signing in).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates, numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from pyramid.i18n import Localizer, Translations, TranslationString, TranslationStringFactory
from pyramid.interfaces import ILocalizer
from pyramid.threadlocal import get_current_registry
from pyramid_chameleon.interfaces import IChameleonTranslate
from pyramid_chameleon.localization import translator as chameleon_translator
from translationstring import ChameleonTranslate

from core.models.base import as_utc

LOCALES = ("fi", "sv", "en")
#: Babel locales for formatting: Swedish and English in Finland keep Finnish dates and money.
FORMAT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_FI"}
LOCALE_COOKIE = "_LOCALE_"

_ = TranslationStringFactory("myynti")

#: Catalogues for text translated outside a request (a plugin's label in a job, the
#: CLI): every locale folder an app or ``use_catalogues`` named, and the installed
#: plugins'. Domains never overlap, so one merged set serves them all.
_FALLBACK_DIRS: list[Path] = []
_FALLBACK: dict[str, Localizer] = {}


def load_translations(locale_dirs: list[Path], locale: str) -> Translations:
    """All catalogs of ``locale`` found in ``locale_dirs``, merged by domain."""
    merged = _compiled(Catalog(locale=locale, domain="myynti"), "myynti")
    for locale_dir in locale_dirs:
        for po_path in sorted((locale_dir / locale / "LC_MESSAGES").glob("*.po")):
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale, domain=po_path.stem)
            merged.add(_compiled(catalog, po_path.stem), merge=True)
    return merged


def _compiled(catalog: Catalog, domain: str) -> Translations:
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


def register_localizers(registry: Any, locale_dirs: list[Path]) -> None:
    """Build one localizer per language once; Pyramid looks them up by name.

    Templates' ``i18n:translate`` goes through the same localizers. pyramid_chameleon
    installs its translator only when ``add_translation_dirs`` was used, which
    this module replaces, so it is installed here.
    """
    for locale in LOCALES:
        localizer = Localizer(locale, load_translations(locale_dirs, locale))
        registry.registerUtility(localizer, ILocalizer, name=locale)
    use_catalogues(locale_dirs)
    registry.registerUtility(ChameleonTranslate(chameleon_translator), IChameleonTranslate)


def use_catalogues(locale_dirs: list[Path]) -> None:
    """Make the catalogues of ``locale_dirs`` serve ``translate`` outside a request."""
    new = [d for d in locale_dirs if d not in _FALLBACK_DIRS]
    if new:
        _FALLBACK_DIRS.extend(new)
        _FALLBACK.clear()


def translate(message: str, locale: str) -> str:
    """``message`` in ``locale`` if it is a ``_()`` message; a plain string is kept.

    In a request the app's own catalogues are used; elsewhere (a job, the CLI, a
    script) those of every app made so far and of the installed plugins.
    """
    if not isinstance(message, TranslationString):
        return message
    localizer = get_current_registry().queryUtility(ILocalizer, name=locale)
    if localizer is None and locale in LOCALES:
        localizer = _fallback(locale)
    if localizer is None:
        return message.interpolate()
    return localizer.translate(message)


def _fallback(locale: str) -> Localizer:
    if not _FALLBACK:
        from core.plugins import PluginRegistry  # core.plugins imports this module

        installed = PluginRegistry.from_environment().plugins
        use_catalogues([p.locale_path for p in installed if p.locale_path])
        for each in LOCALES:
            _FALLBACK[each] = Localizer(each, load_translations(_FALLBACK_DIRS, each))
    return _FALLBACK[locale]


def pluralize(
    localizer: Localizer,
    singular: str,
    plural: str,
    count: int,
    domain: str,
    mapping: dict[str, Any] | None = None,
) -> str:
    """``1 asiakas`` / ``2 asiakasta``: the catalogue's form for ``count``.

    ``${count}`` in the message is ``count`` in the reader's number format unless
    ``mapping`` says otherwise. Extract with the keyword ``pluralize:2,3``.
    """
    values = {"count": format_number(count, localizer.locale_name), **(mapping or {})}
    return localizer.pluralize(singular, plural, count, domain=domain, mapping=values)


def in_every_language(message: str | Mapping[str, str]) -> dict[str, str]:
    """``{"fi": ..., "sv": ..., "en": ...}``: a label stored in data that outlives the
    catalogues (an event's payload, a default the tenant may rename), or compared with
    text typed in any language. A dict of texts by language is copied as it is."""
    if isinstance(message, Mapping):
        return dict(message)
    return {locale: translate(message, locale) for locale in LOCALES}


def negotiate_locale(request: Any) -> str:
    """The signed-in user's language, else the cookie, else the browser's, else the default."""
    user = getattr(request, "user", None)
    if user is not None and user.locale in LOCALES:
        return user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    default = request.registry.settings.get("myynti.default_locale", "fi")
    return request.accept_language.lookup(LOCALES, default=default)


def format_number(value: float | Decimal | int, locale: str, digits: int | None = None) -> str:
    """``1 234,56`` for fi."""
    if digits is None:
        return numbers.format_decimal(value, locale=FORMAT_LOCALES[locale])
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return numbers.format_decimal(value, format=pattern, locale=FORMAT_LOCALES[locale])


def format_money(value: float | Decimal | int, locale: str, currency: str = "EUR") -> str:
    """``1 234,56 €`` for fi."""
    return numbers.format_currency(value, currency, locale=FORMAT_LOCALES[locale])


def format_date(value: date | None, locale: str) -> str:
    """``28.11.2026``: the Finnish date form serves both languages (GLOSSARY.md)."""
    if value is None:
        return ""
    return dates.format_date(value, format="d.M.yyyy", locale=FORMAT_LOCALES[locale])


def format_datetime(value: datetime | None, locale: str, tzinfo: str = "Europe/Helsinki") -> str:
    """``28.11.2026 14.05`` for fi, in Finnish time; a naive value is UTC (SQLite's)."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(ZoneInfo(tzinfo))
    time = dates.format_time(local, format="HH.mm", locale=FORMAT_LOCALES[locale])
    return f"{format_date(local.date(), locale)} {time}"
