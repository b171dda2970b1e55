"""Forms of the tenant admin's pages: members and teams."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from core.forms import BaseForm, VersionedForm, email_address
from core.i18n import _
from core.models import Role, Team
from core.passwords import MIN_LENGTH

ROLE_LABELS = {Role.ADMIN: _("Admin"), Role.MEMBER: _("Member")}
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
DUPLICATE_TEAM = _("This tenant already has a team with this name.")
NOT_A_CANDIDATE = _("Choose an active member of this tenant who is not in the team yet.")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def translate_roles(request: Any, form: BaseForm) -> None:
    """Show the role choices in the user's language (WTForms prints choice labels as is)."""
    form.role.choices = [
        SelectChoice(role.value, request.localizer.translate(label))
        for role, label in ROLE_LABELS.items()
    ]


def unbound(form_class: type[BaseForm], request: Any, **kwargs: Any) -> Any:
    """A form shown beside another that was posted, so not filled from that post."""
    return form_class(None, meta={"locales": [request.locale_name, "en"]}, **kwargs)


class AddMemberForm(BaseForm):
    email = EmailField(
        _("E-mail"), [InputRequired(), Length(max=254), email_address], filters=[_strip]
    )
    name = StringField(
        _("Name"),
        [Optional(), Length(max=200)],
        filters=[_strip],
        description=_("A person who already has a Myynti account keeps their own name."),
    )
    role = SelectField(_("Role"), choices=ROLE_CHOICES, default=Role.MEMBER.value)
    password = PasswordField(
        _("Initial password"),
        [Optional(), Length(min=MIN_LENGTH), Length(max=1000)],
        description=_(
            "Needed only when the e-mail address is new to Myynti. At least 10 characters."
        ),
    )


class EditMemberForm(VersionedForm):
    role = SelectField(_("Role"), choices=ROLE_CHOICES)
    active = BooleanField(
        _("Active"), description=_("A deactivated member can no longer open this tenant.")
    )


class TeamForm(BaseForm):
    """A team's name, unique in the tenant regardless of letter case."""

    name = StringField(_("Name"), [DataRequired(), Length(max=120)], filters=[_strip])

    def __init__(self, *args: Any, db: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.db = db
        self.team = team

    def validate_name(self, field: Any) -> None:
        query = select(Team.name)
        if self.team is not None:
            query = query.where(Team.id != self.team.id)
        taken = {name.casefold() for name in self.db.scalars(query)}
        if field.data.casefold() in taken:
            raise ValidationError(DUPLICATE_TEAM)


class TeamRenameForm(VersionedForm, TeamForm):
    """A team's new name, saved only over the version the form was opened at."""


class TeamMemberForm(BaseForm):
    """Add a person to a team: only the offered candidates validate."""

    user_id = SelectField(_("Member"), validate_choice=False)

    def __init__(self, *args: Any, candidates: dict[str, str], **kwargs: Any) -> None:
        """``candidates``: user ids (as text) and how each is shown."""
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.user_id.choices = [SelectChoice(value, label) for value, label in candidates.items()]

    def validate_user_id(self, field: Any) -> None:
        if field.data not in self.candidates:
            raise ValidationError(NOT_A_CANDIDATE)
