"""Finding the existing customer a contact request comes from.

Tried in order of certainty: the business ID, then the exact e-mail address
(of the customer or of one of its contact persons), then the e-mail's company
domain. A domain of a public mail service says nothing about the company, so
those are never matched; nor is a domain that several customers share.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from plugins.contacts.models import ContactPerson, ContactRequest, Customer

#: Mail services whose addresses belong to people, not to companies (Finnish ones included).
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.fi",
        "outlook.com",
        "outlook.fi",
        "live.com",
        "live.fi",
        "msn.com",
        "yahoo.com",
        "yahoo.fi",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.com",
        "gmx.net",
        "mail.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "zoho.com",
        "yandex.com",
        "luukku.com",
        "suomi24.fi",
        "kolumbus.fi",
        "elisanet.fi",
        "saunalahti.fi",
        "welho.com",
        "netti.fi",
        "pp.inet.fi",
        "inet.fi",
        "dnainternet.net",
        "anvianet.fi",
        "kotiposti.net",
        "mbnet.fi",
        "surffi.fi",
        "nic.fi",
    }
)


@dataclass(frozen=True)
class Match:
    customer: Customer
    #: "business_id", "email" or "domain": why it was matched, for history.
    how: str


def email_domain(email: str | None) -> str | None:
    """The lower-case domain of ``email``, or None when it has none."""
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


def company_domain(email: str | None) -> str | None:
    """The domain of ``email`` if it can name a company (not a public mail service)."""
    domain = email_domain(email)
    return None if domain is None or domain in PUBLIC_MAIL_DOMAINS else domain


def find_customer(db: Session, contact_request: ContactRequest) -> Match | None:
    """The one live customer the request comes from, or None."""
    active = Customer.archived_at.is_(None)
    if contact_request.business_id:
        customer = db.scalar(
            select(Customer)
            .where(active, Customer.business_id == contact_request.business_id)
            .order_by(Customer.id)
            .limit(1)
        )
        if customer is not None:
            return Match(customer, "business_id")
    email = (contact_request.email or "").lower()
    if email:
        people = select(ContactPerson.customer_id).where(
            ContactPerson.email_key == email, ContactPerson.archived_at.is_(None)
        )
        customer = db.scalar(
            select(Customer)
            .where(active, or_(Customer.email_key == email, Customer.id.in_(people)))
            .order_by(Customer.id)
            .limit(1)
        )
        if customer is not None:
            return Match(customer, "email")
    domain = company_domain(email)
    if domain:
        candidates = _customers_of_domain(db, domain)
        if len(candidates) == 1:
            return Match(candidates[0], "domain")
    return None


def _customers_of_domain(db: Session, domain: str) -> list[Customer]:
    """Up to two customers whose e-mail, contact persons' e-mail or web site is on ``domain``."""
    at_domain = "%@" + domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    people = select(ContactPerson.customer_id).where(
        ContactPerson.email_key.like(at_domain, escape="\\"),
        ContactPerson.archived_at.is_(None),
    )
    return list(
        db.scalars(
            select(Customer)
            .where(
                Customer.archived_at.is_(None),
                or_(
                    Customer.email_key.like(at_domain, escape="\\"),
                    Customer.id.in_(people),
                    func.lower(Customer.website).in_(_site_spellings(domain)),
                ),
            )
            .order_by(Customer.id)
            .limit(2)
        )
    )


def _site_spellings(domain: str) -> list[str]:
    """The common ways a web site of ``domain`` is typed into the register."""
    hosts = [domain, f"www.{domain}"]
    return [
        f"{scheme}{host}{slash}"
        for scheme in ("", "http://", "https://")
        for host in hosts
        for slash in ("", "/")
    ]
