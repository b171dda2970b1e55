"""Attachments: upload several files, download with safe headers, refuse bad files, isolation."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.attachments import FileStore, content_type_of
from core.db import set_tenant
from core.history import ATTACHMENT_ADDED, ATTACHMENT_DELETED
from core.models import Attachment, Event


@pytest.fixture
def store(records_wsgi) -> FileStore:
    return FileStore.from_settings(records_wsgi.registry.settings)


def _files_on_disk(store: FileStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []


def _count(db, tenant, model, *where):
    set_tenant(db, tenant.id)
    return db.scalar(select(func.count()).select_from(model).where(*where))


def _upload(app, tenant_slug, record_id, files, status=303):
    page = app.get(f"/t/{tenant_slug}/attachments/team/{record_id}")
    form = next(f for f in page.forms.values() if f.enctype == "multipart/form-data")
    return app.post(
        form.action,
        {"csrf_token": form["csrf_token"].value},
        upload_files=[("files", *file) for file in files],
        status=status,
    )


@pytest.fixture
def alpha(two_tenants, records_app, login):
    login(records_app, "user@alpha.example")
    return two_tenants["alpha"]


def test_upload_several_files_then_download(records_app, alpha, db, store):
    team_id = alpha["team"].id
    result = _upload(
        records_app, "alpha", team_id, [("tarjous.pdf", b"%PDF-1.4 quote"), ("muistio.txt", b"hei")]
    ).follow()
    assert "tarjous.pdf" in result.text and "muistio.txt" in result.text
    assert _count(db, alpha["tenant"], Attachment) == 2
    assert _count(db, alpha["tenant"], Event, Event.kind == ATTACHMENT_ADDED) == 2
    link = result.html.find("a", string="muistio.txt")["href"]
    download = records_app.get(link)
    assert download.body == b"hei"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="muistio.txt"' in download.headers["Content-Disposition"]
    # Stored outside the database, named by content hash, per tenant.
    row = db.scalar(select(Attachment).where(Attachment.filename == "muistio.txt"))
    assert store.path(alpha["tenant"].id, row.sha256).read_bytes() == b"hei"


def test_a_file_is_kept_and_sent_as_its_names_type_whatever_the_browser_claims(
    records_app, alpha, db
):
    page = _upload(
        records_app,
        "alpha",
        alpha["team"].id,
        [("raportti.pdf", b"<script>1</script>", "text/html")],
    ).follow()
    download = records_app.get(page.html.find("a", string="raportti.pdf")["href"])
    assert download.content_type == "application/pdf"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    set_tenant(db, alpha["tenant"].id)
    assert db.scalar(select(Attachment.content_type)) == "application/pdf"


@pytest.mark.parametrize(
    ("name", "declared", "kept_as"),
    [
        ("tarjous.pdf", "text/html", "application/pdf"),
        ("muistio.txt", "", "text/plain"),
        ("mittaus.xyzzy", "Application/X-Mittaus; charset=utf-8", "application/x-mittaus"),
        ("mittaus.xyzzy", 'text/html"><script>', "application/octet-stream"),
        ("mittaus.xyzzy", "", "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_name_then_from_a_well_formed_claim(name, declared, kept_as):
    assert content_type_of(name, declared) == kept_as


def test_record_page_has_attachments_panel(records_app, alpha):
    page = records_app.get(f"/t/alpha/records/{alpha['team'].id}")
    assert page.html.select_one("[data-panel=core-attachments] input[type=file][multiple]")


def test_unicode_and_quote_names_get_a_safe_header(records_app, alpha):
    result = _upload(records_app, "alpha", alpha["team"].id, [('Läsnä "x";.txt', b"data")]).follow()
    link = result.html.select_one(".attachments td a")["href"]
    header = records_app.get(link).headers["Content-Disposition"]
    assert re.fullmatch(r"""attachment; filename="[^"\\;]*"; filename\*=UTF-8''\S+""", header)
    assert header.endswith("filename*=UTF-8''L%C3%A4sn%C3%A4%20%22x%22%3B.txt")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("../../etc/passwd", b"x", "must not contain"),
        ("a\\b.txt", b"x", "must not contain"),
        ("bad\x07name.txt", b"x", "control characters"),
    ],
)
def test_bad_file_is_refused_and_leaves_nothing(
    records_app, alpha, db, store, name, content, message
):
    before = _files_on_disk(store)
    result = _upload(
        records_app, "alpha", alpha["team"].id, [("ok.txt", b"fine"), (name, content)], status=400
    )
    assert message in result.html.select_one(".upload-form .error").get_text()
    assert _count(db, alpha["tenant"], Attachment) == 0
    assert _count(db, alpha["tenant"], Event) == 0
    assert _files_on_disk(store) == before


def test_file_over_the_limit_is_refused(records_app, alpha, db, store, monkeypatch):
    monkeypatch.setattr(
        store.__class__, "from_settings", classmethod(lambda cls, s: FileStore(store.root, 1024))
    )
    before = _files_on_disk(store)
    result = _upload(records_app, "alpha", alpha["team"].id, [("big.bin", b"x" * 2048)], status=400)
    assert "larger than the limit" in result.text
    assert _count(db, alpha["tenant"], Attachment) == 0
    assert _files_on_disk(store) == before


def test_default_limit_is_25_mb(records_wsgi):
    assert FileStore.from_settings(records_wsgi.registry.settings).max_bytes == 25 * 1024 * 1024


def test_delete_is_an_event_and_removes_the_file(records_app, alpha, db, store):
    result = _upload(
        records_app, "alpha", alpha["team"].id, [("poisto.txt", b"delete me")]
    ).follow()
    set_tenant(db, alpha["tenant"].id)
    row = db.scalar(select(Attachment))
    path = store.path(alpha["tenant"].id, row.sha256)
    assert path.exists()
    form = next(f for f in result.forms.values() if f.action.endswith("/delete"))
    form.submit().follow()
    assert _count(db, alpha["tenant"], Attachment) == 0
    event = db.scalar(select(Event).where(Event.kind == ATTACHMENT_DELETED))
    assert event.payload["filename"] == "poisto.txt"
    assert not path.exists()


def test_another_tenants_attachment_is_404(records_app, two_tenants, db, login, store):
    login(records_app, "user@beta.example")
    beta_team = two_tenants["beta"]["team"]
    _upload(records_app, "beta", beta_team.id, [("salainen.txt", b"beta only")])
    set_tenant(db, two_tenants["beta"]["tenant"].id)
    row = db.scalar(select(Attachment))
    records_app.post("/logout", {"csrf_token": records_app.cookies["myynti_csrf"]})
    login(records_app, "user@alpha.example")
    token = records_app.cookies["myynti_csrf"]
    for url in (f"/t/alpha/attachments/{row.id}", f"/t/beta/attachments/{row.id}"):
        response = records_app.get(url, status=404)
        assert b"beta only" not in response.body
    records_app.get(f"/t/alpha/attachments/team/{beta_team.id}", status=404)
    records_app.post(f"/t/alpha/attachments/{row.id}/delete", {"csrf_token": token}, status=404)
    records_app.post(
        f"/t/alpha/attachments/team/{beta_team.id}",
        {"csrf_token": token},
        upload_files=[("files", "x.txt", b"x")],
        status=404,
    )
    assert _count(db, two_tenants["beta"]["tenant"], Attachment) == 1
    assert _count(db, two_tenants["alpha"]["tenant"], Attachment) == 0
