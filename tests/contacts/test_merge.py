"""Merging customers: the survivor gets everything, the merged one is archived and recorded."""

import pytest
from sqlalchemy import func, select

from core.db import set_tenant
from core.history import COMMENT, record_event
from core.models import Attachment, Event, Role
from plugins.contacts.models import ContactPerson, Customer, CustomerTag


@pytest.fixture
def pair(db, make_tenant, make_user, webapp, login):
    tenant = make_tenant("acme", plugins=("contacts",))
    make_user("admin@acme.example", tenant=tenant, role=Role.ADMIN)
    make_user("member@acme.example", tenant=tenant, role=Role.MEMBER)
    set_tenant(db, tenant.id)
    keep = Customer(name="Virtanen Oy", business_id="2077474-0", tags=[CustomerTag(tag="a")])
    lose = Customer(
        name="Virtanen Oy (vanha)",
        business_id="2077474-0",
        email="old@virtanen.fi",
        tags=[CustomerTag(tag="b")],
    )
    db.add_all([keep, lose])
    db.flush()
    db.add(ContactPerson(customer_id=lose.id, name="Vanha Yhteyshenkilö"))
    db.add(
        Attachment(
            entity="customer",
            record_id=lose.id,
            sha256="0" * 64,
            filename="sopimus.pdf",
            size=1,
            content_type="application/pdf",
        )
    )
    record_event(db, "customer", lose.id, COMMENT, {"text": "vanha kommentti"})
    db.flush()
    return tenant, keep, lose


def test_merge_moves_everything_and_records_fields(webapp, login, pair, db):
    tenant, keep, lose = pair
    login(webapp, "admin@acme.example")
    page = webapp.get(f"/t/acme/customers/{lose.id}/merge")
    form = next(f for f in page.forms.values() if f.get("survivor", default=None) is not None)
    assert form["survivor"].value == str(keep.id)
    result = form.submit().follow()
    assert "Vanha Yhteyshenkilö" in result.text and "vanha kommentti" in result.text
    db.expire_all()
    assert db.scalar(select(ContactPerson.customer_id)) == keep.id
    assert db.scalar(select(Attachment.record_id)) == keep.id
    assert sorted(db.get(Customer, keep.id).tag_names) == ["a", "b"]
    merged = db.get(Customer, lose.id)
    assert merged.archived_at is not None and merged.merged_into_id == keep.id
    event = db.scalar(
        select(Event).where(Event.kind == "customer_merged", Event.record_id == keep.id)
    )
    assert event.payload["merged_fields"]["email"] == "old@virtanen.fi"


def test_member_may_not_merge(webapp, login, pair):
    _tenant, keep, lose = pair
    login(webapp, "member@acme.example")
    webapp.get(f"/t/acme/customers/{lose.id}/merge", status=403)


def test_merge_into_another_tenants_customer_is_404(webapp, login, pair, db, make_tenant):
    tenant, keep, lose = pair
    other = make_tenant("other", plugins=("contacts",))
    set_tenant(db, other.id)
    theirs = Customer(name="Vieras Oy", tags=[])
    db.add(theirs)
    db.flush()
    login(webapp, "admin@acme.example")
    token = webapp.cookies["myynti_csrf"]
    webapp.post(
        f"/t/acme/customers/{lose.id}/merge",
        {"csrf_token": token, "survivor": theirs.id},
        status=404,
    )
    webapp.post(
        f"/t/acme/customers/{theirs.id}/merge",
        {"csrf_token": token, "survivor": keep.id},
        status=404,
    )
    webapp.post(
        f"/t/acme/customers/{lose.id}/merge", {"csrf_token": token, "survivor": lose.id}, status=404
    )
    set_tenant(db, tenant.id)
    assert (
        db.scalar(
            select(func.count()).select_from(Customer).where(Customer.archived_at.is_not(None))
        )
        == 0
    )
