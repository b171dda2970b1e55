"""Fixtures of the contacts tests."""

import pytest

from core.models import Role


@pytest.fixture
def acme(db, make_tenant, make_user, webapp, login):
    """Tenant Acme with contacts; the webapp is signed in as its member Maija."""
    tenant = make_tenant("acme", "Acme Oy", plugins=("contacts",))
    make_user("myyja@acme.example", tenant=tenant, role=Role.MEMBER, name="Maija Myyjä")
    login(webapp, "myyja@acme.example")
    return tenant
