"""Forms of the customer register."""

from __future__ import annotations

from typing import Any

from stdnum.eu import vat
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms import Form as WTForm
from wtforms.validators import URL, InputRequired, Length, Optional, ValidationError

from core.forms import BaseForm, business_id, choices, email_address, phone_number
from plugins.contacts import _
from plugins.contacts.models import CustomerKind

LANGUAGES = choices([("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))])
TAG_MAX = 60


def vat_number(form: Any, field: Any) -> None:
    """An EU VAT number such as ``FI20774740``; normalised to upper case without spaces."""
    if not field.data:
        return
    if not vat.is_valid(field.data):
        raise ValidationError(_("Enter a valid EU VAT number, e.g. FI20774740."))
    field.data = vat.compact(field.data)


def tag_list(form: Any, field: Any) -> None:
    for tag in split_tags(field.data):
        if len(tag) > TAG_MAX:
            raise ValidationError(
                _("A tag can be at most ${max} characters.", mapping={"max": TAG_MAX})
            )


def split_tags(value: str | None) -> list[str]:
    """Comma-separated tags, trimmed, without empties or repeats, in the order typed."""
    seen: dict[str, None] = {}
    for tag in (value or "").split(","):
        if tag.strip():
            seen.setdefault(tag.strip(), None)
    return list(seen)


class AddressForm(WTForm):
    street = StringField(_("Street address"), [Optional(), Length(max=200)])
    postcode = StringField(_("Postcode"), [Optional(), Length(max=20)])
    city = StringField(_("City"), [Optional(), Length(max=100)])
    country = StringField(_("Country"), [Optional(), Length(max=60)], default="Suomi")


class CustomerForm(BaseForm):
    kind = RadioField(
        _("Customer type"),
        choices=choices(
            [(CustomerKind.COMPANY, _("Company")), (CustomerKind.PERSON, _("Private person"))]
        ),
        default=CustomerKind.COMPANY,
    )
    name = StringField(_("Name"), [InputRequired(), Length(max=200)])
    business_id = StringField(_("Business ID"), [Optional(), business_id])
    vat_number = StringField(_("VAT number"), [Optional(), Length(max=20), vat_number])
    email = EmailField(_("E-mail"), [Optional(), Length(max=254), email_address])
    phone = StringField(_("Phone"), [Optional(), Length(max=40), phone_number])
    website = StringField(
        _("Web site"),
        [
            Optional(),
            Length(max=200),
            URL(message=_("Enter an address such as https://example.fi.")),
        ],
    )
    industry = StringField(_("Industry"), [Optional(), Length(max=120)])
    language = SelectField(_("Language"), choices=LANGUAGES, default="fi")
    tags = StringField(
        _("Tags"), [Optional(), Length(max=1000), tag_list], description=_("Separate with commas.")
    )
    responsible_user_id = SelectField(_("Responsible person"), coerce=int, default=0)
    team_id = SelectField(_("Team"), coerce=int, default=0)
    visiting_address = FormField(AddressForm, _("Visiting address"))
    postal_address = FormField(AddressForm, _("Postal address"))
    billing_address = FormField(AddressForm, _("Billing address"))
    title = StringField(_("Title"), [Optional(), Length(max=120)])
    marketing_consent = BooleanField(_("Consents to marketing"))
    consent_date = DateField(_("Consent date"), [Optional()])
    consent_source = StringField(_("Consent source"), [Optional(), Length(max=120)])
    version = HiddenField()
    create_anyway = BooleanField(_("Create anyway, it is not the same customer"))

    def set_choices(self, users: list[tuple[int, str]], teams: list[tuple[int, str]]) -> None:
        """Offer only this tenant's members and teams; anything else fails validation."""
        self.responsible_user_id.choices = choices([(0, "—"), *users])
        self.team_id.choices = choices([(0, "—"), *teams])

    def validate_business_id(self, field: Any) -> None:
        if field.data and self.kind.data == CustomerKind.PERSON:
            raise ValidationError(_("A private person has no business ID."))


class ContactPersonForm(BaseForm):
    name = StringField(_("Name"), [InputRequired(), Length(max=200)])
    title = StringField(_("Title"), [Optional(), Length(max=120)])
    email = EmailField(_("E-mail"), [Optional(), Length(max=254), email_address])
    phone = StringField(_("Phone"), [Optional(), Length(max=40), phone_number])
    language = SelectField(_("Language"), choices=LANGUAGES, default="fi")
    marketing_consent = BooleanField(_("Consents to marketing"))
    consent_date = DateField(_("Consent date"), [Optional()])
    consent_source = StringField(_("Consent source"), [Optional(), Length(max=120)])
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
