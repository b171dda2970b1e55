"""Custom fields on tasks: the custom_fields plugin extends the task form and list."""

from __future__ import annotations

from core.db import all_tenants
from core.licensing import enable_plugin
from plugins.custom_fields.models import CustomField, FieldType
from tests.workflow.conftest import tasks_of


def test_a_custom_field_is_filled_on_the_task_form_and_listed(
    webapp, db, as_maija, myynti_registry
):
    acme = as_maija
    enable_plugin(db, myynti_registry, acme.tenant, "custom_fields")
    with all_tenants(db):
        db.add(
            CustomField(
                tenant_id=acme.tenant.id,
                entity="task",
                key="kilpailija",
                type=FieldType.TEXT,
                label={"fi": "Kilpailija", "en": "Competitor"},
                show_in_list=True,
            )
        )
        db.add(
            CustomField(
                tenant_id=acme.tenant.id,
                entity="task",
                key="lisenssit",
                type=FieldType.INTEGER,
                label={"fi": "Lisenssit", "en": "Licences"},
            )
        )
        db.flush()
    form = webapp.get("/t/acme/tasks/new").forms["task-form"]
    form["title"] = "Lisenssikauppa"
    form["cf_kilpailija"] = "Kilpa Oy"
    form["cf_lisenssit"] = "kymmenen"
    refused = form.submit(status=400)
    assert refused.html.select_one("#cf_lisenssit-error") is not None
    assert refused.forms["task-form"]["cf_kilpailija"].value == "Kilpa Oy"
    assert tasks_of(db, acme.tenant) == []
    form = refused.forms["task-form"]
    form["cf_lisenssit"] = "10"
    form.submit(status=303)
    (task,) = tasks_of(db, acme.tenant)
    assert task.custom_values == {"kilpailija": "Kilpa Oy", "lisenssit": 10}
    listing = webapp.get("/t/acme/tasks")
    assert "Competitor" in listing.html.select_one("table.tasks thead").get_text()
    assert "Kilpa Oy" in listing.html.select_one("table.tasks tbody").get_text()
