"""A contact request sent from a web form on a campaign's landing page counts in the campaign."""

from __future__ import annotations

from core.db import set_tenant
from plugins.contacts.models import WebForm
from tests.campaigns.conftest import new_campaign, run_batches
from tests.campaigns.test_launch import post

SITE = "https://www.acme.example"
KEY = "C" * 43


def test_requests_from_the_landing_page_are_counted(webapp, wsgi_app, db, db_connection, as_maija):
    shop = as_maija
    set_tenant(db, shop.tenant.id)
    db.add(WebForm(name="Kevät", public_key=KEY, allowed_origins=[SITE], fields=[]))
    campaign = new_campaign(db, shop, landing_page=f"{SITE}/kevat")
    post(webapp, f"/t/acme/campaigns/{campaign.id}/launch")
    run_batches(db_connection, wsgi_app, shop.tenant)
    sent = {"name": "Lea Lahti", "email": "lea@lahti.fi", "message": "Soittakaa"}
    for page in (f"{SITE}/kevat?utm_source=uutiskirje", f"{SITE}/kevat", f"{SITE}/yhteystiedot"):
        webapp.post(f"/f/{KEY}", sent, headers={"Origin": SITE, "Referer": page}, status=200)
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    assert page.html.select_one("[data-result=requests]").get_text() == "2"
