"""Settings forms refuse a stale save, as record forms do.

Two admins (two sessions) open the same settings form. The first saves; the
second's save comes back 409 with the notice in that admin's language, the
form keeping what they typed, and the first admin's change stays. Saving the
refused form again then replaces it knowingly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import webtest
from sqlalchemy import select

from core.db import all_tenants
from core.i18n import LOCALE_COOKIE
from core.models import Membership, Role, Team, Tenant, User
from plugins.contacts.models import RoutingRule, WebForm
from plugins.custom_fields.models import CustomField
from plugins.workflow.models import ActivityType, Workflow

NOTICE_EN = "Someone else saved this meanwhile, so your changes were not saved."
NOTICE_FI = "Joku muu tallensi tämän sillä välin, joten muutoksiasi ei tallennettu."


@dataclass
class Admins:
    tenant: Tenant
    first: webtest.TestApp
    second: webtest.TestApp
    member: User
    team: Team


@pytest.fixture
def admins(webapp, db, make_tenant, make_user, login) -> Admins:
    """Two admins of Acme, each signed in in a session of their own; the second reads Finnish."""
    tenant = make_tenant("acme", "Acme Oy", plugins=("contacts", "custom_fields", "workflow"))
    with all_tenants(db):
        team = Team(tenant_id=tenant.id, name="Myynti")
        db.add(team)
        db.flush()
    make_user("anna@acme.example", tenant=tenant, role=Role.ADMIN)
    make_user("olli@acme.example", tenant=tenant, role=Role.ADMIN)
    member = make_user("maija@acme.example", tenant=tenant)
    second = webtest.TestApp(webapp.app, extra_environ={"REMOTE_ADDR": "192.0.2.11"})
    login(webapp, "anna@acme.example")
    login(second, "olli@acme.example")
    second.set_cookie(LOCALE_COOKIE, "fi")
    return Admins(tenant, webapp, second, member, team)


def stored(db: Any, model: type, row_id: int) -> Any:
    with all_tenants(db):
        return db.get(model, row_id, populate_existing=True)


def second_save_is_refused(
    admins: Admins,
    url: str,
    form_id: str,
    field: str,
    theirs: str,
    mine: str,
    now_stored: Callable[[], str],
) -> None:
    """Both open ``url``; the first saves ``theirs``; the second's ``mine`` is refused."""
    first_form = admins.first.get(url).forms[form_id]
    second_form = admins.second.get(url).forms[form_id]
    first_form[field] = theirs
    first_form.submit(status=303)

    second_form[field] = mine
    refused = second_form.submit(status=409)

    notice = refused.html.select_one(f"#{form_id} [role=alert]")
    assert notice is not None and NOTICE_FI in notice.text
    assert refused.forms[form_id][field].value == mine
    assert now_stored() == theirs

    refused.forms[form_id].submit(status=303)  # saved again, knowingly
    assert now_stored() == mine


def test_a_stale_custom_field_save_is_refused(db, admins) -> None:
    with all_tenants(db):
        field = CustomField(
            tenant_id=admins.tenant.id, entity="customer", key="size", label={"fi": "Koko"}
        )
        db.add(field)
        db.flush()
    second_save_is_refused(
        admins,
        f"/t/acme/settings/custom-fields/{field.id}",
        "field-form",
        "label_fi",
        theirs="Yrityksen koko",
        mine="Henkilöstömäärä",
        now_stored=lambda: stored(db, CustomField, field.id).label["fi"],
    )


def test_a_stale_team_rename_is_refused(db, admins) -> None:
    team = admins.team
    second_save_is_refused(
        admins,
        f"/t/acme/admin/teams/{team.id}",
        "rename-form",
        "name",
        theirs="Myynti Etelä",
        mine="Myynti Pohjoinen",
        now_stored=lambda: stored(db, Team, team.id).name,
    )


def test_a_stale_user_role_save_is_refused(db, admins) -> None:
    with all_tenants(db):
        membership = db.scalar(select(Membership).where(Membership.user_id == admins.member.id))
    second_save_is_refused(
        admins,
        f"/t/acme/admin/users/{admins.member.id}",
        "member-form",
        "role",
        theirs=Role.ADMIN.value,
        mine=Role.MEMBER.value,
        now_stored=lambda: stored(db, Membership, membership.id).role,
    )


def test_a_stale_web_form_save_is_refused(db, admins) -> None:
    with all_tenants(db):
        row = WebForm(tenant_id=admins.tenant.id, name="Yhteydenotto", public_key="k" * 43)
        db.add(row)
        db.flush()
    second_save_is_refused(
        admins,
        f"/t/acme/settings/forms/{row.id}",
        "web-form-form",
        "name",
        theirs="Tarjouspyyntö",
        mine="Palaute",
        now_stored=lambda: stored(db, WebForm, row.id).name,
    )


def test_a_stale_routing_rule_save_is_refused(db, admins) -> None:
    with all_tenants(db):
        row = RoutingRule(tenant_id=admins.tenant.id, name="Ruotsi", team_id=admins.team.id)
        db.add(row)
        db.flush()
    second_save_is_refused(
        admins,
        f"/t/acme/settings/routing/{row.id}",
        "rule-form",
        "name",
        theirs="Ruotsinkieliset",
        mine="Pohjanmaa",
        now_stored=lambda: stored(db, RoutingRule, row.id).name,
    )


def test_a_stale_workflow_rename_is_refused(db, admins) -> None:
    with all_tenants(db):
        workflow = db.scalar(select(Workflow).where(Workflow.tenant_id == admins.tenant.id))
    second_save_is_refused(
        admins,
        f"/t/acme/settings/workflows/{workflow.id}",
        "rename-form",
        "name_fi",
        theirs="Kauppa",
        mine="Myyntiputki",
        now_stored=lambda: stored(db, Workflow, workflow.id).name["fi"],
    )


def test_a_stale_activity_type_save_is_refused(db, admins) -> None:
    with all_tenants(db):
        kind = db.scalar(
            select(ActivityType).where(
                ActivityType.tenant_id == admins.tenant.id, ActivityType.key == "call"
            )
        )
    second_save_is_refused(
        admins,
        f"/t/acme/settings/activity-types/{kind.id}",
        "activity-type-form",
        "name_fi",
        theirs="Puhelinsoitto",
        mine="Soitto asiakkaalle",
        now_stored=lambda: stored(db, ActivityType, kind.id).name["fi"],
    )


def test_the_notice_is_in_english_for_an_english_reader(db, admins) -> None:
    url = f"/t/acme/admin/teams/{admins.team.id}"
    second_form = admins.second.get(url).forms["rename-form"]
    admins.second.set_cookie(LOCALE_COOKIE, "en")
    first_form = admins.first.get(url).forms["rename-form"]
    first_form["name"] = "Myynti Etelä"
    first_form.submit(status=303)

    second_form["name"] = "Myynti Länsi"
    refused = second_form.submit(status=409)

    assert NOTICE_EN in refused.html.select_one("#rename-form [role=alert]").text
