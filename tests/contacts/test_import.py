"""CSV import: Finnish CSV habits, mapping, a per-row report, all or nothing."""

import csv
import io

import pytest
from sqlalchemy import func, select

from core.db import set_tenant
from core.models import Event, Role
from plugins.contacts.models import Customer


@pytest.fixture
def admin(db, make_tenant, make_user, webapp, login):
    tenant = make_tenant("acme", plugins=("contacts",))
    make_user("admin@acme.example", tenant=tenant, role=Role.ADMIN)
    make_user("member@acme.example", tenant=tenant, role=Role.MEMBER)
    login(webapp, "admin@acme.example")
    return tenant


def count_customers(db, tenant):
    """How many customers ``tenant`` has (the import tests of other plugins use it too)."""
    set_tenant(db, tenant.id)
    return db.scalar(select(func.count()).select_from(Customer))


def upload_csv(webapp, content: bytes, status=303):
    """Upload ``content`` as Acme's customer file; a good file is redirected to the mapping."""
    form = webapp.get("/t/acme/customers/import").forms["import-upload"]
    return webapp.post(
        form.action,
        {"csrf_token": form["csrf_token"].value},
        upload_files=[("file", "asiakkaat.csv", content)],
        status=status,
    )


GOOD = (
    "\ufeffNimi;Y-tunnus;Sähköposti;Puhelin;Postitoimipaikka;Tagit\r\n"
    "Rakennus Virtanen Oy;2077474-0;info@virtanen.fi;040 123 4567;Tampere;rakennus\r\n"
    "Kahvila Kuppi;;kuppi@example.fi;;Oulu;\r\n"
).encode()


def test_import_with_bom_semicolons_and_finnish_headers(webapp, admin, db):
    check = upload_csv(webapp, GOOD).follow()
    form = check.forms["import-check"]
    assert form["col-0"].value == "name" and form["col-1"].value == "business_id"
    assert form["col-4"].value == "city"
    report = form.submit("action", value="check")
    assert "All 2 rows are fine" in report.html.select_one(".import-ok").get_text()
    assert count_customers(db, admin) == 0
    done = report.forms["import-check"].submit("action", value="import").follow()
    assert "2 customers imported" in done.text
    set_tenant(db, admin.id)
    virtanen = db.scalar(select(Customer).where(Customer.business_id == "2077474-0"))
    assert virtanen.visiting_address == {"city": "Tampere"} and virtanen.tag_names == ["rakennus"]
    assert db.scalar(select(func.count()).select_from(Event).where(Event.kind == "created")) == 2


def test_utf8_without_bom_and_commas(webapp, admin, db):
    content = "name,email\nÄänekosken Ääni Oy,aani@example.fi\n".encode()
    report = (
        upload_csv(webapp, content).follow().forms["import-check"].submit("action", value="check")
    )
    report.forms["import-check"].submit("action", value="import").follow()
    set_tenant(db, admin.id)
    assert db.scalar(select(Customer.name)) == "Äänekosken Ääni Oy"


def test_broken_rows_are_reported_and_nothing_written(webapp, admin, db):
    content = (
        "nimi;y-tunnus;sähköposti;puhelin\n"
        "Hyvä Oy;2077474-0;hyva@example.fi;\n"
        "Väärä Tarkiste Oy;2077474-1;;\n"
        ";;;\n"
        "Ei Nimeä;;rikki@;\n"
        "Puhelin Oy;;;12\n"
        "Tupla Oy;2077474-0;;\n"
        f"{'x' * 10_000};;;\n"
    ).encode()
    report = (
        upload_csv(webapp, content)
        .follow()
        .forms["import-check"]
        .submit("action", value="check", status=400)
    )
    text = report.html.select_one(".import-report").get_text()
    assert "check digit" in text
    assert "valid e-mail" in text
    assert "phone number" in text
    assert "Same business_id as row 2" in text
    assert "longer than 200" in text
    assert report.html.find("button", attrs={"value": "import"}) is None
    forced = webapp.post(
        report.forms["import-check"].action,
        {**dict(report.forms["import-check"].submit_fields()), "action": "import"},
        status=400,
    )
    assert "Nothing has been saved" in forced.text
    assert count_customers(db, admin) == 0


def test_existing_customer_is_a_duplicate_unless_allowed(webapp, admin, db):
    set_tenant(db, admin.id)
    db.add(Customer(name="Jo Olemassa Oy", business_id="2077474-0", tags=[]))
    db.flush()
    report = (
        upload_csv(webapp, b"name;business_id\nUusi Nimi Oy;2077474-0\n")
        .follow()
        .forms["import-check"]
        .submit("action", value="check", status=400)
    )
    assert "Already a customer" in report.text and "Jo Olemassa Oy" in report.text
    form = report.forms["import-check"]
    form["allow_duplicates"] = True
    ok = form.submit("action", value="check")
    ok.forms["import-check"].submit("action", value="import").follow()
    assert count_customers(db, admin) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("nimi;kaupunki\nKöyhä Oy;Hämeenlinna\n".encode("cp1252"), "not UTF-8"),
        (b"", "empty"),
        (b"nimi\n", "no customers"),
        (b"name\n" + b"Yritys\n" * 20_001, "at most 20"),
    ],
)
def test_bad_files_are_refused_with_a_message(webapp, admin, db, content, message):
    page = upload_csv(webapp, content, status=400)
    assert message in page.html.select_one("#file-error").get_text()
    assert count_customers(db, admin) == 0


def test_without_name_column_mapping_is_refused(webapp, admin, db):
    form = upload_csv(webapp, b"foo;bar\n1;2\n").follow().forms["import-check"]
    assert "name" not in (form["col-0"].value, form["col-1"].value)
    page = form.submit("action", value="check", status=400)
    assert "holds the customer's name" in page.text


def test_member_cannot_import(webapp, admin, login):
    webapp.post("/logout", {"csrf_token": webapp.cookies["myynti_csrf"]})
    login(webapp, "member@acme.example")
    webapp.get("/t/acme/customers/import", status=403)


def test_another_tenant_cannot_use_the_uploaded_file(
    webapp, admin, db, make_tenant, make_user, login
):
    url = upload_csv(webapp, GOOD).headers["Location"]
    token = url.rsplit("/", 1)[-1]
    other = make_tenant("other", plugins=("contacts",))
    make_user("admin@other.example", tenant=other, role=Role.ADMIN)
    webapp.post("/logout", {"csrf_token": webapp.cookies["myynti_csrf"]})
    login(webapp, "admin@other.example")
    webapp.get(f"/t/other/customers/import/{token}", status=404)
    webapp.get(f"/t/acme/customers/import/{token}", status=404)
    webapp.get("/t/other/customers/import/..%2F..%2Fsecret", status=404)


# --- importing the valid rows, downloading the refused ones ----------------------

MIXED = (
    "nimi;y-tunnus;sähköposti\r\n"
    "Hyvä Oy;2077474-0;hyva@example.fi\r\n"
    "Väärä Tarkiste Oy;2077474-1;\r\n"
    '=HYPERLINK("http://x");;rikki@\r\n'
    "Toinen Hyvä Oy;;toinen@example.fi\r\n"
    "Jo Olemassa Ky;;vanha@example.fi\r\n"
).encode()


def test_the_valid_rows_are_imported_and_the_refused_downloaded_with_reasons(webapp, admin, db):
    set_tenant(db, admin.id)
    db.add(Customer(name="Vanha Ky", email="vanha@example.fi", tags=[]))
    db.flush()
    headers = {"Accept-Language": "fi"}
    check = upload_csv(webapp, MIXED).follow(headers=headers)
    report = check.forms["import-check"].submit(
        "action", value="check", status=400, headers=headers
    )
    assert "Tai tuo nyt 2 kunnossa olevaa riviä" in report.html.select_one(".import-partial").text

    done = report.forms["import-check"].submit("action", value="import_valid", headers=headers)
    assert done.status_int == 303
    page = done.follow(headers=headers)
    assert "2 asiakasta tuotu; 3 riviä jäi tuomatta." in page.html.select_one(".flash").text
    assert count_customers(db, admin) == 3
    assert {c.name for c in db.scalars(select(Customer))} == {
        "Vanha Ky",
        "Hyvä Oy",
        "Toinen Hyvä Oy",
    }

    download = webapp.get(page.html.select_one("#refused-download")["href"])
    assert download.content_type == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    text = download.body.decode("utf-8")
    assert text.startswith("\ufeffnimi;y-tunnus;sähköposti;Miksi riviä ei tuotu\r\n")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[1:] == [
        ["Väärä Tarkiste Oy", "2077474-1", "", "Y-tunnuksen tarkistusmerkki on väärä."],
        ['\'=HYPERLINK("http://x")', "", "rikki@", "Anna kelvollinen sähköpostiosoite."],
        ["Jo Olemassa Ky", "", "vanha@example.fi", "Jo asiakkaana: Vanha Ky"],
    ], "each refused row as uploaded with why; a formula defused"


def test_import_valid_without_refused_rows_or_valid_rows_writes_nothing(webapp, admin, db):
    check = upload_csv(webapp, b"nimi;y-tunnus\n;2077474-0\n").follow()
    form = check.forms["import-check"]
    report = form.submit("action", value="import_valid", status=400)
    assert report.html.select_one(".import-partial") is None, "no valid row to import"
    assert count_customers(db, admin) == 0


def test_refused_rows_of_another_tenant_are_404(webapp, admin, db, make_tenant, make_user, login):
    report = (
        upload_csv(webapp, MIXED)
        .follow()
        .forms["import-check"]
        .submit("action", value="check", status=400)
    )
    page = report.forms["import-check"].submit("action", value="import_valid").follow()
    csv_url = page.html.select_one("#refused-download")["href"]
    token = csv_url.split("/")[-2]
    other = make_tenant("other", plugins=("contacts",))
    make_user("admin@other.example", tenant=other, role=Role.ADMIN)
    webapp.post("/logout", {"csrf_token": webapp.cookies["myynti_csrf"]})
    login(webapp, "admin@other.example")
    webapp.get(f"/t/other/customers/import/{token}/refused", status=404)
    webapp.get(f"/t/other/customers/import/{token}/refused.csv", status=404)
    webapp.get(f"/t/acme/customers/import/{token}/refused.csv", status=404)
