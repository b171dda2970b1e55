"""Finding a template for a recipient's language, and saving one that renders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Tenant, User
from plugins.messaging.models import Template
from plugins.messaging.records import Party
from plugins.messaging.rendering import Rendered, render, values

LANGUAGES = ("fi", "sv", "en")


class UnknownTemplate(LookupError):
    """The tenant has no template of this key and channel."""


def pick(db: Session, key: str, channel: str, language: str) -> Template:
    """The version of ``key`` in ``language``, else Finnish, else English, else any."""
    versions = {
        row.language: row
        for row in db.scalars(
            select(Template).where(Template.key == key, Template.channel == channel)
        )
    }
    if not versions:
        raise UnknownTemplate(key)
    for lang in (language, "fi", "en", "sv"):
        if lang in versions:
            return versions[lang]
    return next(iter(versions.values()))


def render_for(
    db: Session,
    tenant: Tenant,
    key: str,
    channel: str,
    party: Party | None,
    sender: User | None,
) -> Rendered:
    """Template ``key`` rendered for the record of ``party``, in its language."""
    template = pick(db, key, channel, party.language if party else "fi")
    return render(template.subject, template.body, values(party, sender, tenant))
