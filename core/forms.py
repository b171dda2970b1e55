"""Form base and validators every plugin can reuse.

Messages are ``TranslationString`` objects (a ``str``), translated when shown;
WTForms' own messages come in the user's language through ``meta.locales``.
CSRF is checked by Pyramid for every POST, so forms carry no CSRF field of their
own; templates put ``api.csrf_token`` in a hidden ``csrf_token`` input.
"""

from __future__ import annotations

import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from wtforms import Form
from wtforms.validators import ValidationError

from core.i18n import _

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class BaseForm(Form):
    """A form bound to a request: its POST data and the user's language."""

    @classmethod
    def from_request(cls, request: Any, obj: Any = None, **kwargs: Any) -> BaseForm:
        formdata = request.POST if request.method == "POST" else None
        return cls(formdata, obj=obj, meta={"locales": [request.locale_name, "en"]}, **kwargs)


def email_address(form: Any, field: Any) -> None:
    """A deliverable-looking e-mail address; normalises the field's data."""
    if not field.data:
        return
    try:
        field.data = validate_email(field.data.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid e-mail address.")) from None


def slug(form: Any, field: Any) -> None:
    """A tenant's address name: lower-case letters, digits and inner hyphens."""
    if field.data and not SLUG_RE.match(field.data):
        raise ValidationError(
            _("Use 1–63 lower-case letters a–z, digits and hyphens, not at the start or end.")
        )
