"""Rendering message templates in jinja2's immutable sandbox, over plain values only.

A template sees dicts of strings (``customer``, ``contact``, ``task``,
``sender``, ``tenant``), never a model: it cannot reach the database, call a
method that changes anything, or read an attribute that was not offered. A
placeholder it names that is not offered renders empty. Syntax errors are
found when a template is saved (``check``), with the line and jinja's reason.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from core.models import Tenant, User
from plugins.messaging.records import Party

#: The placeholders offered, for the template form's help.
PLACEHOLDERS = (
    "customer.name",
    "customer.email",
    "contact.name",
    "contact.first_name",
    "contact.title",
    "contact.email",
    "task.title",
    "task.id",
    "sender.name",
    "sender.email",
    "tenant.name",
)

#: Rendering stops past this many characters: a loop cannot fill the memory.
MAX_OUTPUT = 200_000

_env = ImmutableSandboxedEnvironment(autoescape=False, undefined=ChainableUndefined)


class RenderError(Exception):
    """A template that cannot be rendered; ``line`` is where, when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def check(source: str) -> None:
    """Raise ``RenderError`` with the line and reason when ``source`` does not parse."""
    try:
        _env.parse(source)
    except TemplateSyntaxError as exc:
        raise RenderError(exc.message or "syntax error", exc.lineno) from None


def values(party: Party | None, sender: User | None, tenant: Tenant) -> dict[str, Any]:
    """The values a template may use, as plain dicts of text."""
    customer = party.customer if party else None
    person = party.person if party else None
    task = party.task if party else None
    request = party.request if party else None
    contact_name = (person.name if person else "") or (request.name if request else "")
    return {
        "customer": {
            "name": customer.name if customer else (request.company if request else ""),
            "email": (customer.email or "") if customer else "",
        },
        "contact": {
            "name": contact_name,
            "first_name": contact_name.split(" ")[0] if contact_name else "",
            "title": (person.title or "") if person else "",
            "email": party.email if party else "",
        },
        "task": {"title": task.title if task else "", "id": task.id if task else ""},
        "sender": {
            "name": sender.display_name if sender else tenant.name,
            "email": sender.email if sender else "",
        },
        "tenant": {"name": tenant.name},
    }


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """A template compiled once per text: a group send renders the same one thousands of times."""
    return _env.from_string(source)


def render_text(source: str, context: dict[str, Any]) -> str:
    try:
        template = _compiled(source)
        out = template.render(context)
    except TemplateSyntaxError as exc:
        raise RenderError(exc.message or "syntax error", exc.lineno) from None
    except (SecurityError, UndefinedError, TypeError, ValueError, ArithmeticError) as exc:
        raise RenderError(str(exc)) from None
    if len(out) > MAX_OUTPUT:
        raise RenderError(f"the text is longer than {MAX_OUTPUT} characters")
    return out


def render(subject: str, body: str, context: dict[str, Any]) -> Rendered:
    """The subject (one line) and body of a template for ``context``."""
    line = " ".join(render_text(subject, context).split())
    return Rendered(line, render_text(body, context))


def text_to_html(text: str) -> str:
    """Plain text as escaped HTML paragraphs: the HTML part of a message written as text."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
