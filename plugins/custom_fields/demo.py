"""Demo data: two customer fields an accounting office would use, with values."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from core.models import Base, HasCustomValues
from plugins.custom_fields.models import CustomField, FieldType

CLASSES = (
    ("a", "A-asiakas", "A customer"),
    ("b", "B-asiakas", "B customer"),
    ("c", "C-asiakas", "C customer"),
)


def _customer_model() -> type | None:
    """The installed model of the ``customer`` table, if it accepts custom values.

    The demo hook gets no request, hence no entity types: the table name is
    the one thing the demo may assume.
    """
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if getattr(model, "__tablename__", "") == "customer" and issubclass(model, HasCustomValues):
            return model
    return None


def fill_demo(db: Any, tenant: Any) -> None:
    """Add the fields, and values on the customers the contacts demo made (if any)."""
    db.add_all(
        [
            CustomField(
                tenant_id=tenant.id,
                entity="customer",
                key="asiakasluokka",
                label={"fi": "Asiakasluokka", "sv": "Kundklass", "en": "Customer class"},
                type=FieldType.CHOICE,
                choices=[
                    {"value": v, "fi": fi, "en": en, "retired": False} for v, fi, en in CLASSES
                ],
                section="Sopimus",
                position=1,
                show_in_list=True,
                filterable=True,
            ),
            CustomField(
                tenant_id=tenant.id,
                entity="customer",
                key="sopimus_paattyy",
                label={"fi": "Sopimus päättyy", "sv": "Avtalet upphör", "en": "Contract ends"},
                type=FieldType.DATE,
                section="Sopimus",
                position=2,
                show_in_list=True,
                filterable=True,
            ),
        ]
    )
    model = _customer_model()
    if model is None:
        return
    rng = random.Random(tenant.id)
    for record in db.scalars(select(model)):
        ends = date(2027, 1, 1) + timedelta(days=rng.randrange(0, 730))
        record.custom_values = {
            **(record.custom_values or {}),
            "asiakasluokka": rng.choice(CLASSES)[0],
            "sopimus_paattyy": ends.isoformat(),
        }
