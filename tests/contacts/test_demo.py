"""Demo data is realistic and valid by our own rules."""

from sqlalchemy import func, select
from stdnum.fi import ytunnus

from core.db import set_tenant
from core.forms import normalised_phone
from plugins.contacts.demo import fill_demo
from plugins.contacts.models import ContactPerson, ContactRequest, Customer, CustomerKind


def test_demo_fills_companies_persons_and_requests(db, make_tenant, make_user):
    tenant = make_tenant("demo", plugins=("contacts",))
    user = make_user("demo@example.com", tenant=tenant)
    set_tenant(db, tenant.id)
    fill_demo(db, tenant, [user], companies=12)
    companies = list(db.scalars(select(Customer).where(Customer.kind == CustomerKind.COMPANY)))
    assert len(companies) == 12
    assert all(ytunnus.is_valid(c.business_id) for c in companies)
    assert all(normalised_phone(c.phone) for c in companies)
    assert db.scalar(select(func.count()).select_from(ContactPerson)) >= 12
    assert db.scalar(select(func.count()).select_from(ContactRequest)) == 6
    assert any(c.name.endswith(("Oy", "Oyj", "Ky", "Ab", "Tmi", "Ay")) for c in companies)
