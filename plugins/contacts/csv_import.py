"""Reading a customer CSV the way Finnish spreadsheets write it, and checking every row.

Semicolons (or commas or tabs, sniffed), UTF-8 with or without a BOM. Nothing
is written here: ``validate`` returns a per-row report and ``rows_to_values``
what ``register.create_customer`` takes, so the import view can show the
report first and then write all rows in one transaction, or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus

from core.forms import normalised_phone
from plugins.contacts import _
from plugins.contacts.forms import split_tags
from plugins.contacts.models import Customer

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
NAME_MAX = 200

#: Target fields a column can be mapped to, with the header names that map by themselves.
TARGETS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nimi", "yritys", "asiakas", "company", "namn"),
    "business_id": ("business_id", "business id", "y-tunnus", "ytunnus", "fo-nummer"),
    "vat_number": ("vat_number", "vat", "alv-tunniste", "alv", "momsnummer"),
    "email": ("email", "e-mail", "sähköposti", "sahkoposti", "e-post"),
    "phone": ("phone", "puhelin", "puhelinnumero", "telefon"),
    "website": ("website", "www", "kotisivu", "verkkosivu"),
    "industry": ("industry", "toimiala", "bransch"),
    "language": ("language", "kieli", "språk"),
    "tags": ("tags", "tagit", "tunnisteet"),
    "street": ("street", "katuosoite", "osoite", "address", "gatuadress"),
    "postcode": ("postcode", "postinumero", "postnummer", "zip"),
    "city": ("city", "postitoimipaikka", "kaupunki", "paikkakunta", "ort"),
}


class FinnishCsv(csv.excel):
    """Excel's CSV as a Finnish Excel writes it: semicolons (for a file too short to sniff)."""

    delimiter = ";"


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``message`` is for the user."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(message.interpolate())


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class RowReport:
    line: int
    values: dict[str, Any]
    errors: list[Any] = field(default_factory=list)
    duplicate_of: Customer | None = None


def parse(data: bytes) -> ParsedFile:
    """Headers and rows of a CSV file; refuses an empty, too large or non-UTF-8 file."""
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than ${mb} MB.", mapping={"mb": MAX_BYTES // (1024 * 1024)})
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)”.")
        ) from None
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = FinnishCsv
    try:
        records = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise ImportFileError(
            _("The file is not valid CSV: ${reason}", mapping={"reason": str(exc)})
        ) from None
    records = [r for r in records if any(cell.strip() for cell in r)]
    if len(records) < 2:
        raise ImportFileError(_("The file has a header row but no customers."))
    if len(records) - 1 > MAX_ROWS:
        raise ImportFileError(
            _(
                "The file has ${rows} rows; import at most ${max} at a time.",
                mapping={"rows": len(records) - 1, "max": MAX_ROWS},
            )
        )
    headers = [h.strip() for h in records[0]]
    return ParsedFile(headers, records[1:])


def guess_mapping(headers: list[str], extra: Mapping[str, Any] | None = None) -> dict[int, str]:
    """Column index → target field, for the headers that name a field.

    ``extra`` are other plugins' columns (``core.record_forms.CsvColumn``) by key.
    """
    targets = dict(TARGETS)
    for key, column in (extra or {}).items():
        targets[key] = (key.lower(), *column.headers)
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        key = header.strip().lower()
        for target, names in targets.items():
            if key in names and target not in mapping.values():
                mapping[index] = target
    return mapping


def validate(
    db: Session,
    parsed: ParsedFile,
    mapping: Mapping[int, str],
    extra: Mapping[str, Any] | None = None,
) -> list[RowReport]:
    """A report per row: its values, its errors, and an existing customer it duplicates.

    Cells of ``extra`` columns are parsed by their column; the parsed values go
    in ``values["extensions"]`` for ``CsvColumn.write`` once the row is saved.
    """
    extra = extra or {}
    reports = []
    seen: dict[tuple[str, str], int] = {}
    for offset, row in enumerate(parsed.rows):
        line = offset + 2
        raw = {target: (row[i].strip() if i < len(row) else "") for i, target in mapping.items()}
        report = RowReport(line, {})
        _check_row(raw, report)
        _check_extensions(raw, extra, report)
        for key in ("business_id", "email", "phone_digits"):
            value = report.values.get(key)
            if value:
                first = seen.setdefault((key, value.lower()), line)
                if first != line:
                    report.errors.append(
                        _("Same ${field} as row ${row}.", mapping={"field": key, "row": first})
                    )
        reports.append(report)
    _find_existing(db, reports)
    return reports


def _check_row(raw: dict[str, str], report: RowReport) -> None:
    values = report.values
    name = raw.get("name", "")
    if not name:
        report.errors.append(_("Name is missing."))
    elif len(name) > NAME_MAX:
        report.errors.append(_("Name is longer than ${max} characters.", mapping={"max": NAME_MAX}))
    values["name"] = name[:NAME_MAX]
    if raw.get("business_id"):
        try:
            values["business_id"] = ytunnus.format(ytunnus.validate(raw["business_id"]))
        except InvalidChecksum:
            report.errors.append(_("The check digit of the business ID is wrong."))
        except StdnumError:
            report.errors.append(_("Enter the business ID as 1234567-8."))
    if raw.get("email"):
        try:
            values["email"] = validate_email(raw["email"], check_deliverability=False).normalized
        except EmailNotValidError:
            report.errors.append(_("Enter a valid e-mail address."))
    if raw.get("phone"):
        values["phone"] = raw["phone"][:40]
        values["phone_digits"] = normalised_phone(raw["phone"])
        if values["phone_digits"] is None:
            report.errors.append(_("Enter a phone number, e.g. 040 123 4567 or +358 40 123 4567."))
    language = (raw.get("language") or "fi").lower()[:2]
    values["language"] = language if language in {"fi", "sv", "en"} else "fi"
    for key, limit in (("vat_number", 20), ("website", 200), ("industry", 120)):
        if raw.get(key):
            values[key] = raw[key][:limit]
    address = {k: raw[k][:200] for k in ("street", "postcode", "city") if raw.get(k)}
    if address:
        values["visiting_address"] = address
    values["tags"] = split_tags(raw.get("tags", "").replace(";", ","))


def _check_extensions(raw: dict[str, str], extra: Mapping[str, Any], report: RowReport) -> None:
    parsed = {}
    for key, column in extra.items():
        try:
            parsed[key] = column.parse(raw.get(key, ""))
        except ValueError as exc:
            report.errors.append(exc.args[0])
    report.values["extensions"] = parsed


def _find_existing(db: Session, reports: list[RowReport]) -> None:
    """Mark rows whose business ID or e-mail already belongs to a customer (few queries)."""
    ids = {r.values["business_id"] for r in reports if r.values.get("business_id")}
    emails = {r.values["email"].lower() for r in reports if r.values.get("email")}
    existing: dict[tuple[str, str], Customer] = {}
    for chunk in _chunks(sorted(ids)):
        for customer in db.scalars(
            select(Customer).where(Customer.business_id.in_(chunk), Customer.archived_at.is_(None))
        ):
            existing[("business_id", customer.business_id)] = customer
    for chunk in _chunks(sorted(emails)):
        for customer in db.scalars(
            select(Customer).where(
                func.lower(Customer.email).in_(chunk), Customer.archived_at.is_(None)
            )
        ):
            existing[("email", customer.email.lower())] = customer
    for report in reports:
        report.duplicate_of = existing.get(
            ("business_id", report.values.get("business_id") or "")
        ) or existing.get(("email", (report.values.get("email") or "").lower()))


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
