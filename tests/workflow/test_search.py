"""The top bar's search (``core/search.py``) over the contacts' and the workflow's records."""

from __future__ import annotations

import pytest

from core.db import all_tenants
from core.licensing import disable_plugin
from core.models import utcnow
from plugins.contacts.models import ContactPerson, Customer
from tests.workflow_plugins.fixtures import add_task


def add_customer(db, acme, name, archived=False) -> Customer:
    with all_tenants(db):
        customer = Customer(
            tenant_id=acme.tenant.id, name=name, archived_at=utcnow() if archived else None
        )
        db.add(customer)
        db.flush()
    return customer


def search(webapp, q, **kw):
    return webapp.get("/t/acme/search", {"q": q}, **kw)


def found(page) -> dict[str, list[str]]:
    """Each group's heading and its rows' texts, as shown."""
    return {
        group.h2.get_text(): [" ".join(li.get_text().split()) for li in group.select("li")]
        for group in page.html.select(".search-group")
    }


def test_a_word_finds_records_that_start_with_it_or_have_a_word_that_does(webapp, db, as_maija):
    acme = as_maija
    roof = add_task(db, acme.stages["new"], "Virtasen kattoremontti")
    add_task(db, acme.stages["new"], "Kahvikone")

    page = search(webapp, "VIRTA", headers={"Accept-Language": "fi"})

    assert found(page) == {
        "Asiakkaat": ["Rakennus Virtanen Oy"],
        "Tehtävät": ["Virtasen kattoremontti"],
    }
    links = [a["href"] for a in page.html.select(".search-group a")]
    assert links == [
        f"http://localhost/t/acme/customers/{acme.customer.id}",
        f"http://localhost/t/acme/tasks/{roof.id}",
    ]
    assert page.html.select_one("#search-q")["value"] == "VIRTA"


def test_a_letter_inside_a_word_is_no_match(webapp, db, as_maija):
    add_task(db, as_maija.stages["new"], "Kahvikone")
    assert found(search(webapp, "ikone")) == {}
    assert "Nothing found." in search(webapp, "ikone").text


def test_archived_records_come_after_the_others_and_say_so(webapp, db, as_maija):
    add_customer(db, as_maija, "Aalto Arkisto Oy", archived=True)
    add_customer(db, as_maija, "Arkkitehdit Oy")

    assert found(search(webapp, "ark"))["Customers"] == [
        "Arkkitehdit Oy",
        "Aalto Arkisto Oy (archived)",
    ]


def test_many_matches_show_the_first_and_ask_for_another_word(webapp, db, as_maija):
    for number in range(12):
        add_customer(db, as_maija, f"Tilitoimisto {number:02d}")

    page = search(webapp, "tilitoimisto")

    assert found(page)["Customers"] == [f"Tilitoimisto {n:02d}" for n in range(10)]
    assert "More match" in page.html.select_one(".search-group").get_text()


@pytest.mark.parametrize("q", ["%", "_", "\\", "%oy"])
def test_wildcards_are_plain_characters(webapp, db, as_maija, q):
    add_customer(db, as_maija, "Sata_prosenttia Oy")
    assert found(search(webapp, q)) == {}


@pytest.mark.parametrize("q", ["", "   ", "x" * 5000])
def test_an_empty_or_huge_query_gets_the_page_and_no_error(webapp, as_maija, q):
    page = search(webapp, q)
    assert page.status_int == 200
    assert found(page) == {}
    assert len(page.html.select_one("#search-q")["value"]) <= 100


def test_another_tenants_records_are_never_found(webapp, db, as_maija, beta):
    page = search(webapp, "beta")
    assert found(page) == {}
    assert "salainen" not in page.text
    assert webapp.get("/t/beta/search", {"q": "beta"}, status=404)


def test_a_disabled_plugins_records_are_not_searched(webapp, db, as_maija, myynti_registry):
    acme = as_maija
    add_task(db, acme.stages["new"], "Virtasen kattoremontti")
    disable_plugin(db, myynti_registry, acme.tenant, "workflow")

    assert found(search(webapp, "virta")) == {"Customers": ["Rakennus Virtanen Oy"]}


def test_every_tenant_page_has_the_search_box(webapp, as_maija):
    box = webapp.get("/t/acme/").html.select_one("form.topbar-search")
    assert box["action"] == "http://localhost/t/acme/search"
    assert box.select_one("input[name=q]")


def test_a_found_record_shows_what_tells_it_from_namesakes(webapp, db, as_maija):
    acme = as_maija
    with all_tenants(db):
        for business_id, email in (("2077474-0", "info@lahti.fi"), ("0112038-9", None)):
            db.add(
                Customer(
                    tenant_id=acme.tenant.id,
                    name="Lahden Putki Oy",
                    business_id=business_id,
                    email=email,
                )
            )
        db.flush()

    assert sorted(found(search(webapp, "putki"))["Customers"]) == [
        "Lahden Putki Oy 0112038-9",
        "Lahden Putki Oy 2077474-0 · info@lahti.fi",
    ]


@pytest.mark.parametrize(
    "typed", ["050 123 4567", "0501234567", "+358 50 123 4567", "2077474-0", "20774740", "2077474"]
)
def test_a_phone_number_or_business_id_in_any_usual_form_finds_the_customer(
    webapp, db, as_maija, typed
):
    customer = add_customer(db, as_maija, "Numeroita Oy")
    with all_tenants(db):
        customer.phone, customer.phone_digits = "+358 50 1234567", "+358501234567"
        customer.business_id = "2077474-0"
        db.flush()

    assert found(search(webapp, typed))["Customers"] == ["Numeroita Oy 2077474-0 · +358 50 1234567"]


def test_a_contact_persons_name_or_email_finds_the_customer(webapp, db, as_maija):
    customer = add_customer(db, as_maija, "Yhteyksiä Oy")
    with all_tenants(db):
        db.add(
            ContactPerson(
                tenant_id=as_maija.tenant.id,
                customer_id=customer.id,
                name="Kerttu Kontakti",
                email="kerttu@yhteyksia.example",
            )
        )
        db.flush()

    for typed in ("kerttu", "kerttu@yht"):
        assert "Yhteyksiä Oy" in found(search(webapp, typed))["Customers"]


def test_while_typing_the_top_bar_gets_a_few_records_of_each_kind_as_json(webapp, db, as_maija):
    for n in range(7):
        add_customer(db, as_maija, f"Virta {n} Oy")

    answer = webapp.get("/t/acme/search/suggest", {"q": "virta"}).json

    (customers,) = [g for g in answer["groups"] if g["label"] == "Customers"]
    assert len(customers["results"]) == 5
    assert customers["results"][0]["url"].startswith("http://localhost/t/acme/customers/")
    assert answer["all"] == "http://localhost/t/acme/search?q=virta"
    assert webapp.get("/t/acme/search/suggest", {"q": " "}).json["groups"] == []
