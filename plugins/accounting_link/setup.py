"""What a tenant gets when it enables the plugin: Finland's VAT rates and default settings."""

from __future__ import annotations

from typing import Any

from plugins.accounting_link.models import AccountingSettings
from plugins.accounting_link.vat import seed_rates


def set_up_tenant(db: Any, tenant: Any) -> None:
    seed_rates(db)
    db.add(AccountingSettings(company_name=tenant.name))
