"""The document form bound to a request: its choices from the tenant's rows, and reading it back.

Every id that comes back (customer, contact person, salesperson, product, VAT
rate) is looked up among the tenant's rows again; a line with a product takes
the product's name, unit, price and VAT class for whatever the user left
empty. ``read_form`` returns a ``DocumentInput`` or puts messages by the
fields and returns None.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import label_text
from core.forms import choices
from core.models import Membership, User
from plugins.accounting_link import _, payment_refs, references
from plugins.accounting_link.documents import DocumentInput, LineInput, settings_of
from plugins.accounting_link.forms import BLANK_LINES, DocumentForm
from plugins.accounting_link.models import DocumentKind, Product, SalesDocument, VatRate
from plugins.accounting_link.vat import rate_for, rates_on
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow.models import Task

CHOICES_MAX = 500

CHOOSE_CUSTOMER = _("Choose a customer.")
CHOOSE_PERSON = _("Choose one of the customer's contact persons.")
CHOOSE_MEMBER = _("Choose a member of your organisation.")
CHOOSE_PRODUCT = _("Choose a product from the list.")
QUANTITY_REQUIRED = _("Enter the quantity.")
PRICE_REQUIRED = _("Enter the unit price.")


def member_choices(db: Any) -> list[tuple[int, str]]:
    rows = db.execute(
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.active, User.active)
        .order_by(User.name, User.email)
    )
    return [(uid, name or email) for uid, name, email in rows]


def _customer_choices(db: Any, current: int | None) -> list[tuple[int, str]]:
    rows = [
        tuple(row)
        for row in db.execute(
            select(Customer.id, Customer.name)
            .where(Customer.archived_at.is_(None))
            .order_by(Customer.name)
            .limit(CHOICES_MAX)
        )
    ]
    if current and all(cid != current for cid, _name in rows):
        customer = db.get(Customer, current)
        if customer is not None:
            rows.insert(0, (customer.id, customer.name))
    return rows


def _rate_label(rate: VatRate, locale: str) -> str:
    percent = format(rate.percent.normalize(), "f")
    return f"{percent.replace('.', ',') if locale != 'en' else percent} %"


def bind_form(
    request: Any, doc: SalesDocument | None = None, task: Task | None = None
) -> DocumentForm:
    db = request.db
    form = DocumentForm.from_request(request, obj=doc)
    if request.method != "POST":
        if doc is None:
            _defaults(request, form, task)
        else:
            form.version.data = doc.version
            for key in ("customer_id", "contact_person_id", "salesperson_user_id"):
                getattr(form, key).data = getattr(doc, key) or 0
        while len(form.lines) < (len(doc.lines) if doc else 0) + BLANK_LINES:
            form.lines.append_entry()
    locale = request.locale_name
    customer_id = form.customer_id.data if (form.customer_id.data or 0) > 0 else None
    none = (0, "—")
    form.customer_id.choices = choices([none, *_customer_choices(db, customer_id)])
    form.customer_id.render_kw = {
        "data-search-url": request.route_url("customers_lookup"),
        "data-search-label": request.localizer.translate(_("Search customers")),
    }
    people = db.execute(
        select(ContactPerson.id, ContactPerson.name)
        .where(ContactPerson.customer_id == (customer_id or 0))
        .order_by(ContactPerson.name)
    )
    form.contact_person_id.choices = choices([none, *people])
    form.contact_person_id.render_kw = {
        "data-follows": form.customer_id.id,
        "data-follow-url": request.route_url("customers_lookup_contacts"),
        "data-follow-param": "customer",
    }
    form.salesperson_user_id.choices = choices([none, *member_choices(db)])
    products = db.scalars(select(Product).where(Product.active).order_by(Product.code))
    product_choices = choices(
        [none, *((p.id, f"{p.code} {label_text(p.name, locale)}") for p in products)]
    )
    day = form.document_date.data or date.today()
    rate_choices = choices([none, *((r.id, _rate_label(r, locale)) for r in rates_on(db, day))])
    for entry in form.lines:
        entry.product_id.choices = product_choices
        entry.vat_rate_id.choices = rate_choices
    return form


def _defaults(request: Any, form: DocumentForm, task: Task | None) -> None:
    settings = settings_of(request.db)
    form.document_date.data = date.today()
    form.payment_term_days.data = settings.payment_term_days
    form.salesperson_user_id.data = request.user.id
    if task is not None:
        form.customer_id.data = task.customer_id or 0
        form.contact_person_id.data = task.contact_person_id or 0
        form.salesperson_user_id.data = task.responsible_user_id or request.user.id
        form.our_reference.data = task.title[:120]


def read_form(request: Any, form: DocumentForm, kind: str) -> DocumentInput | None:
    """The document the form describes, or None with messages by the fields."""
    db = request.db
    ok = form.validate()
    customer = db.get(Customer, form.customer_id.data) if form.customer_id.data else None
    if customer is None:
        form.customer_id.errors = [*form.customer_id.errors, CHOOSE_CUSTOMER]
        ok = False
    person_id = form.contact_person_id.data or None
    if person_id is not None:
        person = db.get(ContactPerson, person_id)
        if person is None or customer is None or person.customer_id != customer.id:
            form.contact_person_id.errors = [*form.contact_person_id.errors, CHOOSE_PERSON]
            ok = False
    salesperson_id = form.salesperson_user_id.data or None
    if salesperson_id is not None and salesperson_id not in dict(member_choices(db)):
        form.salesperson_user_id.errors = [*form.salesperson_user_id.errors, CHOOSE_MEMBER]
        ok = False
    reference = (form.reference.data or "").strip() or None
    if reference is not None and kind == DocumentKind.INVOICE:
        problem = payment_refs.problem(reference)
        if problem is not None:
            form.reference.errors = [*form.reference.errors, problem]
            ok = False
        else:
            reference = references.printed(reference)
    day = form.document_date.data or date.today()
    lines = _read_lines(db, form, day, customer.language if customer else "fi")
    if lines is None or not ok or customer is None:
        return None
    return DocumentInput(
        customer=customer,
        contact_person_id=person_id,
        salesperson_user_id=salesperson_id,
        document_date=day,
        payment_term_days=form.payment_term_days.data,
        our_reference=form.our_reference.data or "",
        your_reference=form.your_reference.data or "",
        notes=form.notes.data or "",
        reference=reference,
        lines=[line for _index, line in lines],
    )


def line_indexes(form: DocumentForm) -> list[int]:
    """The form rows that hold lines, in order (blank rows are skipped)."""
    return [index for index, entry in enumerate(form.lines) if not entry.form.is_blank()]


def _read_lines(
    db: Any, form: DocumentForm, day: date, language: str
) -> list[tuple[int, LineInput]] | None:
    found: list[tuple[int, LineInput]] = []
    ok = True
    for index in line_indexes(form):
        row = form.lines[index].form
        product = db.get(Product, row.product_id.data) if row.product_id.data else None
        if row.product_id.data and product is None:
            row.product_id.errors = [*row.product_id.errors, CHOOSE_PRODUCT]
            ok = False
            continue
        if row.errors:
            ok = False
            continue
        description = (row.description.data or "").strip()
        price = row.unit_price.data
        rate_id = row.vat_rate_id.data or 0
        if product is not None:
            description = description or label_text(product.name, language)
            price = product.unit_price if price is None else price
            if not rate_id:
                rate = rate_for(db, product.vat_class, day)
                rate_id = rate.id if rate is not None else 0
        if row.quantity.data is None:
            row.quantity.errors = [QUANTITY_REQUIRED]
            ok = False
        if price is None:
            row.unit_price.errors = [PRICE_REQUIRED]
            ok = False
        if not ok:
            continue
        found.append(
            (
                index,
                LineInput(
                    description=description[:300],
                    quantity=row.quantity.data,
                    unit_price=price,
                    vat_rate_id=rate_id,
                    unit=(row.unit.data or "").strip() or (product.unit if product else "kpl"),
                    discount_percent=row.discount_percent.data or Decimal("0"),
                    product_id=product.id if product else None,
                ),
            )
        )
    return found if ok else None


def show_refusal(form: DocumentForm, field: str, message: str) -> None:
    """Put a ``DocumentRefused`` message by its field (``lines-<n>-<name>`` of the n-th line)."""
    if field.startswith("lines-"):
        _prefix, number, name = field.split("-", 2)
        rows = line_indexes(form)
        target = getattr(form.lines[rows[int(number)]].form, name, None)
    else:
        target = getattr(form, field, None)
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]
