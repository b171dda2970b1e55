"""Uploading, downloading and deleting a record's attachments."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import FileResponse
from pyramid.view import view_config
from sqlalchemy import select

from core.attachments import AttachmentError, FileStore, content_disposition
from core.entities import entity_types, find_record
from core.history import ATTACHMENT_ADDED, ATTACHMENT_DELETED, record_event
from core.i18n import _, pluralize
from core.models import Attachment
from core.security import CorePermission


def record_attachments(request: Any, entity: str, record_id: int) -> list[Attachment]:
    return list(
        request.db.scalars(
            select(Attachment)
            .where(Attachment.entity == entity, Attachment.record_id == record_id)
            .order_by(Attachment.created_at.desc(), Attachment.id.desc())
        )
    )


def _page(request: Any, entity: Any, record: Any, errors: list[str] | None = None) -> dict:
    request.page_context = record
    return {
        "entity_type": entity,
        "record": record,
        "attachments": record_attachments(request, entity.name, record.id),
        "errors": errors or [],
        "max_mb": FileStore.from_settings(request.registry.settings).max_bytes // (1024 * 1024),
    }


def _attachable(request: Any) -> tuple[Any, Any]:
    entity, record = find_record(
        request, request.matchdict["entity"], int(request.matchdict["record_id"])
    )
    if not entity.attachments:
        raise HTTPNotFound()
    return entity, record


@view_config(
    route_name="record_attachments",
    request_method="GET",
    renderer="core:templates/attachments.pt",
    permission=CorePermission.ATTACHMENTS_VIEW,
)
def attachments_page(request: Any) -> dict[str, Any]:
    return _page(request, *_attachable(request))


@view_config(
    route_name="record_attachments",
    request_method="POST",
    renderer="core:templates/attachments.pt",
    permission=CorePermission.ATTACHMENTS_ADD,
)
def upload(request: Any) -> Any:
    """Store every file of the post, or none: one bad file refuses the whole upload."""
    entity, record = _attachable(request)
    store = FileStore.from_settings(request.registry.settings)
    files = [f for f in request.POST.getall("files") if hasattr(f, "file")]
    errors: list[str] = []
    uploads = []
    if not files:
        errors.append(request.localizer.translate(_("Choose at least one file.")))
    for field in files:
        try:
            uploads.append(store.receive(field.filename, field.file, field.type or ""))
        except AttachmentError as exc:
            errors.append(request.localizer.translate(exc.message))
    if errors:
        store.discard(uploads)
        request.response.status_int = 400
        return _page(request, entity, record, errors)
    rows = store.store(
        request.db,
        request.tenant.id,
        entity.name,
        record.id,
        uploads,
        request.user,
        request.tm.get(),
    )
    request.db.flush()
    for row in rows:
        record_event(
            request.db,
            entity.name,
            record.id,
            ATTACHMENT_ADDED,
            {"attachment_id": row.id, "filename": row.filename, "size": row.size},
            user=request.user,
        )
    request.session.flash(
        pluralize(
            request.localizer, "${count} file added.", "${count} files added.", len(rows), "myynti"
        )
    )
    return HTTPSeeOther(
        request.route_url("record_attachments", entity=entity.name, record_id=record.id)
    )


def _attachment(request: Any) -> tuple[Any, Attachment]:
    """The attachment of the URL, checked against its record's entity permission."""
    attachment = request.db.scalar(
        select(Attachment).where(Attachment.id == int(request.matchdict["attachment_id"]))
    )
    if attachment is None or attachment.entity not in entity_types(request):
        raise HTTPNotFound()
    entity, _record = find_record(request, attachment.entity, attachment.record_id)
    return entity, attachment


@view_config(route_name="attachment", permission=CorePermission.ATTACHMENTS_VIEW)
def download(request: Any) -> Any:
    _entity, attachment = _attachment(request)
    store = FileStore.from_settings(request.registry.settings)
    path = store.path(attachment.tenant_id, attachment.sha256)
    if not path.exists():
        raise HTTPNotFound()
    response = FileResponse(str(path), request=request, content_type=attachment.content_type)
    response.headers["Content-Disposition"] = content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever show the file instead of saving it, nothing in it runs.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@view_config(
    route_name="attachment_delete",
    request_method="POST",
    permission=CorePermission.ATTACHMENTS_DELETE,
)
def delete(request: Any) -> Any:
    entity, attachment = _attachment(request)
    store = FileStore.from_settings(request.registry.settings)
    record_event(
        request.db,
        entity.name,
        attachment.record_id,
        ATTACHMENT_DELETED,
        {"filename": attachment.filename, "size": attachment.size},
        user=request.user,
    )
    record_id = attachment.record_id
    store.delete(request.db, attachment, request.tm.get())
    request.session.flash(
        request.localizer.translate(_("${name} deleted.", mapping={"name": attachment.filename}))
    )
    return HTTPSeeOther(
        request.route_url("record_attachments", entity=entity.name, record_id=record_id)
    )
