"""What each process keeps (core.cache) follows a change made in another process.

Two apps built like two web processes (each its own ``ProcessCache``) serve the
same database: a change made through one, or by anything else that writes through
the ORM (the CLI, a job), shows on the other's next page. Revoked access above all.
"""

import pytest
from sqlalchemy import delete, select

from core.db import set_tenant
from core.licensing import disable_plugin
from core.models import AuthSession, Role, Team, User
from plugins.contacts.models import Customer
from plugins.custom_fields.models import CustomField, FieldType

CUSTOMERS = "/t/acme/customers"
NEW_CUSTOMER = "/t/acme/customers/new"
SETTINGS = "/t/acme/settings/custom-fields"


@pytest.fixture
def acme(db, make_tenant, make_user, webapp, other_process, login):
    """Anna (admin) signed in on the other process, Maija (member) on this one."""
    tenant = make_tenant("acme", "Acme Oy", plugins=("contacts", "custom_fields"))
    make_user("anna@acme.example", tenant=tenant, role=Role.ADMIN, name="Anna Admin")
    make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä")
    set_tenant(db, tenant.id)
    db.add(Team(name="Itä"))
    db.flush()
    login(other_process, "anna@acme.example")
    login(webapp, "maija@acme.example")
    return tenant


def _team_filter(page):
    return [o.get_text(strip=True) for o in page.html.select("select[name=team] option")]


def test_a_member_deactivated_in_one_process_is_out_in_the_other(acme, webapp, other_process):
    webapp.get(CUSTOMERS, status=200)  # Maija's membership is now kept by this process
    maija = other_process.get("/t/acme/admin/users").html.find(string="Maija Myyjä")
    user_id = maija.find_parent("tr")["data-user-id"]
    form = other_process.get(f"/t/acme/admin/users/{user_id}").forms["member-form"]
    form["active"] = False
    form.submit().follow()
    webapp.get(CUSTOMERS, status=404)
    webapp.get("/t/acme/", status=404)


def _signed_out(page):
    return page.status_int == 303 and page.location.split("?")[0].endswith("/login")


def test_a_user_kept_by_the_process_is_signed_out_once_deactivated(acme, db, webapp):
    """The user a process keeps for a tenant's pages (core.security) follows the account."""
    webapp.get(CUSTOMERS, status=200)
    assert "Maija Myyjä" in webapp.get(CUSTOMERS, status=200)  # Maija is now kept
    db.scalar(select(User).where(User.email == "maija@acme.example")).active = False
    db.flush()
    assert _signed_out(webapp.get(CUSTOMERS, status=303))


def test_a_deleted_session_signs_out_a_user_kept_by_the_process(acme, db, webapp):
    """Signed out elsewhere (or revoked): the next page of the tenant asks to sign in."""
    webapp.get(CUSTOMERS, status=200)
    webapp.get(CUSTOMERS, status=200)
    maija = db.scalar(select(User).where(User.email == "maija@acme.example"))
    db.execute(delete(AuthSession).where(AuthSession.user_id == maija.id))
    assert _signed_out(webapp.get(CUSTOMERS, status=303))


def test_a_renamed_user_shows_renamed_in_the_process(acme, db, webapp):
    webapp.get(CUSTOMERS, status=200)
    assert "Maija Myyjä" in webapp.get(CUSTOMERS, status=200)
    db.scalar(select(User).where(User.email == "maija@acme.example")).name = "Maija Uusinimi"
    db.flush()
    page = webapp.get(CUSTOMERS, status=200)
    assert "Maija Uusinimi" in page and "Maija Myyjä" not in page


def test_a_new_custom_field_shows_in_every_process(acme, db, webapp, other_process):
    assert "cf_luokka" not in webapp.get(NEW_CUSTOMER).forms["customer-form"].fields
    assert "cf_luokka" not in other_process.get(NEW_CUSTOMER).forms["customer-form"].fields
    # Written outside both web processes (as the CLI or a job would), through the ORM.
    set_tenant(db, acme.id)
    db.add(
        CustomField(
            entity="customer",
            key="luokka",
            type=FieldType.TEXT,
            label={"fi": "Luokka", "en": "Luokka"},
            show_in_list=True,
        )
    )
    db.flush()
    assert "cf_luokka" in webapp.get(NEW_CUSTOMER).forms["customer-form"].fields
    assert "cf_luokka" in other_process.get(NEW_CUSTOMER).forms["customer-form"].fields


def test_the_list_columns_follow_the_field_definitions(acme, db, webapp):
    """The customer list's columns are kept per process; a changed definition shows at once."""
    set_tenant(db, acme.id)
    db.add(Customer(name="Listattu Oy", custom_values={"luokka": "A"}))
    db.flush()
    assert "Listattu Oy" in webapp.get(CUSTOMERS).text
    assert "Luokka" not in webapp.get(CUSTOMERS).text
    field = CustomField(
        entity="customer",
        key="luokka",
        type=FieldType.TEXT,
        label={"fi": "Luokka", "en": "Luokka"},
        show_in_list=True,
    )
    db.add(field)
    db.flush()
    assert "Luokka" in webapp.get(CUSTOMERS).text
    field.label = {"fi": "Ryhmä", "en": "Ryhmä"}
    db.flush()
    page = webapp.get(CUSTOMERS).text
    assert "Ryhmä" in page and "Luokka" not in page
    field.show_in_list = False
    db.flush()
    assert "Ryhmä" not in webapp.get(CUSTOMERS).text


def test_a_renamed_team_and_a_disabled_plugin_reach_the_process(acme, db, webapp, myynti_registry):
    assert "Itä" in _team_filter(webapp.get(CUSTOMERS))
    set_tenant(db, acme.id)
    db.scalar(select(Team).where(Team.name == "Itä")).name = "Länsi"
    db.flush()
    assert "Länsi" in _team_filter(webapp.get(CUSTOMERS))
    assert "Itä" not in _team_filter(webapp.get(CUSTOMERS))
    # A member may not open the settings (403) while the plugin is on; off, it is not there.
    webapp.get(SETTINGS, status=403)
    disable_plugin(db, myynti_registry, acme, "custom_fields")
    db.flush()
    webapp.get(SETTINGS, status=404)


def test_a_rolled_back_change_leaves_nothing_valid_behind(acme, db, webapp):
    """A page read inside a transaction that wrote, then rolled back, is not served later."""
    set_tenant(db, acme.id)
    savepoint = db.begin_nested()
    db.scalar(select(Team).where(Team.name == "Itä")).name = "Peruttu"
    db.flush()
    assert "Peruttu" in _team_filter(webapp.get(CUSTOMERS))
    savepoint.rollback()
    db.expire_all()
    db.scalar(select(Team).where(Team.name == "Itä")).name = "Pohjoinen"
    db.flush()
    teams = _team_filter(webapp.get(CUSTOMERS))
    assert "Pohjoinen" in teams and "Peruttu" not in teams
