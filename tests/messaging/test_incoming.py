"""Reading received mail from its bytes: each kind of bad input the issue names, then stored."""

from __future__ import annotations

from email.message import EmailMessage

from bs4 import BeautifulSoup
from sqlalchemy import select

from core.models import Attachment
from plugins.messaging import tokens
from plugins.messaging.incoming import from_bytes
from plugins.messaging.models import Message, State
from plugins.messaging.receiving import store
from tests.messaging.conftest import as_tenant


def mail(subject="Kysymys", text="Hei!", **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("from_", "Ville Virtanen <ville@virtanen.example>")
    message["To"] = headers.pop("to", "myynti@acme.example")
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message


def test_malformed_headers_and_an_unknown_charset_still_read(jobdb, acme, app_secrets):
    raw = (
        b"From: =?x-unknown?q?Vil=E9?= <ville@virtanen.example>\r\n"
        b"To: myynti@acme.example, <<broken@@>>\r\n"
        b"Subject: =?x-klingon?B?SGVp?= =?utf-8?q?T=C3=A4m=C3=A4?=\r\n"
        b"Date: yesterday-ish\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n"
        b"\r\n"
        b"Hei \xe4\xf6\r\n"
    )
    received = from_bytes(raw)
    assert received.sender == "ville@virtanen.example"
    assert "Tämä" in received.subject
    assert received.date is None
    assert received.message_id == ""  # none: the content hash keys it
    message = store(jobdb, as_tenant(jobdb, acme.tenant), app_secrets, received)
    assert message.message_key == f"sha256:{received.content_hash}"
    assert message.body_text.startswith("Hei")


def test_a_subject_or_name_with_line_breaks_adds_no_header(jobdb, acme):
    raw = (
        b'From: "Ville\r\nBcc: everyone@example.com" <ville@virtanen.example>\r\n'
        b"Subject: Hei\r\n X-Injected: yes\r\n"
        b"Message-ID: <inj@virtanen.example>\r\n\r\nteksti\r\n"
    )
    received = from_bytes(raw)
    assert "\n" not in received.subject and "\r" not in received.subject
    assert received.to == []


def test_html_is_sanitised_and_remote_images_removed():
    message = mail()
    message.add_alternative(
        '<p onclick="steal()" style="x">Hei<script>alert(1)</script>'
        '<img src="https://track.example/pixel.gif" onerror="x()"><img src="cid:logo">'
        '<a href="javascript:alert(1)">linkki</a></p>',
        subtype="html",
    )
    html = from_bytes(message.as_bytes()).html
    assert "script" not in html and "onclick" not in html and "onerror" not in html
    assert "track.example" not in html
    assert 'src="cid:logo"' in html
    assert "javascript:" not in html


def test_quoted_history_is_cut_for_display_and_kept_in_full():
    text = "Kiitos, sopii!\n\nOn Mon, 1 Dec 2026 Maija wrote:\n> Käykö maanantai?\n"
    received = from_bytes(mail(text=text).as_bytes())
    assert received.display_text == "Kiitos, sopii!"
    assert "Käykö maanantai?" in received.text
    finnish = "Sopii.\n\nMaija Myyjä kirjoitti 1.12.2026 klo 10.00:\n> Käykö?\n"
    assert from_bytes(mail(text=finnish).as_bytes()).display_text == "Sopii."


def test_a_40_mb_attachment_and_a_zip_bomb_name_are_recorded_as_skipped(jobdb, acme, app_secrets):
    address = tokens.reply_address(
        app_secrets, acme.tenant.id, tokens.RecordRef("task", acme.task.id), "myynti@acme.example"
    )
    message = mail(to=address, Message_ID="<big@virtanen.example>")
    message.add_attachment(
        b"\0" * (40 * 1024 * 1024), "application", "octet-stream", filename="iso.bin"
    )
    message.add_attachment(
        b"PK\x03\x04", "application", "zip", filename="../../../../etc/cron.d/x.zip"
    )
    message.add_attachment(b"ok", "text", "plain", filename="ok.txt")
    received = from_bytes(message.as_bytes())
    assert [s["filename"] for s in received.skipped] == ["iso.bin"]
    stored = store(jobdb, as_tenant(jobdb, acme.tenant), app_secrets, received)
    assert [s["filename"] for s in stored.skipped] == ["iso.bin", "../../../../etc/cron.d/x.zip"]
    [kept] = jobdb.scalars(select(Attachment).where(Attachment.entity == "task"))
    assert kept.filename == "ok.txt"


def test_auto_replies_bulk_and_bounces_are_recognised():
    assert from_bytes(mail(Auto_Submitted="auto-replied").as_bytes()).automatic
    assert not from_bytes(mail(Auto_Submitted="no").as_bytes()).automatic
    assert from_bytes(mail(Precedence="bulk").as_bytes()).automatic
    assert from_bytes(mail(X_Autoreply="yes").as_bytes()).automatic
    assert from_bytes(mail(Return_Path="<>").as_bytes()).automatic
    assert not from_bytes(mail().as_bytes()).automatic
    dsn = (
        b"From: MAILER-DAEMON@mx.example\r\nTo: myynti@acme.example\r\n"
        b"Subject: Undelivered Mail\r\nMessage-ID: <dsn@mx.example>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; Ville@Virtanen.example\r\nAction: failed\r\n"
        b"Status: 5.1.1\r\n\r\n--r--\r\n"
    )
    bounce = from_bytes(dsn)
    assert bounce.automatic and bounce.bounced == ["ville@virtanen.example"]


def test_our_automatic_mail_answered_by_an_auto_reply_ends_there(jobdb, acme, app_secrets):
    ref = tokens.RecordRef("task", acme.task.id)
    ours = tokens.message_id(app_secrets, acme.tenant.id, ref)
    reply = mail(
        subject="Automaattinen vastaus: Muistutus",
        Auto_Submitted="auto-replied",
        In_Reply_To=ours,
        Message_ID="<ooo@virtanen.example>",
    )
    stored = store(jobdb, as_tenant(jobdb, acme.tenant), app_secrets, from_bytes(reply.as_bytes()))
    assert (stored.entity, stored.state, stored.automatic) == ("task", State.RECEIVED, True)
    assert jobdb.scalars(select(Message).where(Message.direction == "out")).all() == []


def test_a_received_html_message_is_shown_sandboxed_without_remote_images(
    webapp, acme, login, jobdb, app_secrets
):
    message = mail(Message_ID="<html@virtanen.example>")
    message.add_alternative(
        '<p onmouseover="x()">Hei<script>alert(1)</script>'
        '<img src="https://track.example/pixel.gif"></p>',
        subtype="html",
    )
    stored = store(
        jobdb, as_tenant(jobdb, acme.tenant), app_secrets, from_bytes(message.as_bytes())
    )
    jobdb.commit()
    login(webapp, "maija@acme.example")
    page = webapp.get(f"/t/acme/messages/{stored.id}")
    iframe = BeautifulSoup(page.text, "html.parser").select_one("iframe.message-html")
    assert iframe.has_attr("sandbox") and not iframe["sandbox"]  # nothing allowed
    assert "<p>Hei" in iframe["srcdoc"]
    assert "track.example" not in page.text and "alert(1)" not in page.text
    assert "onmouseover" not in page.text
