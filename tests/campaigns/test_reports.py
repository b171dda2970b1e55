"""Campaign results as a report of the reports plugin (when the tenant has it)."""

from __future__ import annotations

from decimal import Decimal

from core.db import set_tenant
from core.licensing import enable_plugin
from plugins.reports.periods import local_today
from tests.campaigns.test_launch import tasks_of
from tests.campaigns.test_results import launched
from tests.reports.test_sales import _table


def test_a_launched_campaign_reports_its_targets_tasks_and_wins(
    webapp, wsgi_app, db, db_connection, myynti_registry, as_maija, login
):
    shop = as_maija
    enable_plugin(db, myynti_registry, shop.tenant, "reports", with_dependencies=True)
    campaign = launched(webapp, wsgi_app, db, db_connection, shop, name="Syyskampanja")
    set_tenant(db, shop.tenant.id)
    first, second, *_ = tasks_of(db, campaign)
    first.stage_id, first.expected_value = shop.stages["won"].id, Decimal("1200.00")
    second.stage_id = shop.stages["lost"].id
    db.flush()
    login(webapp, "anna@acme.example")
    today = local_today().isoformat()  # the reports' days are Finnish days

    page = webapp.get("/t/acme/reports/campaigns.results", {"start": today, "end": today})

    assert _table(page) == [["Syyskampanja", "4", "4", "1", "1 200,00 €", "1", "50,0 %"]]
    assert page.html.select_one("#report-table td a")["href"].endswith(
        f"/t/acme/campaigns/{campaign.id}"
    )
    yesterday = webapp.get(
        "/t/acme/reports/campaigns.results", {"start": "2020-01-01", "end": "2020-01-31"}
    )
    assert _table(yesterday) == []
