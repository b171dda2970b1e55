"""Files on records, stored outside the database and named by their content hash.

A file is written to ``<data_dir>/files/tmp`` while its hash and size are
computed, and moved to ``<data_dir>/files/<tenant>/<sha[:2]>/<sha>`` only when
the transaction that records it commits; on abort the temporary file is
removed. So a refused or rolled-back upload leaves nothing behind. Each tenant
has its own folder, so the same bytes in two tenants are two files and no
tenant can reach another's through a hash.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import transaction
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.i18n import _
from core.models import Attachment, User

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
CHUNK = 1024 * 1024


class AttachmentError(Exception):
    """A file that cannot be stored; ``message`` is a TranslationString for the user."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(message.interpolate())


@dataclass
class Upload:
    """A file received in full into a temporary file, not yet stored."""

    filename: str
    content_type: str
    size: int
    sha256: str
    temp_path: Path


#: A MIME type as ``type/subtype``, nothing else (no parameters, no odd characters).
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")
UNKNOWN_TYPE = "application/octet-stream"


def content_type_of(filename: str, declared: str = "") -> str:
    """The type a file is kept and sent as: its name's, else a well-formed declared one.

    The name decides first, as it does on the computer that opens the download;
    the browser's claim is only a fallback, and only when it is a plain
    ``type/subtype``.
    """
    guessed = mimetypes.guess_type(filename, strict=False)[0]
    if guessed:
        return guessed
    claimed = declared.split(";", 1)[0].strip().lower()
    return claimed if _MIME_TYPE.fullmatch(claimed) else UNKNOWN_TYPE


class FileStore:
    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> FileStore:
        root = Path(
            settings.get("myynti.storage_dir") or Path(settings["myynti.data_dir"]) / "files"
        )
        max_bytes = int(settings.get("myynti.attachment_max_bytes") or DEFAULT_MAX_BYTES)
        return cls(root, max_bytes)

    def path(self, tenant_id: int, sha256: str) -> Path:
        return self.root / str(tenant_id) / sha256[:2] / sha256

    def receive(self, filename: str, stream: IO[bytes], content_type: str = "") -> Upload:
        """Copy ``stream`` to a temporary file, checking the name, emptiness and size."""
        name = safe_filename(filename)
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
        temp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise AttachmentError(
                            _(
                                "${name} is larger than the limit of ${limit} MB.",
                                mapping={"name": name, "limit": self.max_bytes // (1024 * 1024)},
                            )
                        )
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise AttachmentError(_("${name} is empty.", mapping={"name": name}))
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        return Upload(
            name, content_type_of(name, content_type), size, digest.hexdigest(), temp_path
        )

    def store(
        self,
        db: Session,
        tenant_id: int,
        entity: str,
        record_id: int,
        uploads: Iterable[Upload],
        user: User | None,
        txn: transaction.interfaces.ITransaction | None = None,
    ) -> list[Attachment]:
        """Record ``uploads`` on a record; the files move into place when ``txn`` commits."""
        uploads = list(uploads)
        rows = [
            Attachment(
                tenant_id=tenant_id,
                entity=entity,
                record_id=record_id,
                sha256=u.sha256,
                filename=u.filename,
                size=u.size,
                content_type=u.content_type,
                uploaded_by=user.id if user is not None else None,
            )
            for u in uploads
        ]
        db.add_all(rows)
        (txn or transaction.get()).addAfterCommitHook(self._settle, args=(tenant_id, uploads))
        return rows

    def discard(self, uploads: Iterable[Upload]) -> None:
        for upload in uploads:
            upload.temp_path.unlink(missing_ok=True)

    def _settle(self, committed: bool, tenant_id: int, uploads: list[Upload]) -> None:
        for upload in uploads:
            if committed:
                final = self.path(tenant_id, upload.sha256)
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(upload.temp_path, final)
            else:
                upload.temp_path.unlink(missing_ok=True)

    def delete(
        self,
        db: Session,
        attachment: Attachment,
        txn: transaction.interfaces.ITransaction | None = None,
    ) -> None:
        """Delete the row; the file goes after commit when no other row of the tenant uses it."""
        db.delete(attachment)
        db.flush()
        still_used = db.scalar(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.sha256 == attachment.sha256)
        )
        if not still_used:
            path = self.path(attachment.tenant_id, attachment.sha256)
            (txn or transaction.get()).addAfterCommitHook(
                lambda committed: path.unlink(missing_ok=True) if committed else None
            )


def safe_filename(filename: str) -> str:
    """The name as given, refused when it holds path separators or control characters."""
    name = unicodedata.normalize("NFC", filename or "").strip()
    if not name:
        raise AttachmentError(_("The file has no name."))
    if "/" in name or "\\" in name or name in {".", ".."}:
        raise AttachmentError(
            _("The file name ${name} must not contain / or \\.", mapping={"name": name})
        )
    if any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in name):
        raise AttachmentError(_("The file name contains control characters."))
    if len(name) > 255:
        raise AttachmentError(_("The file name is longer than 255 characters."))
    return name


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = (
        unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "file"
    )
    ascii_name = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in ascii_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
