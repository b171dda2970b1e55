"""The plugin's forms: a document with its lines, a payment, a delivery, products, settings.

Numbers are typed the Finnish way (``1 234,50``) or with a point. Selects of
rows are checked against the tenant's rows by the views, so a forged id gets
a message by its field.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from stdnum import iban
from stdnum.exceptions import ValidationError as StdnumError
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import BaseForm, business_id
from plugins.accounting_link import _
from plugins.workflow.forms import FinnishDateField

#: Empty line rows a new document's form offers.
BLANK_LINES = 5

REQUIRED = _("This field is required.")
NOT_A_NUMBER = _("Enter a number, e.g. 1 234,50.")
TOO_LARGE = _("The number is too large.")
DISCOUNT = _("Enter a discount from 0 to 100 %.")
NOT_NEGATIVE = _("The price cannot be negative.")
NUMBER_LIMIT = Decimal("999999999")
IBAN_INVALID = _("Enter an IBAN such as FI21 1234 5600 0007 85; check its digits.")


def to_int(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 <= number < 2**31 else -1


def id_select(label: Any, **kwargs: Any) -> SelectField:
    """A select of row ids, checked by the view against the tenant's rows."""
    return SelectField(label, coerce=to_int, validate_choice=False, default=0, **kwargs)


def parse_number(raw: str) -> Decimal | None:
    """A number typed the Finnish way or with a point; None for nothing; ``ValueError`` else."""
    text = raw.replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
    text = text.replace("%", "").replace("\u2212", "-")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(NOT_A_NUMBER) from None
    if not value.is_finite():
        raise ValueError(NOT_A_NUMBER)
    if abs(value) > NUMBER_LIMIT:
        raise ValueError(TOO_LARGE)
    return value


class NumberField(StringField):
    """A decimal number as typed in Finland; kept as ``Decimal``, the user's text kept on error."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        self.data = parse_number(valuelist[0] if valuelist else "")

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(self.data.normalize(), "f").replace(".", ",")


def _discount(form: Any, field: Any) -> None:
    if field.data is not None and not Decimal("0") <= field.data <= Decimal("100"):
        raise ValidationError(DISCOUNT)


def _not_negative(form: Any, field: Any) -> None:
    if field.data is not None and field.data < 0:
        raise ValidationError(NOT_NEGATIVE)


class LineForm(Form):
    """One line: a product (its name, price and VAT fill in what is left empty) or free text."""

    product_id = id_select(_("Product"))
    description = StringField(_("Description"), [Optional(), Length(max=300)])
    quantity = NumberField(_("Quantity"), [Optional()])
    unit = StringField(_("Unit"), [Optional(), Length(max=16)])
    unit_price = NumberField(_("Unit price (€)"), [Optional(), _not_negative])
    discount_percent = NumberField(_("Discount %"), [Optional(), _discount])
    vat_rate_id = id_select(_("VAT"))

    def is_blank(self) -> bool:
        return not (self.product_id.data or (self.description.data or "").strip())


class DocumentForm(BaseForm):
    customer_id = id_select(_("Customer"))
    contact_person_id = id_select(_("Contact person"))
    salesperson_user_id = id_select(_("Salesperson"))
    document_date = FinnishDateField(_("Date"), [InputRequired(message=REQUIRED)])
    payment_term_days = IntegerField(
        _("Payment term (days)"), [Optional(), NumberRange(min=0, max=365)]
    )
    our_reference = StringField(_("Our reference"), [Optional(), Length(max=120)])
    your_reference = StringField(_("Your reference"), [Optional(), Length(max=120)])
    reference = StringField(
        _("Reference number"),
        [Optional(), Length(max=35)],
        description=_("Leave empty to have one made from the invoice number."),
    )
    notes = TextAreaField(_("Notes"), [Optional(), Length(max=5000)])
    lines = FieldList(FormField(LineForm), min_entries=1)
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class StepForm(BaseForm):
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class PaymentForm(BaseForm):
    amount = NumberField(_("Amount (€)"), [InputRequired(message=REQUIRED)])
    paid_on = FinnishDateField(_("Payment date"), [InputRequired(message=REQUIRED)])
    payer = StringField(_("Payer"), [Optional(), Length(max=200)])


class ProductForm(BaseForm):
    code = StringField(_("Code"), [InputRequired(message=REQUIRED), Length(max=40)])
    name_fi = StringField(_("Name in Finnish"), [InputRequired(message=REQUIRED), Length(max=200)])
    name_sv = StringField(_("Name in Swedish"), [Optional(), Length(max=200)])
    name_en = StringField(_("Name in English"), [Optional(), Length(max=200)])
    unit = StringField(_("Unit"), [InputRequired(message=REQUIRED), Length(max=16)], default="kpl")
    unit_price = NumberField(
        _("Unit price (€, VAT 0 %)"), [InputRequired(message=REQUIRED), _not_negative]
    )
    vat_class = SelectField(_("VAT class"))
    active = BooleanField(_("Active"), default=True)
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    def names(self) -> dict[str, str]:
        fi = self.name_fi.data.strip()
        return {
            "fi": fi,
            "sv": (self.name_sv.data or "").strip() or fi,
            "en": (self.name_en.data or "").strip() or fi,
        }


def _iban(form: Any, field: Any) -> None:
    if not field.data:
        return
    try:
        field.data = iban.compact(iban.validate(field.data))
    except StdnumError:
        raise ValidationError(IBAN_INVALID) from None


class SettingsForm(BaseForm):
    company_name = StringField(
        _("Company name"), [InputRequired(message=REQUIRED), Length(max=200)]
    )
    business_id = StringField(_("Business ID"), [Optional(), business_id])
    vat_number = StringField(_("VAT number"), [Optional(), Length(max=20)])
    street = StringField(_("Street address"), [Optional(), Length(max=200)])
    postcode = StringField(_("Postcode"), [Optional(), Length(max=20)])
    city = StringField(_("City"), [Optional(), Length(max=100)])
    email = StringField(_("E-mail"), [Optional(), Length(max=254)])
    phone = StringField(_("Phone"), [Optional(), Length(max=40)])
    iban = StringField(_("IBAN"), [Optional(), _iban])
    bic = StringField(_("BIC"), [Optional(), Length(min=8, max=11)])
    reference_kind = SelectField(_("Reference numbers"))
    payment_term_days = IntegerField(
        _("Payment term (days)"), [InputRequired(message=REQUIRED), NumberRange(min=0, max=365)]
    )
    quote_valid_days = IntegerField(
        _("Quotes valid for (days)"), [InputRequired(message=REQUIRED), NumberRange(min=1, max=365)]
    )
    backend = SelectField(_("Accounting system"))
    netvisor_url = StringField(_("Netvisor address"), [Optional(), Length(max=200)])
    netvisor_sender = StringField(_("Netvisor sender"), [Optional(), Length(max=100)])
    netvisor_customer_id = StringField(_("Netvisor customer ID"), [Optional(), Length(max=100)])
    netvisor_partner_id = StringField(_("Netvisor partner ID"), [Optional(), Length(max=100)])
    netvisor_organisation_id = StringField(
        _("Netvisor organisation ID (business ID)"), [Optional(), Length(max=20)]
    )
    netvisor_customer_key = PasswordField(
        _("Netvisor customer key"),
        [Optional(), Length(max=200)],
        description=_("Leave empty to keep the stored key."),
    )
    netvisor_partner_key = PasswordField(
        _("Netvisor partner key"),
        [Optional(), Length(max=200)],
        description=_("Leave empty to keep the stored key."),
    )
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
