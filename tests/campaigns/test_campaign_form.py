"""Creating and editing a campaign, and the target group editor: bad input gets its message."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import all_tenants, set_tenant
from core.models import Team, utcnow
from plugins.campaigns.models import Campaign
from plugins.custom_fields.models import CustomField, FieldType
from tests.campaigns.conftest import new_campaign
from tests.campaigns.test_launch import post


def campaign_count(db, shop) -> int:
    with all_tenants(db):
        return db.scalar(
            select(func.count()).select_from(Campaign).where(Campaign.tenant_id == shop.tenant.id)
        )


def fill(form, shop, **values):
    form["name"] = "Syyskampanja"
    form["task_title"] = "Soita: {customer}"
    form["workflow_id"] = str(shop.workflow.id)
    form["stage_id"] = str(shop.stages["new"].id)
    for key, value in values.items():
        form[key] = value
    return form


def test_a_member_creates_a_campaign_and_saves_its_target_group(webapp, db, as_maija):
    shop = as_maija
    form = fill(webapp.get("/t/acme/campaigns/new").forms["campaign-form"], shop)
    form["assignment"] = "round_robin"
    form["team_id"] = str(shop.team.id)
    form["due_days"] = "7"
    editor = form.submit().follow()
    assert "Campaign saved." in editor.text
    targets = editor.forms["target-form"]
    targets["city"] = "Helsinki"
    targets.method = "GET"  # the preview button's formmethod, which WebTest does not read
    preview = targets.submit("preview")
    assert preview.html.select_one("#target-count").get_text() == "4"
    assert "Aalto Oy" in preview.html.select_one(".sample").get_text()
    assert "Eetu Oy" not in preview.html.select_one(".sample").get_text()
    targets = preview.forms["target-form"]
    assert targets.method == "post"
    targets["person_title"] = "toimitus"
    page = targets.submit("save").follow()
    assert "Target group saved." in page.text
    set_tenant(db, shop.tenant.id)
    campaign = db.scalar(select(Campaign))
    assert campaign.filters == {"city": "Helsinki", "person_title": "toimitus"}
    assert (campaign.assignment, campaign.team_id, campaign.due_days) == (
        "round_robin",
        shop.team.id,
        7,
    )
    # Opened again, the editor shows the saved group and who is in it.
    editor = webapp.get(f"/t/acme/campaigns/{campaign.id}/targets")
    assert editor.forms["target-form"]["city"].value == "Helsinki"
    assert editor.html.select_one("#target-count").get_text() == "3"


def test_a_stage_of_another_workflow_is_refused(webapp, db, as_maija, beta):
    shop = as_maija
    set_tenant(db, shop.tenant.id)
    form = fill(webapp.get("/t/acme/campaigns/new").forms["campaign-form"], shop)
    form["stage_id"].force_value(str(beta.stages["new"].id))
    page = form.submit(status=400)
    assert "Choose an open stage of the chosen workflow." in page.text
    assert page.forms["campaign-form"]["name"].value == "Syyskampanja"
    assert campaign_count(db, shop) == 0


def test_an_assignment_user_outside_the_team_is_refused(webapp, db, as_maija):
    shop = as_maija
    form = fill(webapp.get("/t/acme/campaigns/new").forms["campaign-form"], shop)
    form["team_id"] = str(shop.team.id)
    form["assignment"] = "user"
    form["assignee_user_id"] = str(shop.users["anna"].id)
    page = form.submit(status=400)
    assert "This user is not a member of the campaign's team." in page.text
    assert campaign_count(db, shop) == 0


def test_round_robin_needs_a_team_with_members(webapp, db, as_maija):
    shop = as_maija
    with all_tenants(db):
        empty = Team(tenant_id=shop.tenant.id, name="Tyhjä")
        db.add(empty)
        db.flush()
    form = fill(webapp.get("/t/acme/campaigns/new").forms["campaign-form"], shop)
    form["assignment"] = "least_busy"
    assert "Choose the team whose members get the tasks." in form.submit(status=400).text
    form = fill(webapp.get("/t/acme/campaigns/new").forms["campaign-form"], shop)
    form["assignment"] = "least_busy"
    form["team_id"] = str(empty.id)
    assert "The team has no active members to give tasks to." in form.submit(status=400).text


def test_a_filter_on_a_field_that_does_not_exist_is_refused(webapp, db, as_maija):
    campaign = new_campaign(db, as_maija)
    page = post(
        webapp,
        f"/t/acme/campaigns/{campaign.id}/targets",
        city="Helsinki",
        field="shoe_size",
        field_value="42",
        status=400,
    )
    assert "There is no field “shoe_size” to filter on" in page.text
    assert page.forms["target-form"]["city"].value == "Helsinki"
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/targets", cf_nothing="x", status=400)
    assert "There is no field “cf_nothing” to filter on" in page.text
    db.expire_all()
    assert db.get(Campaign, campaign.id).filters == {"city": "Helsinki"}


def test_a_saved_filter_on_a_retired_custom_field_stops_the_launch(webapp, db, as_maija):
    shop = as_maija
    set_tenant(db, shop.tenant.id)
    size = CustomField(
        entity="customer",
        key="size",
        label={"fi": "Koko", "en": "Size"},
        type=FieldType.CHOICE,
        choices=[{"value": "big", "label": {"fi": "Iso", "en": "Big"}}],
        filterable=True,
    )
    db.add(size)
    db.flush()
    campaign = new_campaign(db, shop)
    post(webapp, f"/t/acme/campaigns/{campaign.id}/targets", city="Helsinki", cf_size="big")
    db.expire_all()
    assert db.get(Campaign, campaign.id).filters == {"city": "Helsinki", "cf_size": "big"}
    size.retired_at = utcnow()
    db.flush()
    page = webapp.get(f"/t/acme/campaigns/{campaign.id}")
    assert (
        "There is no field “cf_size” to filter on" in page.html.select_one("#launch-problems").text
    )
    page = post(webapp, f"/t/acme/campaigns/{campaign.id}/launch").follow()
    assert "The target group has filters that cannot be used" in page.text
    db.expire_all()
    assert db.get(Campaign, campaign.id).state == "draft"


def test_ids_of_another_tenant_in_filters_are_refused(webapp, db, as_maija, beta):
    campaign = new_campaign(db, as_maija)
    page = post(
        webapp,
        f"/t/acme/campaigns/{campaign.id}/targets",
        team=str(beta.team.id),
        responsible=str(beta.users["maija"].id),
        not_in_campaign=str(beta.campaign.id),
        status=400,
    )
    errors = {p["data-filter"] for p in page.html.select("#target-errors p")}
    assert errors == {"team", "responsible", "not_in_campaign"}


def test_history_conditions_filter_the_group(webapp, db, as_maija):
    shop = as_maija
    first = new_campaign(db, shop, filters={"city": "Tampere"})
    from plugins.campaigns.models import CampaignTarget

    db.add(CampaignTarget(campaign_id=first.id, customer_id=shop.customers["Eetu Oy"].id))
    from plugins.workflow.models import Task

    db.add(
        Task(
            workflow_id=shop.workflow.id,
            stage_id=shop.stages["new"].id,
            title="Auki",
            customer_id=shop.customers["Fanni Oy"].id,
        )
    )
    db.flush()
    second = new_campaign(db, shop, name="Toinen")
    url = f"/t/acme/campaigns/{second.id}/targets"
    page = webapp.get(url, {"preview": "1", "city": "Tampere", "not_in_campaign": str(first.id)})
    assert page.html.select_one("#target-count").get_text() == "1"
    page = webapp.get(url, {"preview": "1", "city": "Tampere", "no_open_task": "1"})
    assert page.html.select_one("#target-count").get_text() == "1"
    assert "Eetu Oy" in page.html.select_one(".sample").get_text()
    page = webapp.get(
        url, {"preview": "1", "field": "industry", "field_op": "starts", "field_value": "raken"}
    )
    assert [a.get_text() for a in page.html.select(".sample a")] == ["Fanni Oy"]
    page = webapp.get(url, {"preview": "1", "language": "sv"})
    assert [a.get_text() for a in page.html.select(".sample a")] == ["Delta Oy"]
    page = webapp.get(url, {"preview": "1", "consent": "1"})
    assert [a.get_text() for a in page.html.select(".sample a")] == ["Aalto Oy", "Cedar Oy"]
