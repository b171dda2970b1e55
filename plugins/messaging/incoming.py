"""From the bytes of a received e-mail to what routing and storing need (``receiving.Incoming``).

A compact reader on the standard library's parser, so received mail is
stored and routed end to end: headers decoded without trusting their
charsets, the text (the HTML reduced to text when there is no text part) with
quoted history cut for display, the HTML sanitised by nh3 (once without its
remote images, for display, and once with them, for a user who asks to see
them), attachments up to a size (a bigger one recorded as skipped, not lost
silently), and whether the mail is automatic (an auto-reply, bulk or list
mail, an empty return path, a bounce with its failed recipients).

The message is parsed with the ``compat32`` policy, whose headers are plain
strings, and only the headers read here are decoded (``_decoded``).
``policy.default`` parses every header it is asked for into an object, and
the MIME walk asks for each part's Content-Type a dozen times: that was four
fifths of the time of reading a message. The MIME walk itself (``get_body``,
``iter_attachments``) is the standard library's, on ``_Part``. Contacts'
``receive_email`` wants a ``policy.default`` message; ``Incoming.as_email``
parses one when a message becomes a contact request.
"""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

import nh3

from plugins.contacts.requests.mailtext import html_to_text
from plugins.messaging.receiving import Incoming, IncomingFile

DEFAULT_MAX_ATTACHMENT = 25 * 1024 * 1024
MAX_ATTACHMENTS = 50
#: Where quoted history begins in a reply: a "wrote:" line (fi, sv, en) or a forwarded header.
_QUOTE_START = re.compile(
    r"^(On .{0,200} wrote:|.{0,200} kirjoitti\b.{0,100}:|Den .{0,200} skrev .{0,100}:|"
    r"-{2,}\s*(Original Message|Alkuperäinen viesti|Ursprungligt meddelande)\s*-{2,}|"
    r"From: .+)\s*$",
    re.IGNORECASE,
)
_AUTO_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}


class _Part(EmailMessage):
    """A MIME part whose headers are the ``compat32`` policy's plain strings."""

    def is_attachment(self) -> bool:
        return self.get_content_disposition() == "attachment"


_PARSER = BytesParser(_class=_Part, policy=policy.compat32)
_HEADER_PARSER = BytesHeaderParser(_class=_Part, policy=policy.compat32)


def _word(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    if charset is None:
        # decode_header gives the text between encoded words as raw-unicode-escape bytes.
        return chunk.decode("raw-unicode-escape", "replace")
    try:
        return chunk.decode(charset, "replace")
    except LookupError:
        # An unknown charset (or compat32's unknown-8bit for raw 8-bit headers): read as UTF-8.
        return chunk.decode("utf-8", "replace")


def _decoded(value: Any) -> str:
    """A header's text on one line, its encoded words decoded; what cannot be decoded kept."""
    if value is None:
        return ""
    try:
        text = "".join(_word(chunk, charset) for chunk, charset in decode_header(value))
    except (HeaderParseError, ValueError, TypeError):
        text = str(value)
    return " ".join(text.split())


def _header(message: EmailMessage, name: str) -> str:
    return _decoded(message.get(name))


def _addresses(message: EmailMessage, name: str) -> list[str]:
    values = [_header(message, name)]
    return [address.lower() for _n, address in getaddresses(values) if "@" in address][:50]


def _content(part: EmailMessage) -> str:
    """A text part's text; an unknown or lying charset reads as UTF-8."""
    data = part.get_payload(decode=True) or b""
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "us-ascii"
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def strip_quoted(text: str) -> str:
    """The text without the quoted history under it (the full text is kept separately)."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        if line.startswith(">") or _QUOTE_START.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip() or text.strip()


def _no_remote(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith(("cid:", "data:")):
        return None
    return value


def safe_html(html: str, remote_images: bool = False) -> str:
    """The HTML without scripts, event handlers or styles' tricks; without remote images
    unless ``remote_images`` (a user's choice per message: they tell the sender it was read)."""
    return nh3.clean(
        html,
        clean_content_tags={"script", "style"},
        attribute_filter=None if remote_images else _no_remote,
        url_schemes={"http", "https", "mailto", "cid"},
    )


def _html_versions(html: str) -> tuple[str, str]:
    """The HTML to show, and the one with its remote images (empty when it has none)."""
    if not html:
        return "", ""
    shown = safe_html(html)
    with_images = safe_html(html, remote_images=True)
    return shown, with_images if with_images != shown else ""


def _bounced(message: EmailMessage) -> list[str]:
    """The failed recipients of a delivery status notification (RFC 3464)."""
    if message.get_content_type() != "multipart/report":
        return []
    failed = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload() if part.is_multipart() else []:
            action = str(block.get("Action", "")).lower()
            recipient = str(block.get("Final-Recipient", "")).split(";")[-1].strip()
            if action == "failed" and "@" in recipient:
                failed.append(recipient.lower())
    return failed


def _automatic(message: EmailMessage, bounced: list[str]) -> bool:
    auto = _header(message, "Auto-Submitted").lower()
    return bool(
        (auto and auto != "no")
        or _header(message, "Precedence").lower() in _AUTO_PRECEDENCE
        or message.get("X-Autoreply")
        or message.get("X-Autorespond")
        or _header(message, "Return-Path").strip() == "<>"
        or message.get_content_type() == "multipart/report"
        or bounced
    )


def _message_id(message: EmailMessage) -> str:
    return _header(message, "Message-ID")[:998]


def _head(raw: bytes) -> bytes:
    """The header lines of ``raw``: up to the first empty line (CRLF or bare LF)."""
    ends = [end for end in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if end >= 0]
    return raw[: min(ends) + 2] if ends else raw


def message_key(raw: bytes) -> str:
    """The dedupe key of a received e-mail (``Incoming.key``), from its headers alone."""
    message_id = _message_id(_HEADER_PARSER.parsebytes(_head(raw))).strip()
    return message_id or f"sha256:{hashlib.sha256(raw).hexdigest()}"


def from_bytes(raw: bytes, max_attachment: int = DEFAULT_MAX_ATTACHMENT) -> Incoming:
    """Read a received e-mail."""
    message = _PARSER.parsebytes(raw)
    assert isinstance(message, _Part)
    name, sender = parseaddr(_header(message, "From"))
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    html = _content(html_part) if html_part is not None else ""
    text = _content(text_part) if text_part is not None else html_to_text(html) if html else ""
    files: list[IncomingFile] = []
    skipped: list[dict[str, Any]] = []
    for part in message.iter_attachments():
        filename = _decoded(part.get_filename()) or "attachment"
        data = part.get_payload(decode=True) or b""
        if len(data) > max_attachment:
            skipped.append({"filename": filename[:200], "size": len(data), "reason": "too large"})
        elif len(files) >= MAX_ATTACHMENTS:
            skipped.append({"filename": filename[:200], "size": len(data), "reason": "too many"})
        else:
            files.append(IncomingFile(filename, part.get_content_type(), data))
    try:
        date = parsedate_to_datetime(_header(message, "Date")) if message.get("Date") else None
    except (TypeError, ValueError, IndexError):
        date = None
    bounced = _bounced(message)
    shown_html, html_with_images = _html_versions(html)
    return Incoming(
        message_id=_message_id(message),
        sender=sender.lower()[:320],
        sender_name=name[:200],
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        delivered_to=_addresses(message, "Delivered-To") + _addresses(message, "X-Original-To"),
        subject=_header(message, "Subject")[:300],
        date=date if date is None or date.tzinfo is not None else None,
        in_reply_to=_header(message, "In-Reply-To")[:998],
        references=_header(message, "References")[:4000],
        text=text,
        display_text=strip_quoted(text),
        html=shown_html,
        html_with_images=html_with_images,
        files=files,
        skipped=skipped,
        automatic=_automatic(message, bounced),
        bounced=bounced,
        content_hash=hashlib.sha256(raw).hexdigest(),
        raw=raw,
    )
