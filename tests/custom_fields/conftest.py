"""Fixtures of the custom_fields tests: a tenant with contacts and custom fields."""

import pytest

from core.db import set_tenant
from core.models import Role
from plugins.custom_fields.models import CustomField, FieldType


@pytest.fixture
def acme(db, make_tenant, make_user, webapp, login):
    tenant = make_tenant("acme", "Acme Oy", plugins=("contacts", "custom_fields"))
    make_user("admin@acme.example", tenant=tenant, role=Role.ADMIN, name="Anna Admin")
    login(webapp, "admin@acme.example")
    return tenant


@pytest.fixture
def make_field(db):
    def make(tenant, key, type=FieldType.TEXT, entity="customer", **kw):
        set_tenant(db, tenant.id)
        kw.setdefault("label", {"fi": key.title(), "en": key.title()})
        field = CustomField(tenant_id=tenant.id, entity=entity, key=key, type=type, **kw)
        db.add(field)
        db.flush()
        return field

    return make


CLASSES = [
    {"value": "a", "fi": "A-luokka", "en": "Class A", "retired": False},
    {"value": "b", "fi": "B-luokka", "en": "Class B", "retired": False},
    {"value": "old", "fi": "Vanha", "en": "Old", "retired": True},
]
