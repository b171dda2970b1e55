"""The intake every source shares: matching to customers, routing, and e-mail."""

import email
import email.policy

import pytest
from sqlalchemy import select

from core.db import set_tenant
from core.history import EXTERNAL
from core.models import Membership, Team
from plugins.contacts.models import (
    ContactPerson,
    ContactRequest,
    Customer,
    RequestState,
    RoutingRule,
    WebForm,
)
from plugins.contacts.requests.intake import create_request, receive_email
from plugins.contacts.requests.mailtext import html_to_text
from tests.contacts.requests_support import events, two_tenants


@pytest.fixture
def world(db, make_tenant, make_user):
    world = two_tenants(db, make_tenant, make_user)
    set_tenant(db, world.alpha.id)
    return world


def _new(db, **values):
    values = {"name": "Liisa", "email": "liisa@example.org", **values}
    source = values.pop("source", "api")
    form = values.pop("form", None)
    return create_request(db, values, source, form=form, actor_label="test")


def _customer(db, **values):
    customer = Customer(tags=[], **{"name": "Asiakas Oy", **values})
    db.add(customer)
    db.flush()
    return customer


# --- matching ------------------------------------------------------------------


def test_matches_by_business_id_first(world, db):
    by_email = _customer(db, name="Sähköposti Oy", email="info@virtanen.fi")
    by_id = _customer(db, name="Virtanen Oy", business_id="2077474-0")
    item = _new(db, email="info@virtanen.fi", business_id="2077474-0")
    assert item.customer_id == by_id.id != by_email.id
    linked = [e for e in events(db, world.alpha, "customer", by_id.id)]
    assert [(e.kind, e.payload["how"]) for e in linked] == [
        ("request_customer_linked", "business_id")
    ]


def test_matches_by_email_of_customer_or_contact_person(world, db):
    customer = _customer(db, email="Info@Virtanen.fi")
    assert _new(db, email="info@virtanen.fi").customer_id == customer.id
    other = _customer(db, name="Toinen Oy")
    db.add(ContactPerson(customer_id=other.id, name="Maija", email="maija@toinen.fi"))
    db.flush()
    assert _new(db, email="MAIJA@toinen.fi").customer_id == other.id


def test_matches_by_company_domain_but_not_public_mail_domains(world, db):
    company = _customer(db, email="myynti@rakennus.fi")
    assert _new(db, email="pekka@rakennus.fi").customer_id == company.id
    site = _customer(db, name="Saitti Oy", website="https://www.saitti.fi")
    assert _new(db, email="ceo@saitti.fi").customer_id == site.id
    _customer(db, name="Gmail-käyttäjä", email="joku@gmail.com")
    _customer(db, name="Luukku", email="toinen@luukku.com")
    assert _new(db, email="vieras@gmail.com").customer_id is None
    assert _new(db, email="vieras@luukku.com").customer_id is None


def test_a_domain_shared_by_two_customers_is_not_guessed(world, db):
    _customer(db, name="Yksi", email="a@yhteinen.fi")
    _customer(db, name="Kaksi", email="b@yhteinen.fi")
    assert _new(db, email="c@yhteinen.fi").customer_id is None


def test_archived_customers_and_other_tenants_are_not_matched(world, db):
    from core.models import utcnow

    _customer(db, email="vanha@arkisto.fi", archived_at=utcnow())
    set_tenant(db, world.beta.id)
    _customer(db, email="liisa@beta-asiakas.fi")
    set_tenant(db, world.alpha.id)
    assert _new(db, email="vanha@arkisto.fi").customer_id is None
    assert _new(db, email="liisa@beta-asiakas.fi").customer_id is None


# --- routing -------------------------------------------------------------------


def _rule(db, **values):
    rule = RoutingRule(**{"name": "Sääntö", "position": 0, **values})
    db.add(rule)
    db.flush()
    return rule


def test_no_rule_means_the_default_inbox(world, db):
    item = _new(db)
    assert (item.team_id, item.assigned_user_id, item.state) == (None, None, RequestState.NEW)
    routed = [
        e for e in events(db, world.alpha, "contact_request", item.id) if e.kind == "request_routed"
    ]
    assert routed[0].payload == {"team": None, "user": None, "rule": None, "manual": False}


def test_round_robin_takes_turns_among_active_members(world, db):
    _rule(db, team_id=world.sales.id, strategy="round_robin")
    got = [_new(db).assigned_user_id for _ in range(4)]
    assert got == [world.anna.id, world.pekka.id, world.anna.id, world.pekka.id]
    db.scalar(select(Membership).where(Membership.user_id == world.pekka.id)).active = False
    db.flush()
    assert {_new(db).assigned_user_id for _ in range(2)} == {world.anna.id}
    item = _new(db)
    assert (item.team_id, item.state) == (world.sales.id, RequestState.ASSIGNED)


def test_least_busy_gets_the_request(world, db):
    from plugins.contacts.requests import lifecycle

    for _ in range(3):
        lifecycle.assign(db, _new(db), world.sales, world.pekka)
    done = _new(db)
    lifecycle.assign(db, done, world.sales, world.anna)
    done.state = RequestState.CONVERTED
    _rule(db, team_id=world.sales.id, strategy="least_busy")
    got = [_new(db).assigned_user_id for _ in range(4)]
    # Anna has nothing open, Pekka three; at a tie the one who waited longer gets it.
    assert got == [world.anna.id] * 3 + [world.pekka.id]


def test_rules_by_keyword_source_form_and_language_in_order(world, db):
    form = WebForm(name="Tukilomake", public_key="k" * 43, fields=[], allowed_origins=[])
    db.add(form)
    db.flush()
    _rule(
        db,
        name="Ruotsi",
        position=1,
        language="sv",
        team_id=world.support.id,
        user_id=world.olli.id,
    )
    _rule(
        db,
        name="Hinnat",
        position=2,
        keywords=["Hinta", "tarjous"],
        team_id=world.sales.id,
        user_id=world.pekka.id,
    )
    _rule(db, name="Lomake", position=3, form_id=form.id, team_id=world.support.id)
    _rule(
        db,
        name="Sähköposti",
        position=4,
        source="email",
        team_id=world.sales.id,
        user_id=world.anna.id,
    )
    _rule(db, name="Pois", position=0, active=False, team_id=world.sales.id)
    assert _new(db, language="sv", subject="Pris").assigned_user_id == world.olli.id
    assert _new(db, message="Mikä on HINTA?").assigned_user_id == world.pekka.id
    assert _new(db, subject="Tarjouspyyntö").assigned_user_id == world.pekka.id
    from_form = _new(db, source="web_form", form=form)
    assert (from_form.team_id, from_form.assigned_user_id) == (world.support.id, world.olli.id)
    assert _new(db, source="email").assigned_user_id == world.anna.id
    assert _new(db, source="api").team_id is None
    routed = [
        e
        for e in events(db, world.alpha, "contact_request", from_form.id)
        if e.kind == "request_routed"
    ]
    assert routed[0].payload["rule"] == "Lomake"


def test_a_web_form_without_rule_goes_to_its_team(world, db):
    form = WebForm(
        name="Lomake", public_key="f" * 43, team_id=world.sales.id, fields=[], allowed_origins=[]
    )
    db.add(form)
    db.flush()
    item = _new(db, source="web_form", form=form)
    assert item.team_id == world.sales.id and item.assigned_user_id in (
        world.anna.id,
        world.pekka.id,
    )


def test_a_rule_of_a_deleted_team_is_skipped(world, db):
    team = Team(name="Lakkautettu")
    db.add(team)
    db.flush()
    _rule(db, team_id=team.id)
    db.delete(team)
    db.flush()
    assert _new(db).team_id is None


# --- e-mail --------------------------------------------------------------------

HTML_ONLY = """\
From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <Jorg@Muller.example>
To: myynti@alpha.example
Subject: =?utf-8?q?Tarjouspyynt=C3=B6_=E2=80=93_ty=C3=B6maa_=C3=84ht=C3=A4ri?=
Message-ID: <abc123@muller.example>
Content-Language: fi
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><head><style>p {color: red}</style><script>alert('x')</script></head>
<body><p>Hei,</p><p>haluaisimme tarjouksen &amp; aikataulun.<br>Terveisin J&ouml;rg</p>
<img src="https://tracker.example/x.gif" onerror="alert(1)"></body></html>
"""

MULTIPART = """\
From: maija@virtanen.fi
Subject: Kysymys
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

Tekstiversio.
--b
Content-Type: text/html; charset=utf-8

<p>HTML-versio</p>
--b--
"""


def _mail(text):
    return email.message_from_bytes(text.encode("utf-8"), policy=email.policy.default)


def test_an_html_only_email_becomes_a_request_with_text(world, db):
    item = receive_email(db, world.alpha, _mail(HTML_ONLY))
    assert item.source == "email"
    assert item.name == "Jörg Müller" and item.email == "Jorg@muller.example"
    assert item.subject == "Tarjouspyyntö – työmaa Ähtäri"
    assert item.message == "Hei,\n\nhaluaisimme tarjouksen & aikataulun.\nTerveisin Jörg"
    assert item.language == "fi"
    assert item.extra == {"message_id": "<abc123@muller.example>"}
    received = events(db, world.alpha, "contact_request", item.id)[0]
    assert (received.kind, received.actor_type, received.actor_label) == (
        "request_received",
        EXTERNAL,
        "Jorg@muller.example",
    )


def test_the_text_part_is_preferred(world, db):
    item = receive_email(db, world.alpha, _mail(MULTIPART))
    assert item.message == "Tekstiversio." and item.name == "maija"


def test_a_broken_sender_and_huge_body_are_tolerated(world, db):
    mail = _mail("From: not an address\nSubject: " + "x" * 1000 + "\n\n" + "y" * 50_000 + "\x00")
    item = receive_email(db, world.alpha, mail)
    assert item.email is None and len(item.subject) == 300 and len(item.message) == 10_000
    assert "\x00" not in item.message


def test_email_must_come_in_as_its_tenant(world, db):
    with pytest.raises(ValueError):
        receive_email(db, world.beta, _mail(MULTIPART))
    assert db.scalars(select(ContactRequest)).all() == []


def test_html_to_text_keeps_text_only():
    text = html_to_text(
        "<div>A<script>evil()</script><!-- c --> &lt;b&gt; <b>B</b></div><ul><li>1<li>2</ul>"
    )
    assert text == "A <b> B\n\n1\n2"
