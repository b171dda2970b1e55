"""Demo data: Finnish companies, private persons, contact persons and requests (Faker fi_FI)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from faker import Faker
from sqlalchemy.orm import Session

from core.forms import normalised_phone
from core.history import record_event
from core.models import utcnow
from plugins.contacts import register
from plugins.contacts.models import ContactPerson, ContactRequest, CustomerKind, RequestSource

INDUSTRIES = ("Rakentaminen", "Ohjelmistot", "Tilitoimisto", "Kauppa", "Kuljetus", "Matkailu")
TAGS = ("kumppani", "vip", "pirkanmaa", "uusimaa", "messut-2026", "jälleenmyyjä")
SUBJECTS = (
    "Tarjouspyyntö: kirjanpito",
    "Demo toivottu",
    "Hinnasto?",
    "Yhteydenottopyyntö",
    "Kysymys sopimuksesta",
)


def fill_demo(db: Session, tenant: Any, users: list[Any], companies: int = 40) -> None:
    """Companies with contact persons, a few private persons, and incoming requests."""
    fake = Faker("fi_FI")
    fake.seed_instance(tenant.id)
    rng = random.Random(tenant.id)
    for _ in range(companies):
        domain = fake.domain_name()
        customer = register.create_customer(
            db,
            {
                "kind": CustomerKind.COMPANY,
                "name": fake.company(),
                "business_id": fake.company_business_id(),
                "email": f"info@{domain}",
                "phone": _phone(fake),
                "website": f"https://www.{domain}",
                "industry": rng.choice(INDUSTRIES),
                "language": rng.choice(("fi", "fi", "fi", "sv", "en")),
                "visiting_address": {
                    "street": fake.street_address(),
                    "postcode": fake.postcode(),
                    "city": fake.city(),
                },
                "responsible_user_id": rng.choice(users).id,
            },
            rng.sample(TAGS, rng.randint(0, 2)),
            rng.choice(users),
        )
        for _ in range(rng.randint(1, 3)):
            first, last = fake.first_name(), fake.last_name()
            db.add(
                ContactPerson(
                    customer_id=customer.id,
                    name=f"{first} {last}",
                    title=fake.job()[:120],
                    email=f"{first}.{last}@{domain}".lower().replace(" ", ""),
                    phone=_phone(fake),
                    marketing_consent=rng.random() < 0.5,
                )
            )
    for _ in range(companies // 4):
        register.create_customer(
            db,
            {"kind": CustomerKind.PERSON, "name": fake.name(), "phone": _phone(fake)},
            [],
            users[0],
        )
    for i in range(companies // 2):
        request = ContactRequest(
            source=rng.choice(list(RequestSource)),
            name=fake.name(),
            company=fake.company(),
            email=fake.email(),
            subject=rng.choice(SUBJECTS),
            message=fake.paragraph(nb_sentences=3),
            received_at=utcnow() - timedelta(hours=i * 7),
        )
        db.add(request)
        db.flush()
        record_event(
            db, "contact_request", request.id, "request_received", {"text": request.subject}
        )
    db.flush()


def _phone(fake: Faker) -> str:
    """A Faker phone number that passes our own validation (Faker's are not all valid)."""
    while True:
        number = fake.phone_number()
        if normalised_phone(number):
            return number
