"""The customer lookup that pickers search with: matches, limits, and only this tenant's."""

import pytest

from core.db import set_tenant
from plugins.contacts import register
from plugins.contacts.views.lookup import LOOKUP_LIMIT


def add_customer(db, tenant, name, **values):
    set_tenant(db, tenant.id)
    return register.create_customer(db, {"name": name, **values}, [], None)


def lookup(webapp, q, status=200):
    return webapp.get("/t/acme/customers/lookup", {"q": q}, status=status)


def test_a_name_finds_its_customer_with_business_id_and_city(webapp, acme, db):
    wanted = add_customer(
        db,
        acme,
        "Öljynjalostus Mäkinen Oy",
        business_id="2077474-0",
        visiting_address={"city": "Porvoo"},
    )
    add_customer(db, acme, "Kahvila Mäkelä")

    answer = lookup(webapp, "öljy").json

    assert answer == {
        "results": [{"id": wanted.id, "label": "Öljynjalostus Mäkinen Oy (2077474-0, Porvoo)"}],
        "more": False,
    }
    assert [r["id"] for r in lookup(webapp, "2077474").json["results"]] == [wanted.id]


def test_archived_customers_are_not_offered(webapp, acme, db):
    gone = add_customer(db, acme, "Lopettanut Oy")
    register.archive_customer(db, gone, None)
    add_customer(db, acme, "Lopputulos Oy")

    assert [r["label"] for r in lookup(webapp, "lop").json["results"]] == ["Lopputulos Oy"]


def test_many_matches_give_the_first_by_name_and_say_there_are_more(webapp, acme, db):
    for number in range(LOOKUP_LIMIT + 5):
        add_customer(db, acme, f"Asiakas {number:03d}")

    answer = lookup(webapp, "asiakas").json

    assert [r["label"] for r in answer["results"]] == [
        f"Asiakas {n:03d}" for n in range(LOOKUP_LIMIT)
    ]
    assert answer["more"] is True


@pytest.mark.parametrize("q", ["", "   ", "x" * 5000, "%", "' OR 1=1 --"])
def test_an_empty_odd_or_huge_query_answers_with_nothing_found(webapp, acme, db, q):
    add_customer(db, acme, "Kahvila Mäkelä")
    assert lookup(webapp, q).json == {"results": [], "more": False}


def test_another_tenants_customers_are_never_found(webapp, acme, db, make_tenant):
    beta = make_tenant("beta", "Beta Oy", plugins=("contacts",))
    add_customer(db, beta, "Salainen Asiakas Oy", business_id="2077474-0")
    add_customer(db, acme, "Sama Alku Oy")

    assert [r["label"] for r in lookup(webapp, "sa").json["results"]] == ["Sama Alku Oy"]
    assert lookup(webapp, "2077474").json["results"] == []
    assert webapp.get("/t/beta/customers/lookup", {"q": "sal"}, status=404)


def test_a_visitor_who_is_not_signed_in_is_sent_to_log_in(webapp, acme):
    webapp.post("/logout", {"csrf_token": webapp.cookies["myynti_csrf"]}, status="*")
    answer = lookup(webapp, "a", status="*")
    assert answer.status_int in (302, 303) and "/login" in answer.location


def contacts_of(webapp, customer_id, status=200):
    return webapp.get("/t/acme/customers/lookup/contacts", {"customer": customer_id}, status=status)


def test_a_customers_contact_persons_for_the_select_that_follows_it(webapp, acme, db):
    customer = add_customer(db, acme, "Öljynjalostus Mäkinen Oy")
    other = add_customer(db, acme, "Kahvila Mäkelä")
    olli = register.add_contact_person(
        db, customer, {"name": "Olli Öljy", "title": "toimitusjohtaja"}, None
    )
    anna = register.add_contact_person(db, customer, {"name": "Anna Aalto"}, None)
    left = register.add_contact_person(db, customer, {"name": "Lähtenyt Henkilö"}, None)
    register.archive_contact_person(db, customer, left, None)
    register.add_contact_person(db, other, {"name": "Muu Henkilö"}, None)

    assert contacts_of(webapp, customer.id).json == {
        "results": [
            {"id": anna.id, "label": "Anna Aalto"},
            {"id": olli.id, "label": "Olli Öljy (toimitusjohtaja)"},
        ],
        "more": False,
    }


@pytest.mark.parametrize("customer", ["", "abc", "0", "-1", "99999999999"])
def test_no_such_customer_is_404(webapp, acme, customer):
    contacts_of(webapp, customer, status=404)


def test_another_tenants_customer_is_404_and_its_persons_unseen(webapp, acme, db, make_tenant):
    beta = make_tenant("beta", "Beta Oy", plugins=("contacts",))
    secret = add_customer(db, beta, "Salainen Asiakas Oy")
    register.add_contact_person(db, secret, {"name": "Salainen Henkilö"}, None)

    answer = contacts_of(webapp, secret.id, status=404)

    assert "Salainen" not in answer.text
