"""CSV import of customers: upload, map columns, check every row, then write all or nothing."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from core.contract import label_text
from core.i18n import pluralize
from core.record_forms import csv_columns
from plugins.contacts import _, csv_import, import_refusals, register
from plugins.contacts.permissions import ContactsPermission

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEEP_SECONDS = 24 * 3600
PREVIEW_ROWS = 10
REPORT_ROWS = 200
#: The header of the refused rows' last column.
REASON = _("Why it was not imported")


def _import_dir(request: Any) -> Path:
    """Uploaded files wait here between the steps, in the tenant's own folder."""
    root = Path(request.registry.settings["myynti.data_dir"]) / "imports" / str(request.tenant.id)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _pending_file(request: Any) -> tuple[str, Path]:
    token = request.matchdict["token"]
    path = _import_dir(request) / f"{token}.csv"
    if not TOKEN_RE.match(token) or not path.exists():
        raise HTTPNotFound()
    return token, path


def _forget_old_files(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for old in [*folder.glob("*.csv"), *folder.glob("refused/*.csv")]:
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


@view_config(
    route_name="customers_import",
    renderer="plugins.contacts:templates/import_upload.pt",
    permission=ContactsPermission.CUSTOMER_IMPORT,
)
def upload(request: Any) -> Any:
    error = None
    if request.method == "POST":
        upload = request.POST.get("file")
        if not hasattr(upload, "file"):
            error = _("Choose a CSV file.")
        else:
            data = upload.file.read(csv_import.MAX_BYTES + 1)
            try:
                csv_import.parse(data)
            except csv_import.ImportFileError as exc:
                error = exc.message
            else:
                folder = _import_dir(request)
                _forget_old_files(folder)
                token = secrets.token_urlsafe(24)
                (folder / f"{token}.csv").write_bytes(data)
                return HTTPSeeOther(request.route_url("customers_import_check", token=token))
        request.response.status_int = 400
    return {"error": error, "max_rows": csv_import.MAX_ROWS}


@view_config(
    route_name="customers_import_check",
    renderer="plugins.contacts:templates/import_check.pt",
    permission=ContactsPermission.CUSTOMER_IMPORT,
)
def check(request: Any) -> Any:
    """GET: preview and mapping. POST ``check``: the row report. POST ``import``: write."""
    token, path = _pending_file(request)
    parsed = csv_import.parse(path.read_bytes())
    extra = {c.key: c for c in csv_columns(request, "customer")}
    targets = [*csv_import.TARGETS, *(k for k in extra if k not in csv_import.TARGETS)]
    mapping = _posted_mapping(request, parsed, targets) if request.method == "POST" else None
    if mapping is None:
        mapping = csv_import.guess_mapping(parsed.headers, extra)
    reports = None
    mapping_errors = []
    if request.method == "POST":
        mapping_errors = _mapping_errors(request, mapping, extra)
        if not mapping_errors:
            reports = csv_import.validate(request.db, parsed, mapping, extra)
    allow_duplicates = request.POST.get("allow_duplicates") == "1"
    failing = [
        r
        for r in reports or []
        if r.errors or (r.duplicate_of is not None and not allow_duplicates)
    ]
    action = request.POST.get("action")
    if reports is not None and action == "import" and not failing:
        _write(request, reports, extra)
        path.unlink(missing_ok=True)
        request.session.flash(
            pluralize(
                request.localizer,
                "${count} customer imported.",
                "${count} customers imported.",
                len(reports),
                "myynti_contacts",
            )
        )
        return HTTPSeeOther(request.route_url("customers"))
    valid = [r for r in reports or [] if r not in failing]
    if action == "import_valid" and failing and valid:
        return _import_valid(request, token, path, parsed, valid, failing, extra, allow_duplicates)
    if mapping_errors or failing:
        request.response.status_int = 400
    return {
        "token": token,
        "headers": parsed.headers,
        "preview": parsed.rows[:PREVIEW_ROWS],
        "row_count": len(parsed.rows),
        "mapping": mapping,
        "targets": targets,
        "target_labels": {
            **{k: request.localizer.translate(v) for k, v in TARGET_LABELS.items()},
            **{k: label_text(c.label, request.locale_name) for k, c in extra.items()},
        },
        "mapping_errors": mapping_errors,
        "reports": reports,
        "failing": failing[:REPORT_ROWS],
        "failing_count": len(failing),
        "valid_count": len(valid),
        "allow_duplicates": allow_duplicates,
    }


def _write(request: Any, reports: list[csv_import.RowReport], extra: dict[str, Any]) -> None:
    for report in reports:
        values = dict(report.values)
        tags = values.pop("tags", [])
        extensions = values.pop("extensions", {})
        customer = register.create_customer(request.db, values, tags, request.user)
        for key, value in extensions.items():
            extra[key].write(customer, value)


def _import_valid(
    request: Any,
    token: str,
    path: Path,
    parsed: csv_import.ParsedFile,
    valid: list[csv_import.RowReport],
    failing: list[csv_import.RowReport],
    extra: dict[str, Any],
    allow_duplicates: bool,
) -> Any:
    """Write the rows that passed; keep the others, with why, for the user to download."""
    _write(request, valid, extra)
    translate = request.localizer.translate
    refused = [(parsed.rows[r.line - 2], _reasons(request, r, allow_duplicates)) for r in failing]
    content = import_refusals.refused_rows_csv(parsed.headers, refused, translate(REASON))
    import_refusals.refusals_path(_import_dir(request), token).write_bytes(content)
    path.unlink(missing_ok=True)
    request.session.flash(
        translate(
            _(
                "${count} customers imported; ${refused} rows were not.",
                mapping={"count": len(valid), "refused": len(failing)},
            )
        )
    )
    return HTTPSeeOther(request.route_url("customers_import_refused", token=token))


def _reasons(request: Any, report: csv_import.RowReport, allow_duplicates: bool) -> str:
    translate = request.localizer.translate
    reasons = [translate(error) for error in report.errors]
    if report.duplicate_of is not None and not allow_duplicates:
        name = report.duplicate_of.name
        reasons.append(translate(_("Already a customer: ${name}", mapping={"name": name})))
    return " ".join(reasons)


def _refusals(request: Any) -> Path:
    token = request.matchdict["token"]
    path = import_refusals.refusals_path(_import_dir(request), token)
    if not TOKEN_RE.match(token) or not path.exists():
        raise HTTPNotFound()
    return path


@view_config(
    route_name="customers_import_refused",
    renderer="plugins.contacts:templates/import_refused.pt",
    permission=ContactsPermission.CUSTOMER_IMPORT,
)
def refused_page(request: Any) -> dict[str, Any]:
    path = _refusals(request)
    rows = len(csv_import.parse(path.read_bytes()).rows)
    return {"token": request.matchdict["token"], "refused_count": rows}


@view_config(
    route_name="customers_import_refused_csv",
    permission=ContactsPermission.CUSTOMER_IMPORT,
)
def refused_csv(request: Any) -> Response:
    response = Response(_refusals(request).read_bytes(), content_type="text/csv", charset="utf-8")
    response.content_disposition = 'attachment; filename="hylatyt-rivit.csv"'
    return response


def _mapping_errors(request: Any, mapping: dict[int, str], extra: dict[str, Any]) -> list[Any]:
    """What the mapping leaves out: the name, or a column another plugin requires."""
    chosen = set(mapping.values())
    errors = []
    if "name" not in chosen:
        errors.append(_("Choose the column that holds the customer's name."))
    for key, column in extra.items():
        if column.required and key not in chosen:
            label = label_text(column.label, request.locale_name)
            errors.append(
                _("Choose the column for “${field}”: it is required.", mapping={"field": label})
            )
    return errors


def _posted_mapping(
    request: Any, parsed: csv_import.ParsedFile, targets: list[str]
) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index in range(len(parsed.headers)):
        target = request.POST.get(f"col-{index}", "")
        if target in targets and target not in mapping.values():
            mapping[index] = target
    return mapping


TARGET_LABELS = {
    "name": _("Name"),
    "business_id": _("Business ID"),
    "vat_number": _("VAT number"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "website": _("Web site"),
    "industry": _("Industry"),
    "language": _("Language"),
    "tags": _("Tags"),
    "street": _("Street address"),
    "postcode": _("Postcode"),
    "city": _("City"),
}
