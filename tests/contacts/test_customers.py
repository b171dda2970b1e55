"""The customer register through its pages: create, validate, duplicates, edit, lock, archive."""

import pytest
from sqlalchemy import func, select

from core.db import set_tenant
from core.history import CHANGED, CREATED
from core.models import Event, Role
from plugins.contacts import register
from plugins.contacts.models import Customer


def _customers(db, tenant):
    set_tenant(db, tenant.id)
    return list(db.scalars(select(Customer).order_by(Customer.id)))


def _fill(form, **values):
    for key, value in values.items():
        form[key] = value
    return form


def test_create_company_and_see_it(webapp, acme, db):
    form = _fill(
        webapp.get("/t/acme/customers/new").forms["customer-form"],
        name="Rakennus Virtanen Oy",
        business_id="2077474-0",
        email="Info@Virtanen.fi",
        phone="040 123 4567",
        tags="rakennus, pirkanmaa, rakennus",
        **{"visiting_address-city": "Tampere"},
    )
    page = form.submit().follow()
    assert "Rakennus Virtanen Oy" in page.text and "Tampere" in page.text
    (customer,) = _customers(db, acme)
    assert customer.email.lower() == "info@virtanen.fi"
    assert customer.phone_digits == "+358401234567"
    assert customer.tag_names == ["pirkanmaa", "rakennus"]
    assert db.scalar(select(Event.kind).where(Event.record_id == customer.id)) == CREATED


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("business_id", "2077474-1", "check digit"),
        ("business_id", "hello", "1234567-8"),
        ("email", "not-an-email", "valid e-mail"),
        ("phone", "12", "phone number"),
        ("name", "x" * 10_000, "200"),
        ("name", "", "required"),
        ("website", "javascript:alert(1)", "https://"),
    ],
)
def test_bad_input_shows_message_keeps_input_writes_nothing(
    webapp, acme, db, field, value, message
):
    form = _fill(
        webapp.get("/t/acme/customers/new").forms["customer-form"],
        **{"name": "Kelpo Oy", field: value},
    )
    page = form.submit()
    assert page.status_int == 200
    error = page.html.select_one(f"#{field}-error")
    assert error is not None and message in error.get_text()
    kept = page.forms["customer-form"][field].value
    assert kept == value
    assert _customers(db, acme) == []


def test_html_is_shown_as_text(webapp, acme, db):
    script = "<script>alert('x')</script>"
    form = _fill(
        webapp.get("/t/acme/customers/new").forms["customer-form"],
        name=f"Evil {script} Oy",
        industry=script,
        tags=script,
    )
    page = form.submit().follow()
    assert script not in page.text
    assert "&lt;script&gt;" in page.text
    listing = webapp.get("/t/acme/customers")
    assert script not in listing.text


def test_duplicate_warns_links_and_can_be_overridden(webapp, acme, db):
    for _ in range(2):
        form = _fill(
            webapp.get("/t/acme/customers/new").forms["customer-form"],
            name="Sama Oy",
            business_id="2077474-0",
        )
        page = form.submit()
        if page.status_int == 303:
            first = page.follow()
    assert page.status_int == 200
    warning = page.html.select_one(".duplicates")
    assert warning is not None and "Sama Oy" in warning.get_text()
    assert warning.find("a")["href"].endswith(first.request.path)
    assert len(_customers(db, acme)) == 1
    form = page.forms["customer-form"]
    form["create_anyway"] = True
    form.submit().follow()
    assert len(_customers(db, acme)) == 2


def test_edit_records_changes_in_history(webapp, acme, db):
    page = (
        _fill(webapp.get("/t/acme/customers/new").forms["customer-form"], name="Vanha Nimi Oy")
        .submit()
        .follow()
    )
    edit = webapp.get(page.request.path + "/edit").forms["customer-form"]
    edit["name"] = "Uusi Nimi Oy"
    shown = edit.submit().follow()
    assert "Uusi Nimi Oy" in shown.text
    (customer,) = _customers(db, acme)
    event = db.scalar(select(Event).where(Event.kind == CHANGED, Event.record_id == customer.id))
    assert event.payload["changes"]["name"] == ["Vanha Nimi Oy", "Uusi Nimi Oy"]
    assert (
        "Vanha Nimi Oy → Uusi Nimi Oy"
        in shown.html.select_one("[data-panel=core-timeline]").get_text()
    )


def test_stale_edit_is_refused_and_shows_the_other_change(webapp, acme, db):
    page = (
        _fill(webapp.get("/t/acme/customers/new").forms["customer-form"], name="Lukko Oy")
        .submit()
        .follow()
    )
    url = page.request.path + "/edit"
    mine = webapp.get(url).forms["customer-form"]
    theirs = webapp.get(url).forms["customer-form"]
    theirs["phone"] = "040 765 4321"
    theirs.submit().follow()
    mine["name"] = "Minun Nimeni Oy"
    refused = mine.submit(status=409)
    report = refused.html.select_one(".stale").get_text()
    assert "Someone else saved" in report and "040 765 4321" in report and "Maija Myyjä" in report
    (customer,) = _customers(db, acme)
    db.refresh(customer)
    assert customer.name == "Lukko Oy" and customer.phone == "040 765 4321"
    assert refused.forms["customer-form"]["name"].value == "Minun Nimeni Oy"


def test_archive_hides_from_list_keeps_record(webapp, acme, db):
    page = (
        _fill(webapp.get("/t/acme/customers/new").forms["customer-form"], name="Arkisto Oy")
        .submit()
        .follow()
    )
    next(f for f in page.forms.values() if f.action.endswith("/archive")).submit().follow()
    assert "Arkisto Oy" not in webapp.get("/t/acme/customers").text
    assert "Arkisto Oy" in webapp.get("/t/acme/customers", {"archived": "1"}).text
    (customer,) = _customers(db, acme)
    assert customer.archived_at is not None


def _make(db, tenant, **values):
    set_tenant(db, tenant.id)
    customer = Customer(name=values.pop("name"), tags=[], **values)
    db.add(customer)
    db.flush()
    return customer


def test_search_by_name_business_id_email_phone_and_contact_person(webapp, acme, db):
    from plugins.contacts.models import ContactPerson

    a = _make(db, acme, name="Alfa Oy", business_id="2077474-0", email="myynti@alfa.fi")
    b = _make(db, acme, name="Beta Ab", phone="040 111 2222", phone_digits="+358401112222")
    db.add(ContactPerson(customer_id=b.id, name="Kalle Kontakti"))
    _make(db, acme, name="Gamma 100% Oy")
    db.flush()

    def names(q):
        page = webapp.get("/t/acme/customers", {"q": q})
        return [a.get_text() for a in page.html.select("table.customers tbody td:first-child a")]

    assert names("alf") == ["Alfa Oy"]
    assert names("2077474") == ["Alfa Oy"]
    assert names("myynti@") == ["Alfa Oy"]
    assert names("040 111") == ["Beta Ab"]
    assert names("kalle") == ["Beta Ab"]
    assert names("gamma 100%") == ["Gamma 100% Oy"]
    assert names("100%") == []
    assert a.id


def test_list_counts_are_capped(webapp, acme, db, monkeypatch):
    from plugins.contacts import register

    monkeypatch.setattr(register, "COUNT_CAP", 3)
    for i in range(5):
        _make(db, acme, name=f"Yritys {i}")
    page = webapp.get("/t/acme/customers")
    assert "3+" in page.html.select_one(".count").get_text()


def test_a_page_past_the_end_still_says_how_many_there_are(webapp, acme, db):
    """The count comes with the page's rows; a page without rows counts on its own."""
    for i in range(3):
        _make(db, acme, name=f"Yritys {i}")
    assert webapp.get("/t/acme/customers").html.select_one(".count").get_text().startswith("3")
    beyond = webapp.get("/t/acme/customers", {"page": "2"})
    assert beyond.html.select_one(".count").get_text().startswith("3")
    assert "Yritys 0" not in beyond.text


def test_filters_by_tag_and_language(webapp, acme, db):
    from plugins.contacts.models import CustomerTag

    sv = _make(db, acme, name="Svensk Ab", language="sv")
    db.add(CustomerTag(customer_id=sv.id, tag="vip"))
    _make(db, acme, name="Suomalainen Oy", language="fi")
    db.flush()
    assert "Suomalainen" not in webapp.get("/t/acme/customers", {"language": "sv"}).text
    page = webapp.get("/t/acme/customers", {"tag": "vip"})
    assert "Svensk Ab" in page.text and "Suomalainen" not in page.text


def test_export_csv_is_semicolon_utf8_bom_and_filtered(webapp, acme, db):
    _make(db, acme, name="Äijälä Oy", email="a@aijala.fi")
    _make(db, acme, name="=HYPERLINK(1) Oy")
    _make(db, acme, name="\t=cmd Oy")
    _make(db, acme, name="Muu Oy")
    response = webapp.get("/t/acme/customers/export.csv", {"q": "ä"})
    assert response.body.startswith(b"\xef\xbb\xbf")
    lines = response.body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("name;kind;business_id")
    assert len(lines) == 2 and lines[1].startswith("Äijälä Oy;company")
    text = webapp.get("/t/acme/customers/export.csv").body.decode("utf-8-sig")
    assert "'=HYPERLINK(1) Oy" in text
    assert "'\t=cmd Oy" in text


def test_another_tenant_sees_nothing(webapp, acme, db, make_tenant, make_user, login):
    other = make_tenant("other", "Other Oy", plugins=("contacts",))
    theirs = _make(db, other, name="Salainen Asiakas Oy")
    # A member of acme: B's id under acme's URL and B's URL are both 404.
    for url in (
        f"/t/acme/customers/{theirs.id}",
        f"/t/acme/customers/{theirs.id}/edit",
        f"/t/other/customers/{theirs.id}",
        "/t/other/customers",
        "/t/other/customers/export.csv",
        "/t/other/customers/new",
    ):
        assert "Salainen" not in webapp.get(url, status=404).text
    token = webapp.cookies["myynti_csrf"]
    webapp.post(f"/t/acme/customers/{theirs.id}/archive", {"csrf_token": token}, status=404)
    webapp.post(
        f"/t/acme/customers/{theirs.id}/edit", {"csrf_token": token, "name": "x"}, status=404
    )
    assert "Salainen" not in webapp.get("/t/acme/customers/export.csv").text
    assert "Salainen" not in webapp.get("/t/acme/customers", {"q": "sala"}).text
    set_tenant(db, other.id)
    assert (
        db.scalar(select(func.count()).select_from(Customer).where(Customer.archived_at.is_(None)))
        == 1
    )


def test_disabled_plugin_hides_customers(
    webapp, db, make_tenant, make_user, login, myynti_registry
):
    from core.licensing import disable_plugin, enable_plugin

    tenant = make_tenant("solo", plugins=("contacts",))
    make_user("admin@solo.example", tenant=tenant, role=Role.ADMIN)
    kept = _make(db, tenant, name="Pysyvä Oy")
    disable_plugin(db, myynti_registry, tenant, "contacts")
    login(webapp, "admin@solo.example")
    webapp.get("/t/solo/customers", status=404)
    assert "Asiakkaat" not in webapp.get("/t/solo/").text
    enable_plugin(db, myynti_registry, tenant, "contacts")
    assert "Pysyvä Oy" in webapp.get(f"/t/solo/customers/{kept.id}").text


def test_a_full_last_page_offers_no_empty_next_page(webapp, acme, db):
    for n in range(register.PAGE_SIZE):
        _make(db, acme, name=f"Asiakas {n:03d} Oy")

    first = webapp.get("/t/acme/customers")
    assert first.html.select_one("nav.pager") is None

    _make(db, acme, name="Viideskymmenesensimmäinen Oy")
    pager = webapp.get("/t/acme/customers").html.select_one("nav.pager")
    assert [a.get_text(strip=True) for a in pager.select("a")] == ["Next"]
    last = webapp.get("/t/acme/customers", {"page": "2"}).html.select_one("nav.pager")
    assert [a.get_text(strip=True) for a in last.select("a")] == ["Previous"]
