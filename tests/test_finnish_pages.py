"""No English in the Finnish (or Swedish) UI: every main page is walked and read.

A tenant with every plugin and its demo data; its admin, who reads Finnish (then
Swedish), starts from the dashboard and follows every link of the tenant: the
menu items of every plugin, lists, record pages, forms and settings. One page of
each kind is read (``/customers/12`` stands for every customer). A page fails on

* a text, button value, aria-label, title, placeholder or option that is an English
  message of a catalogue which has a translation in the page's language, and
* a text that is a message of the code (``_()`` or a template) with no translation.

Record references and counts are messages with placeholders ("Task #${number}"),
so they are matched as patterns.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, NavigableString

from core.db import set_tenant
from core.models import Role
from plugins.contacts.models import Customer

ROOT = Path(__file__).resolve().parent.parent
#: Where UI strings live: core, every plugin and the example plugin.
SOURCES = [
    ROOT / "core",
    *sorted(p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file()),
    *sorted(p for p in (ROOT / "examples").glob("*/*") if (p / "locale").is_dir()),
]
#: Pages that are not pages: downloads, signing out, the JSON API, files.
SKIP = re.compile(r"/logout|/api/|\.(csv|xlsx|pdf|xml|json|ics)$|/export|/download|/static/|/file")
#: At most this many pages in a walk (one page per kind of URL).
MAX_PAGES = 250
ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")

SIMPLE_TRANSLATE = re.compile(r'i18n:translate=""[^>]*>([^<$]+)</')


def _catalogue(locale: str) -> dict[str, str]:
    """Every msgid of every domain with its translation in ``locale`` ('' if none)."""
    messages: dict[str, str] = {}
    for source in SOURCES:
        for po_path in sorted((source / "locale" / locale / "LC_MESSAGES").glob("*.po")):
            with po_path.open("rb") as po_file:
                for message in read_po(po_file, locale=locale):
                    if message.id and isinstance(message.id, str):
                        messages.setdefault(message.id, message.string or "")
                        messages[message.id] = messages[message.id] or message.string or ""
                    elif message.id:
                        singular, plural = message.id
                        strings = message.string if isinstance(message.string, tuple) else ()
                        forms = (*strings, "", "")[:2]
                        for msgid, msgstr in zip((singular, plural), forms, strict=True):
                            messages[msgid] = messages.get(msgid) or msgstr
    return messages


@cache
def _code_messages() -> frozenset[str]:
    """The msgids of the code: ``_()`` in Python and simple ``i18n:translate`` in templates."""
    found: set[str] = set()
    for source in SOURCES:
        for *_where, message, _comments, _context in extract_from_dir(
            str(source),
            method_map=[("**.py", "python")],
            keywords={"_": None, "ngettext": (1, 2), "pluralize": (1, 2)},
        ):
            found.update([message] if isinstance(message, str) else message)
        for template in sorted(source.rglob("*.pt")):
            for text in SIMPLE_TRANSLATE.findall(template.read_text(encoding="utf-8")):
                found.add(" ".join(text.split()))
    return frozenset(m for m in found if m)


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\$\{\w+\}", msgid)
    return re.compile(".+?".join(re.escape(part) for part in parts) + r"\Z")


@cache
def _english(locale: str) -> tuple[frozenset[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    """English texts that must not show in ``locale``: plain ones, and patterns."""
    translated = _catalogue(locale)
    english = {
        msgid
        for msgid in set(translated) | _code_messages()
        if not translated.get(msgid) or translated[msgid] != msgid
    }
    # A word that reads the same in both languages ("Order" in Swedish) is not English.
    english -= set(translated.values())
    english = {m for m in english if re.search(r"[A-Za-z]{2}", m) and len(m) > 1}
    plain = frozenset(m for m in english if "${" not in m)
    patterns = tuple(
        (m, _pattern(m)) for m in sorted(english) if "${" in m and re.sub(r"\$\{\w+\}", "", m)
    )
    # A pattern must say something besides its placeholders ("${name}" is not English).
    patterns = tuple((m, p) for m, p in patterns if len(re.sub(r"\$\{\w+\}|\W", "", m)) >= 3)
    return plain, patterns


def _texts(html: str, locale: str) -> Iterator[tuple[str, str]]:
    """(where, text) of everything a user reads or hears on the page."""
    soup = BeautifulSoup(html, "html.parser")
    # What the user typed (a textarea's text) is data, not the UI.
    for element in soup.find_all(["script", "style", "template", "noscript", "textarea"]):
        element.decompose()
    for element in soup.find_all(lang=True):
        if element.name != "html" and not element["lang"].startswith(locale):
            element.decompose()
    for node in soup.find_all(string=True):
        if isinstance(node, NavigableString) and node.parent is not None:
            text = " ".join(node.split())
            if text:
                yield node.parent.name, text
    for element in soup.find_all(True):
        for attribute in ATTRIBUTES:
            if element.get(attribute):
                yield f"{element.name}[{attribute}]", " ".join(element[attribute].split())
        button = element.name in ("input", "button") and element.get("type") in ("submit", "button")
        if button and element.get("value"):
            yield f"{element.name}[value]", element["value"]


def _english_on(html: str, locale: str) -> list[tuple[str, str]]:
    plain, patterns = _english(locale)
    found = []
    for where, text in _texts(html, locale):
        stripped = text.strip(" :*·,.()")
        if text in plain or stripped in plain:
            found.append((where, text))
            continue
        for msgid, pattern in patterns:
            if pattern.match(text):
                found.append((where, f"{text} ← {msgid}"))
                break
    return found


def _kind(url: str) -> str:
    """``/t/x/customers/12/edit`` and ``/t/x/customers/13/edit`` are pages of one kind."""
    parts = urlsplit(url)
    query = "&".join(sorted(q.split("=")[0] for q in parts.query.split("&") if q))
    return re.sub(r"/\d+", "/N", parts.path) + "?" + query


def _links(html: str, bases: tuple[str, ...]) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for anchor in soup.find_all("a", href=True):
        href = anchor["href"].split("#")[0]
        if href.startswith("http://localhost"):
            href = href[len("http://localhost") :]
        if href.startswith(bases) and not SKIP.search(urlsplit(href).path):
            found.append(href)
    return found


def _walk(app: Any, base: str, locale: str) -> tuple[list[str], dict[str, list]]:
    """Every kind of page reachable from the dashboard and the platform admin's pages;
    the English found on each."""
    bases = (base, "/platform", "/account")
    seen_kinds: set[str] = set()
    queue = deque([f"{base}/", "/platform/tenants", "/platform/jobs"])
    visited: list[str] = []
    english: dict[str, list] = {}
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        kind = _kind(url)
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        response = app.get(url, expect_errors=True)
        assert response.status_int < 500, (url, response.status)
        if response.status_int != 200 or "html" not in response.content_type:
            continue
        visited.append(url)
        assert response.html.select_one("html")["lang"] == locale, url
        found = _english_on(response.text, locale)
        if found:
            english[url] = found
        queue.extend(link for link in _links(response.text, bases) if _kind(link) not in seen_kinds)
    return visited, english


@pytest.fixture
def demo(db, make_tenant, make_user, myynti_registry) -> dict[str, Any]:
    """A tenant with every plugin and every plugin's demo data; its admin (also the
    platform's) and a member."""
    tenant = make_tenant("demo", "Demo Oy", plugins=tuple(p.name for p in myynti_registry.licensed))
    admin = make_user(
        "admin@demo.example", tenant=tenant, role=Role.ADMIN, name="Anna Admin", platform_admin=True
    )
    member = make_user("myyja@demo.example", tenant=tenant, name="Matti Myyjä")
    set_tenant(db, tenant.id)
    for plugin in myynti_registry.licensed:
        myynti_registry.call_one(
            plugin.name, "myynti_demo_data", db=db, tenant=tenant, users=[admin, member]
        )
    db.flush()
    return {"tenant": tenant, "admin": admin, "base": f"/t/{tenant.slug}"}


def _walk_in(locale: str, webapp: Any, demo: dict[str, Any], db: Any, login: Any) -> None:
    demo["admin"].locale = locale
    db.flush()
    login(webapp, demo["admin"].email)
    visited, english = _walk(webapp, demo["base"], locale)
    kinds = {_kind(url) for url in visited}
    # The walk reached the menus of every plugin, records, forms and settings.
    for expected in (
        "/t/demo/customers?",
        "/t/demo/customers/N?",
        "/t/demo/customers/new?",
        "/t/demo/tasks/N?",
        "/t/demo/settings/custom-fields?",
        "/t/demo/admin/users?",
        "/platform/jobs?",
        "/platform/tenants?",
    ):
        assert expected in kinds, (expected, sorted(kinds))
    assert len(visited) > 40, sorted(kinds)
    report = "\n".join(
        f"{url}\n" + "\n".join(f"    {where}: {text}" for where, text in sorted(set(found)))
        for url, found in english.items()
    )
    assert not english, f"English on {len(english)} of {len(visited)} pages:\n{report}"


def test_every_page_in_finnish(webapp, demo, db, login):
    _walk_in("fi", webapp, demo, db, login)


def test_every_page_in_swedish(webapp, demo, db, login):
    _walk_in("sv", webapp, demo, db, login)


@pytest.mark.parametrize(
    ("locale", "one", "two"),
    [
        ("fi", "1 asiakas", "2 asiakasta"),
        ("sv", "1 kund", "2 kunder"),
        ("en", "1 customer", "2 customers"),
    ],
)
def test_the_customer_count_has_the_right_plural(
    webapp, db, make_tenant, make_user, login, locale, one, two
):
    tenant = make_tenant("acme", plugins=("contacts",))
    user = make_user("anna@example.com", tenant=tenant, role=Role.ADMIN)
    user.locale = locale
    set_tenant(db, tenant.id)
    db.add(Customer(tenant_id=tenant.id, name="Alfa Oy"))
    db.flush()
    login(webapp, user.email)
    count = webapp.get("/t/acme/customers").html.select_one("p.count")
    assert count.get_text(strip=True) == one
    db.add(Customer(tenant_id=tenant.id, name="Beta Oy"))
    db.flush()
    count = webapp.get("/t/acme/customers").html.select_one("p.count")
    assert count.get_text(strip=True) == two
