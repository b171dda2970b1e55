"""Workflow administration: the default set-up, stages, retiring, stage actions, the licence."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import all_tenants
from core.licensing import enable_plugin
from core.models import Event, Role
from plugins.workflow.models import ActivityType, Stage, StageActionBinding, Task, Workflow
from tests.workflow.conftest import activity_types, default_stages


def stages_of(db, workflow) -> list[Stage]:
    with all_tenants(db):
        query = select(Stage).where(Stage.workflow_id == workflow.id).order_by(Stage.position)
        return list(db.scalars(query.execution_options(populate_existing=True)))


def test_enabling_sets_up_the_default_process_and_activity_types(db, make_tenant):
    tenant = make_tenant("uusi", plugins=("workflow",))
    workflow, stages = default_stages(db, tenant)
    assert workflow.name == {"fi": "Myynti", "sv": "Försäljning", "en": "Sales"}
    assert [s.name["fi"] for s in stages.values()] == [
        "Uusi",
        "Kontaktoitu",
        "Tarvekartoitus",
        "Tarjous",
        "Neuvottelu",
        "Voitettu",
        "Hävitty",
    ]
    assert stages["won"].name["sv"] == "Vunnen"
    assert [s.kind for s in stages.values()][-2:] == ["won", "lost"]
    assert stages["won"].probability == 100 and stages["lost"].probability == 0
    types = activity_types(db, tenant)
    assert {t.name["fi"] for t in types.values()} == {
        "Puhelu",
        "Tapaaminen",
        "Esittely",
        "Sähköposti",
        "Tehtävä",
        "Kommentti",
    }
    assert [k for k, t in types.items() if not t.counts_in_statistics] == ["comment"]


def test_the_admin_adds_renames_and_reorders_stages(webapp, db, as_anna):
    acme = as_anna
    page = webapp.get(f"/t/acme/settings/workflows/{acme.workflow.id}")
    form = page.forms["stage-form"]
    form["name_fi"] = "Sopimus"
    form["name_en"] = "Contract"
    form["probability"] = "90"
    page = form.submit().follow()
    added = stages_of(db, acme.workflow)[-1]
    assert (added.name, added.probability, added.kind) == (
        {"fi": "Sopimus", "en": "Contract"},
        90,
        "open",
    )
    for _ in range(2):
        row = page.html.select_one(f"tr[data-stage='{added.id}']")
        up = row.select_one("form button[value=up]").find_parent("form")
        page = webapp.post(
            up["action"], {"csrf_token": webapp.cookies["myynti_csrf"], "direction": "up"}
        ).follow()
    names = [s.name["fi"] for s in stages_of(db, acme.workflow)]
    assert names[-3:] == ["Sopimus", "Voitettu", "Hävitty"]
    edit = webapp.get(f"/t/acme/settings/stages/{added.id}").forms["stage-form"]
    edit["name_fi"] = "Sopimusvaihe"
    edit["kind"] = "won"
    edit.submit(status=303)
    renamed = next(s for s in stages_of(db, acme.workflow) if s.id == added.id)
    assert (renamed.name["fi"], renamed.kind) == ("Sopimusvaihe", "won")


def test_a_probability_out_of_range_is_refused(webapp, db, as_anna):
    acme = as_anna
    form = webapp.get(f"/t/acme/settings/workflows/{acme.workflow.id}").forms["stage-form"]
    form["name_fi"] = "Liian varma"
    form["probability"] = "150"
    refused = form.submit(status=400)
    assert "0 to 100" in refused.html.select_one("#probability-error").get_text()
    assert refused.forms["stage-form"]["name_fi"].value == "Liian varma"
    assert len(stages_of(db, acme.workflow)) == 7


def test_retiring_a_stage_with_open_tasks_asks_where_they_go(webapp, db, as_anna):
    acme = as_anna
    quote, negotiation = acme.stages["quote"], acme.stages["negotiation"]
    with all_tenants(db):
        for title in ("Yksi", "Kaksi"):
            db.add(
                Task(
                    tenant_id=acme.tenant.id,
                    workflow_id=acme.workflow.id,
                    stage_id=quote.id,
                    title=title,
                )
            )
        db.flush()
    page = webapp.get(f"/t/acme/settings/stages/{quote.id}/retire")
    assert "Open tasks in this stage: 2" in page.html.get_text(" ", strip=True)
    refused = page.forms["retire-form"].submit(status=400)
    assert "Choose the stage" in refused.html.select_one("#target_id-error").get_text()
    assert stages_of(db, acme.workflow)[3].retired_at is None
    form = refused.forms["retire-form"]
    form["target_id"] = str(negotiation.id)
    form.submit(status=303)
    with all_tenants(db):
        query = select(Task).where(Task.tenant_id == acme.tenant.id)
        moved = list(db.scalars(query.execution_options(populate_existing=True)))
        kinds = list(db.scalars(select(Event.kind).where(Event.entity == "task")))
        assert db.get(Stage, quote.id, populate_existing=True).retired_at is not None
    assert {t.stage_id for t in moved} == {negotiation.id}
    assert kinds == ["stage_changed", "stage_changed"]
    page = webapp.get(f"/t/acme/settings/workflows/{acme.workflow.id}")
    assert "Quote" in page.html.select_one(".retired-stages").get_text()
    offered = webapp.get(f"/t/acme/tasks/{moved[0].id}").forms["move-form"]["stage_id"].options
    assert str(quote.id) not in [value for value, _selected, _text in offered]


def test_the_last_open_stage_cannot_be_retired(webapp, db, as_anna, make_tenant):
    acme = as_anna
    for key in ("contacted", "needs analysis", "quote", "negotiation"):
        webapp.get(f"/t/acme/settings/stages/{acme.stages[key].id}/retire").forms[
            "retire-form"
        ].submit(status=303)
    refused = (
        webapp.get(f"/t/acme/settings/stages/{acme.stages['new'].id}/retire")
        .forms["retire-form"]
        .submit(status=400)
    )
    assert "at least one open stage" in refused.text
    assert stages_of(db, acme.workflow)[0].retired_at is None


def test_stage_actions_offered_by_a_plugin_are_attached_and_removed(
    db, make_user, stagehand_app, stagehand_setup, login
):
    board = stagehand_setup
    make_user("anna@acme.example", tenant=board.tenant, role=Role.ADMIN)
    login(stagehand_app, "anna@acme.example")
    quote = board.stages["quote"]
    page = stagehand_app.get(f"/t/acme/settings/workflows/{board.workflow.id}")
    form = page.html.select_one(f"tr[data-stage='{quote.id}'] form.attach-action")
    offered = [o["value"] for o in form.select("option")]
    assert offered == ["stagehand.trace", "stagehand.flaky", "stagehand.broken"]
    token = stagehand_app.cookies["myynti_csrf"]
    page = stagehand_app.post(
        form["action"], {"csrf_token": token, "action_key": "stagehand.trace"}, status=303
    ).follow()
    assert "Trace" in page.html.select_one(f"tr[data-stage='{quote.id}'] .stage-actions").text
    refused = stagehand_app.post(
        form["action"], {"csrf_token": token, "action_key": "evil.action"}, status=400
    )
    assert refused.html.select_one(".attach-action .error") is not None
    with all_tenants(db):
        (binding,) = db.scalars(select(StageActionBinding))
    assert (binding.stage_id, binding.action_key) == (quote.id, "stagehand.trace")
    stagehand_app.post(
        f"/t/acme/settings/stages/{quote.id}/actions/{binding.id}/delete",
        {"csrf_token": token},
        status=303,
    )
    with all_tenants(db):
        assert db.scalar(select(func.count()).select_from(StageActionBinding)) == 0


def test_one_workflow_unless_the_licence_allows_more(webapp, db, as_anna):
    acme = as_anna
    form = webapp.get("/t/acme/settings/workflows").forms["workflow-form"]
    form["name_fi"] = "Huolto"
    refused = form.submit(status=400)
    assert "Your licence allows 1 workflow" in refused.html.select_one("#name_fi-error").text
    with all_tenants(db):
        assert db.scalar(select(func.count()).select_from(Workflow)) == 1
        acme.tenant.licence = {"workflows": 2}
        db.flush()
    page = refused.forms["workflow-form"].submit(status=303).follow()
    assert "Huolto" in page.text
    with all_tenants(db):
        created = db.scalar(select(Workflow).where(Workflow.name["fi"].as_string() == "Huolto"))
    assert [s.kind for s in stages_of(db, created)] == ["open", "won", "lost"]
    form = webapp.get("/t/acme/settings/workflows").forms["workflow-form"]
    form["name_fi"] = "Kolmas"
    assert "allows 2 workflow" in form.submit(status=400).text


def test_the_admin_manages_activity_types(webapp, db, as_anna):
    acme = as_anna
    form = webapp.get("/t/acme/settings/activity-types").forms["activity-type-form"]
    form["name_fi"] = "Messut"
    form["name_en"] = "Trade fair"
    form["counts_in_statistics"] = False
    form.submit(status=303)
    types = activity_types(db, acme.tenant)
    fair = types["trade-fair"]
    assert (fair.name["fi"], fair.counts_in_statistics) == ("Messut", False)
    edit = webapp.get(f"/t/acme/settings/activity-types/{fair.id}").forms["activity-type-form"]
    edit["name_fi"] = "Messutapahtuma"
    edit["counts_in_statistics"] = True
    edit.submit(status=303)
    webapp.post(
        f"/t/acme/settings/activity-types/{fair.id}/retire",
        {"csrf_token": webapp.cookies["myynti_csrf"]},
        status=303,
    )
    with all_tenants(db):
        stored = db.get(ActivityType, fair.id, populate_existing=True)
    assert (stored.name["fi"], stored.counts_in_statistics) == ("Messutapahtuma", True)
    assert stored.retired_at is not None


def test_members_cannot_administer(webapp, db, as_maija):
    for url in (
        "/t/acme/settings/workflows",
        f"/t/acme/settings/workflows/{as_maija.workflow.id}",
        "/t/acme/settings/activity-types",
    ):
        assert webapp.get(url, status="*").status_int in (403, 404)


def test_another_tenants_workflow_stage_and_type_are_not_found(webapp, db, as_anna, beta):
    token = webapp.cookies["myynti_csrf"]
    gets = (
        f"/t/acme/settings/workflows/{beta.workflow.id}",
        f"/t/acme/settings/stages/{beta.stage.id}",
        f"/t/acme/settings/stages/{beta.stage.id}/retire",
        f"/t/acme/settings/activity-types/{beta.activity_type.id}",
    )
    for url in gets:
        webapp.get(url, status=404)
        webapp.post(url, {"csrf_token": token, "name_fi": "x", "target_id": "0"}, status=404)
    for url in (
        f"/t/acme/settings/workflows/{beta.workflow.id}/stages",
        f"/t/acme/settings/stages/{beta.stage.id}/move",
        f"/t/acme/settings/stages/{beta.stage.id}/restore",
        f"/t/acme/settings/stages/{beta.stage.id}/actions",
        f"/t/acme/settings/activity-types/{beta.activity_type.id}/retire",
    ):
        webapp.post(url, {"csrf_token": token, "direction": "up", "name_fi": "x"}, status=404)
    with all_tenants(db):
        stage = db.get(Stage, beta.stage.id, populate_existing=True)
        kind = db.get(ActivityType, beta.activity_type.id, populate_existing=True)
        assert (stage.name["fi"], kind.retired_at) == ("Uusi", None)


def test_enabling_twice_sets_up_once(db, make_tenant, myynti_registry):
    tenant = make_tenant("kerran", plugins=("workflow",))
    enable_plugin(db, myynti_registry, tenant, "workflow")
    with all_tenants(db):
        count = db.scalar(
            select(func.count()).select_from(Workflow).where(Workflow.tenant_id == tenant.id)
        )
    assert count == 1
