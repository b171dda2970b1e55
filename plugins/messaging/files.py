"""Files of messages as core attachments of the record, in a request or in a job.

``FileStore.store`` moves a file into place when the *zope* transaction
commits, which a job (a plain SQLAlchemy transaction) does not have. The
store is content-addressed per tenant, so this module writes the bytes to
their final place first and then adds the row: a rolled-back row leaves at
most an unreferenced file of the same tenant, never a row without its file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.attachments import AttachmentError, FileStore, content_type_of, safe_filename
from core.i18n import _
from core.models import Attachment, User


def store_bytes(
    db: Session,
    settings: Mapping[str, Any],
    tenant_id: int,
    entity: str,
    record_id: int,
    filename: str,
    data: bytes,
    content_type: str = "",
    user: User | None = None,
) -> Attachment:
    """Write ``data`` into the tenant's files and record it on the record.

    ``AttachmentError`` for a name that is not a file name or a file over the limit.
    """
    store = FileStore.from_settings(dict(settings))
    name = safe_filename(filename)
    if len(data) > store.max_bytes:
        raise AttachmentError(
            _(
                "${name} is larger than the limit of ${limit} MB.",
                mapping={"name": name, "limit": store.max_bytes // (1024 * 1024)},
            )
        )
    sha = hashlib.sha256(data).hexdigest()
    final = store.path(tenant_id, sha)
    if not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, final)
    row = Attachment(
        tenant_id=tenant_id,
        entity=entity,
        record_id=record_id,
        sha256=sha,
        filename=name,
        size=len(data),
        content_type=content_type_of(name, content_type),
        uploaded_by=user.id if user is not None else None,
    )
    db.add(row)
    return row


def read_bytes(settings: Mapping[str, Any], attachment: Attachment) -> bytes:
    store = FileStore.from_settings(dict(settings))
    return store.path(attachment.tenant_id, attachment.sha256).read_bytes()
