"""Languages: Finnish, Swedish and English, from each plugin's Babel ``.po`` catalogs.

Catalogs are read from ``<package>/locale/<lang>/LC_MESSAGES/*.po`` at start-up and
compiled in memory, so there are no ``.mo`` files to build or to forget. The
user's choice is kept on the user (and in a cookie before signing in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, numbers
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
    """``1 234,56`` for fi; Babel's output, from the locale's symbols read once."""
    number = _as_decimal(value)
    if number is None:
        if digits is None:
            return numbers.format_decimal(value, locale=FORMAT_LOCALES[locale])
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return numbers.format_decimal(value, format=pattern, locale=FORMAT_LOCALES[locale])
    style = _number_style(locale)
    if digits is None:
        return style.digits(number, 3, strip=True)
    return style.digits(number, digits)


def format_money(value: float | Decimal | int, locale: str, currency: str = "EUR") -> str:
    """``1 234,56 €`` for fi; Babel's output, from the locale's currency pattern read once."""
    number = _as_decimal(value)
    if number is None:
        return numbers.format_currency(value, currency, locale=FORMAT_LOCALES[locale])
    style = _number_style(locale)
    fraction, positive, negative = _money_style(locale, currency)
    prefix, suffix = negative if number.is_signed() else positive
    return f"{prefix}{style.digits(abs(number), fraction)}{suffix}"


def format_date(value: date | None, locale: str) -> str:
    """``28.11.2026``: the Finnish date form serves both languages (GLOSSARY.md).

    Babel's ``d.M.yyyy``, the same in every locale, written directly: pages format
    hundreds of dates.
    """
    if value is None:
        return ""
    return f"{value.day}.{value.month}.{value.year:04d}"


def format_datetime(value: datetime | None, locale: str, tzinfo: str = "Europe/Helsinki") -> str:
    """``28.11.2026 14.05`` for fi, in Finnish time; a naive value is UTC (SQLite's)."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(ZoneInfo(tzinfo))
    return f"{format_date(local.date(), locale)} {local.hour:02d}.{local.minute:02d}"


# --- numbers without Babel per value -------------------------------------------------------


@dataclass(frozen=True)
class _NumberStyle:
    """A locale's decimal and group symbols and the minus Babel writes (``-``, not the
    locale's ``−``), for its standard ``#,##0`` grouping."""

    decimal: str
    group: str
    minus: str

    def digits(self, number: Decimal, fraction: int, *, strip: bool = False) -> str:
        """``number`` grouped, rounded half-even to ``fraction`` digits (trailing zeros
        dropped if ``strip``), as Babel's ``decimal_quantization`` rounds."""
        text = format(number, f",.{fraction}f")
        if strip and fraction:
            text = text.rstrip("0").rstrip(".")
        text = text.translate({ord(","): self.group, ord("."): self.decimal})
        return self.minus + text[1:] if text.startswith("-") else text


def _as_decimal(value: Any) -> Decimal | None:
    """``value`` as a finite Decimal as Babel reads it (a float through its ``str``), or
    None for what the fast path leaves to Babel."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, Decimal):
        number = value
    else:
        return None
    return number if number.is_finite() else None


@cache
def _number_style(locale: str) -> _NumberStyle:
    babel_locale = Locale.parse(FORMAT_LOCALES[locale])
    symbols = babel_locale.number_symbols.get("latn", babel_locale.number_symbols)
    pattern = babel_locale.decimal_formats[None]
    if pattern.grouping != (3, 3) or pattern.pattern != "#,##0.###":
        raise ValueError(f"{locale}: decimal pattern {pattern.pattern} needs Babel per value")
    minus = numbers.format_decimal(-1, locale=babel_locale).removesuffix("1")
    return _NumberStyle(symbols["decimal"], symbols["group"], minus)


@cache
def _money_style(locale: str, currency: str) -> tuple[int, tuple[str, str], tuple[str, str]]:
    """Fraction digits and the (prefix, suffix) of a positive and a negative amount, read
    from Babel's own output for 1 and -1 once per locale and currency."""
    babel_locale = FORMAT_LOCALES[locale]
    fraction = numbers.get_currency_precision(currency)
    core = _number_style(locale).digits(Decimal(1), fraction)
    sides = []
    for sample in (Decimal(1), Decimal(-1)):
        text = numbers.format_currency(sample, currency, locale=babel_locale)
        prefix, found, suffix = text.partition(core)
        if not found:
            raise ValueError(f"{locale}: {currency} amounts need Babel per value ({text})")
        sides.append((prefix, suffix))
    return fraction, sides[0], sides[1]
