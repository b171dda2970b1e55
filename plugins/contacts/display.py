"""How the customer page shows stored values: codes as words, addresses as links.

A language code becomes its name in the reader's language (``fi`` is "suomi"
in Finnish, "finska" in Swedish, "Finnish" in English) and a country code its
country, both from CLDR through Babel; an e-mail address becomes a ``mailto:``
link and a phone number a ``tel:`` link in international form.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from core.forms import normalised_phone


def language_name(code: str | None, locale: str) -> str:
    """``"suomi"`` for ``fi`` read in Finnish; the code itself when it names no language."""
    if not code:
        return ""
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, UnknownLocaleError):
        return code


def country_name(value: str | None, locale: str) -> str:
    """A two-letter country code (``FI``) as its name; anything else as it was typed."""
    if not value:
        return ""
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return Locale.parse(locale).territories.get(text.upper(), text)
    return text


def tel_href(phone: str | None) -> str | None:
    """``tel:+358501234567`` for a number that can be dialled, else None."""
    number = normalised_phone(phone)
    return f"tel:{number}" if number else None


def mailto_href(email: str | None) -> str | None:
    return f"mailto:{email}" if email else None


def web_href(address: str | None) -> str | None:
    """The web site as a link, ``https://`` added when no scheme was typed."""
    if not address:
        return None
    text = address.strip()
    return text if text.lower().startswith(("http://", "https://")) else f"https://{text}"
