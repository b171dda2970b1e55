"""Contact requests in the app: manual entry, the inbox, a request's page, handling, history."""

import pytest

from core.db import set_tenant
from plugins.contacts.models import ContactPerson, ContactRequest, Customer, RequestState
from plugins.contacts.requests.intake import create_request
from tests.contacts.requests_support import count_all, events, fresh, kinds, rows, two_tenants


@pytest.fixture
def world(db, make_tenant, make_user):
    return two_tenants(db, make_tenant, make_user)


def _new(db, tenant, **values):
    """A request as an outside source would make it (routing and matching included)."""
    set_tenant(db, tenant.id)
    values = {"name": "Liisa Lähettäjä", "email": "liisa@example.org", **values}
    contact_request = create_request(db, values, values.pop("source", "api"), actor_label="test")
    db.flush()
    return contact_request


def _manual_form(webapp):
    return webapp.get("/t/alpha/requests/new").forms["request-form"]


def test_manual_entry_is_saved_routed_and_recorded(webapp, world, db, login):
    login(webapp, "anna@alpha.example")
    form = _manual_form(webapp)
    form["name"] = "Matti Meikäläinen"
    form["company"] = "Meikäläinen Oy"
    form["email"] = "Matti@Meikalainen.fi"
    form["phone"] = "040 123 4567"
    form["subject"] = "Tarjouspyyntö"
    form["message"] = "Haluaisimme tarjouksen\n50 lisenssistä."
    page = form.submit().follow()
    assert "Contact request saved." in page.text
    assert "Tarjouspyyntö" in page.text and "Meikäläinen Oy" in page.text
    (saved,) = rows(db, world.alpha, ContactRequest)
    assert saved.source == "manual" and saved.email == "Matti@meikalainen.fi"
    assert saved.state == RequestState.NEW and saved.team_id is None  # the default inbox
    history = events(db, world.alpha, "contact_request", saved.id)
    assert [e.kind for e in history] == ["request_received", "request_routed"]
    assert history[0].actor_label == "Anna Myyjä"
    timeline = page.html.select_one("[data-panel=core-timeline]").get_text(" ", strip=True)
    assert "Request received" in timeline and "Default inbox" in timeline


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "matti@@example", "valid e-mail"),
        ("phone", "12", "phone number"),
        ("name", "x" * 10_000, "200 characters"),
        ("name", "   ", "required"),
        ("business_id", "1234567-8", "check digit"),
    ],
)
def test_manual_entry_bad_input_is_refused_and_kept(
    webapp, world, db, login, field, value, message
):
    login(webapp, "anna@alpha.example")
    form = _manual_form(webapp)
    form["name"] = "Matti"
    form["email"] = "matti@example.fi"
    form["subject"] = "Kysymys"
    form[field] = value
    page = form.submit(status=400)
    error = page.html.select_one(f"#{field}-error")
    assert error is not None and message in error.get_text()
    assert page.forms["request-form"]["subject"].value == "Kysymys"
    if field != "name":
        assert page.forms["request-form"][field].value == value
    assert count_all(db, ContactRequest) == 0


def test_manual_entry_needs_email_or_phone(webapp, world, db, login):
    login(webapp, "anna@alpha.example")
    form = _manual_form(webapp)
    form["name"] = "Matti"
    page = form.submit(status=400)
    assert "Give an e-mail address or a phone number." in page.html.select_one("#email-error").text
    form = page.forms["request-form"]
    form["phone"] = "+358 40 123 4567"
    form.submit(status=303)
    assert count_all(db, ContactRequest) == 1


def test_html_and_script_in_every_field_is_shown_as_text(webapp, world, db, login):
    evil = '<script>alert("x")</script><b>bold</b>'
    _new(
        db,
        world.alpha,
        name=evil,
        company=evil,
        subject=evil,
        message=evil,
        extra_field=None,
    )
    login(webapp, "admin@alpha.example")
    for url in (
        "/t/alpha/requests",
        f"/t/alpha/requests/{rows(db, world.alpha, ContactRequest)[0].id}",
    ):
        page = webapp.get(url)
        assert "<script>alert" not in page.text and "<b>bold</b>" not in page.text
        assert "&lt;script&gt;alert" in page.text
    dashboard = webapp.get("/t/alpha/")
    assert "<script>alert" not in dashboard.text


def test_inbox_shows_mine_my_teams_and_the_default_inbox(webapp, world, db, login):
    from plugins.contacts.requests import lifecycle

    set_tenant(db, world.alpha.id)
    inbox = _new(db, world.alpha, subject="Yleinen kysymys")
    team = _new(db, world.alpha, subject="Myyntitiimin pyyntö")
    lifecycle.assign(db, team, world.sales, None)
    other = _new(db, world.alpha, subject="Tuen pyyntö")
    lifecycle.assign(db, other, world.support, world.olli)
    mine = _new(db, world.alpha, subject="Annan oma")
    lifecycle.assign(db, mine, None, world.anna)
    done = _new(db, world.alpha, subject="Hylätty jo")
    lifecycle.set_state(db, done, RequestState.REJECTED)
    db.flush()
    login(webapp, "anna@alpha.example")

    def subjects(query=""):
        page = webapp.get("/t/alpha/requests" + query)
        return {a.get_text() for a in page.html.select("table.requests td:nth-of-type(3) a")}

    assert subjects() == {"Yleinen kysymys", "Myyntitiimin pyyntö", "Annan oma"}
    assert subjects("?scope=mine") == {"Annan oma"}
    assert subjects("?scope=inbox") == {"Yleinen kysymys"}
    assert subjects("?scope=all") == {
        "Yleinen kysymys",
        "Myyntitiimin pyyntö",
        "Tuen pyyntö",
        "Annan oma",
    }
    assert subjects("?scope=all&state=rejected") == {"Hylätty jo"}
    assert subjects("?scope=nonsense&state=nonsense&page=x") == subjects()
    assert inbox.id and done.state == RequestState.REJECTED


def test_state_changes_are_recorded_and_stale_ones_refused(webapp, world, db, login):
    item = _new(db, world.alpha, subject="Tila")
    login(webapp, "anna@alpha.example")
    page = webapp.get(f"/t/alpha/requests/{item.id}")
    form = page.forms["state-form"]
    form["state"] = "in_progress"
    page = form.submit().follow()
    assert "State changed." in page.text
    stale = page.forms["state-form"]
    newer = webapp.get(f"/t/alpha/requests/{item.id}").forms["state-form"]
    newer["state"] = "rejected"
    newer["reason"] = "Ei kohderyhmää"
    newer.submit().follow()
    stale["state"] = "spam"
    refused = stale.submit(status=409)
    assert "Someone else changed this request" in refused.text
    saved = fresh(db, world.alpha, ContactRequest, item.id)
    assert saved.state == RequestState.REJECTED and saved.rejected_reason == "Ei kohderyhmää"
    changes = [
        (e.payload["from"], e.payload["to"])
        for e in events(db, world.alpha, "contact_request", item.id)
        if e.kind == "request_state_changed"
    ]
    assert changes == [("new", "in_progress"), ("in_progress", "rejected")]
    timeline = webapp.get(f"/t/alpha/requests/{item.id}").html.select_one(
        "[data-panel=core-timeline]"
    )
    assert "In progress → Rejected" in " ".join(timeline.get_text(" ").split())


def test_converted_cannot_be_chosen_by_hand(webapp, world, db, login):
    item = _new(db, world.alpha)
    login(webapp, "anna@alpha.example")
    form = webapp.get(f"/t/alpha/requests/{item.id}").forms["state-form"]
    assert "converted" not in [value for value, *_ in form["state"].options]
    form["state"].force_value("converted")
    form.submit(status=400)
    assert fresh(db, world.alpha, ContactRequest, item.id).state == RequestState.NEW


def test_assigning_moves_the_request_and_records_it(webapp, world, db, login):
    item = _new(db, world.alpha)
    login(webapp, "anna@alpha.example")
    form = webapp.get(f"/t/alpha/requests/{item.id}").forms["assign-form"]
    form["team_id"] = str(world.sales.id)
    form["user_id"] = str(world.pekka.id)
    page = form.submit().follow()
    assert "Request assigned." in page.text
    saved = fresh(db, world.alpha, ContactRequest, item.id)
    assert (saved.team_id, saved.assigned_user_id) == (world.sales.id, world.pekka.id)
    assert saved.state == RequestState.ASSIGNED
    routed = [
        e for e in events(db, world.alpha, "contact_request", item.id) if e.kind == "request_routed"
    ]
    assert routed[-1].payload == {
        "team": "Myynti",
        "user": "Pekka Myyjä",
        "rule": None,
        "manual": True,
    }
    assert routed[-1].actor_label == "Anna Myyjä"
    form = page.forms["assign-form"]
    form["team_id"] = "0"
    form["user_id"] = "0"
    form.submit().follow()
    assert fresh(db, world.alpha, ContactRequest, item.id).state == RequestState.NEW


def test_assigning_to_someone_outside_the_tenant_is_refused(webapp, world, db, login):
    item = _new(db, world.alpha)
    login(webapp, "anna@alpha.example")
    form = webapp.get(f"/t/alpha/requests/{item.id}").forms["assign-form"]
    form["user_id"].force_value(str(world.bertta.id))
    form["team_id"].force_value(str(world.beta_team.id))
    page = form.submit(status=400)
    assert page.html.select_one("#user_id-error") is not None
    assert fresh(db, world.alpha, ContactRequest, item.id).assigned_user_id is None


def test_create_the_customer_from_a_request_in_one_step(webapp, world, db, login):
    item = _new(
        db,
        world.alpha,
        name="Maija Virtanen",
        company="Virtasen Rakennus Oy",
        business_id="2077474-0",
        email="maija@virtasenrakennus.fi",
        phone="040 765 4321",
        subject="Kysely",
    )
    login(webapp, "anna@alpha.example")
    page = webapp.get(f"/t/alpha/requests/{item.id}")
    assert "No customer matches this request." in page.text
    page = page.forms["create-customer"].submit().follow()
    assert "Customer created." in page.text
    (customer,) = rows(db, world.alpha, Customer)
    assert (customer.name, customer.kind, customer.business_id) == (
        "Virtasen Rakennus Oy",
        "company",
        "2077474-0",
    )
    (person,) = rows(db, world.alpha, ContactPerson)
    assert (person.name, person.email, person.customer_id) == (
        "Maija Virtanen",
        "maija@virtasenrakennus.fi",
        customer.id,
    )
    assert fresh(db, world.alpha, ContactRequest, item.id).customer_id == customer.id
    assert "request_customer_linked" in kinds(db, world.alpha, "contact_request", item.id)
    assert "request_customer_linked" in kinds(db, world.alpha, "customer", customer.id)
    link = page.html.select_one("section.customer a")
    assert link.get_text() == "Virtasen Rakennus Oy"
    customer_page = webapp.get(link["href"])
    assert "Kysely" in customer_page.html.select_one("[data-panel=contacts-customer-requests]").text


def test_a_private_person_becomes_a_person_customer(webapp, world, db, login):
    item = _new(db, world.alpha, name="Ville Yksityinen", email="ville@gmail.com")
    login(webapp, "anna@alpha.example")
    webapp.post(
        f"/t/alpha/requests/{item.id}/customer",
        {"action": "create", "csrf_token": webapp.cookies["myynti_csrf"]},
        status=303,
    )
    (customer,) = rows(db, world.alpha, Customer)
    assert (customer.kind, customer.name, customer.email) == (
        "person",
        "Ville Yksityinen",
        "ville@gmail.com",
    )
    assert rows(db, world.alpha, ContactPerson) == []


def test_suggested_customer_can_be_linked(webapp, world, db, login):
    set_tenant(db, world.alpha.id)
    customer = Customer(name="Ambiguous Oy", tags=[])
    db.add(customer)
    db.flush()
    item = _new(db, world.alpha, email="someone@unknown.example")
    # Added after the request arrived, so intake did not match it; the page suggests it.
    db.add(ContactPerson(customer_id=customer.id, name="Joku", email="someone@unknown.example"))
    db.flush()
    login(webapp, "anna@alpha.example")
    page = webapp.get(f"/t/alpha/requests/{item.id}")
    assert "Looks like" in page.text
    page = page.forms["link-customer"].submit().follow()
    assert "Request linked to the customer." in page.text
    assert fresh(db, world.alpha, ContactRequest, item.id).customer_id == customer.id


def test_a_full_page_of_requests_offers_no_empty_older_page(webapp, world, db, login):
    from plugins.contacts.views.requests import PAGE_SIZE

    for number in range(PAGE_SIZE):
        _new(db, world.alpha, subject=f"Pyyntö {number}")
    login(webapp, "anna@alpha.example")
    page = webapp.get("/t/alpha/requests?scope=all", headers={"Accept-Language": "fi"})
    assert len(page.html.select("table.requests tbody tr")) == PAGE_SIZE
    assert page.html.select(".pager a") == []
    badge = page.html.select_one("table.requests .badge-new")
    assert badge.get_text() == "Uusi"

    _new(db, world.alpha, subject="Yksi yli")
    page = webapp.get("/t/alpha/requests?scope=all")
    assert [a.get_text() for a in page.html.select(".pager a")] == ["Older"]
    older = webapp.get(page.html.select_one(".pager a")["href"])
    assert len(older.html.select("table.requests tbody tr")) == 1
