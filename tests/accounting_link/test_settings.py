"""The tenant admin's settings: seller details; Netvisor chosen, its keys encrypted at rest."""

from __future__ import annotations

from core.credentials import decrypt
from core.db import set_tenant
from plugins.accounting_link.documents import settings_of


def test_netvisor_is_chosen_with_its_keys_stored_encrypted(webapp, db, as_anna, wsgi_app):
    form = webapp.get("/t/acme/settings/accounting").forms["accounting-settings-form"]
    form["iban"] = "FI21 1234 5600 0007 85"
    form["bic"] = "NDEAFIHH"
    form["backend"] = "netvisor"
    form["netvisor_url"] = "https://isvapi.netvisor.fi"
    form["netvisor_sender"] = "Myynti"
    form["netvisor_customer_id"] = "CUST1"
    form["netvisor_partner_id"] = "PART1"
    form["netvisor_customer_key"] = "asiakasavain"
    form["netvisor_partner_key"] = "kumppaniavain"
    form.submit().follow()

    set_tenant(db, as_anna.tenant.id)
    db.expire_all()
    settings = settings_of(db)
    assert (settings.backend, settings.iban) == ("netvisor", "FI2112345600000785")
    token = settings.backend_config["customer_key"]
    assert "asiakasavain" not in str(settings.backend_config)
    assert decrypt(wsgi_app.registry.settings, token) == "asiakasavain"

    # Saving again without typing the keys keeps them.
    page = webapp.get("/t/acme/settings/accounting")
    assert "asiakasavain" not in page.text
    page.forms["accounting-settings-form"].submit().follow()
    db.expire_all()
    assert settings_of(db).backend_config["customer_key"] == token


def test_netvisor_without_its_keys_and_a_bad_iban_are_refused(webapp, db, as_anna):
    form = webapp.get("/t/acme/settings/accounting").forms["accounting-settings-form"]
    form["iban"] = "FI21 1234 5600 0007 86"
    form["backend"] = "netvisor"
    page = form.submit(status=400)
    errors = [e.get_text() for e in page.html.select(".field .error")]
    assert any("check its digits" in e for e in errors)
    set_tenant(db, as_anna.tenant.id)
    assert settings_of(db).backend == "local"


def test_a_member_cannot_open_the_settings(webapp, as_maija):
    webapp.get("/t/acme/settings/accounting", status=403)
