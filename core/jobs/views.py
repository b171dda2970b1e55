"""The operators' page of background jobs: every tenant's, by state, with retry."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import Select, func, select
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from core.db import all_tenants
from core.forms import BaseForm, choices
from core.i18n import _
from core.jobs.outbox import RETRYABLE, retry
from core.models import Job, JobState, Tenant
from core.security import CorePermission

PAGE_SIZE = 50
#: Beyond this an offset is no use to anybody, and could overflow the database's integer.
MAX_PAGE = 100_000

STATE_LABELS = {
    JobState.PENDING: _("Pending"),
    JobState.RUNNING: _("Running"),
    JobState.DONE: _("Done"),
    JobState.FAILED: _("Failed"),
    JobState.SKIPPED: _("Skipped"),
}


class JobFilterForm(BaseForm):
    tenant = SelectField(_("Tenant"), default="")
    state = SelectField(
        _("State"), choices=choices([("", _("All states")), *STATE_LABELS.items()]), default=""
    )
    page = IntegerField(_("Page"), [Optional(), NumberRange(min=1, max=MAX_PAGE)])


@view_config(
    route_name="platform_jobs",
    request_method="GET",
    renderer="core:templates/jobs.pt",
    permission=CorePermission.PLATFORM_MANAGE,
)
def jobs_page(request: Any) -> dict[str, Any]:
    db = request.db
    with all_tenants(db):
        tenants = list(db.scalars(select(Tenant).order_by(Tenant.name)))
        form = JobFilterForm(request.GET, meta={"locales": [request.locale_name, "en"]})
        form.tenant.choices = choices(
            [("", _("All tenants")), *((t.slug, t.name) for t in tenants)]
        )
        if not form.validate():
            request.response.status_int = 400
        tenant = next((t for t in tenants if t.slug == form.tenant.data and form.tenant.data), None)
        state = form.state.data if not form.state.errors else ""
        page = form.page.data if form.page.data and not form.page.errors else 1
        of_tenant = select(Job) if tenant is None else select(Job).where(Job.tenant_id == tenant.id)
        counts = _counts(db, of_tenant)
        listed = of_tenant.where(Job.state == state) if state else of_tenant
        rows = list(
            db.execute(
                listed.add_columns(Tenant)
                .join(Tenant, Tenant.id == Job.tenant_id)
                .order_by(Job.id.desc())
                .limit(PAGE_SIZE + 1)
                .offset((page - 1) * PAGE_SIZE)
            )
        )
    query = {"tenant": tenant.slug if tenant else "", "state": state}
    return {
        "form": form,
        "counts": counts,
        "rows": rows[:PAGE_SIZE],
        "state_labels": STATE_LABELS,
        "retryable": RETRYABLE,
        "query": query,
        "previous_url": _page_url(request, query, page - 1) if page > 1 else None,
        "next_url": _page_url(request, query, page + 1) if len(rows) > PAGE_SIZE else None,
    }


def _counts(db: Any, of_tenant: Select[Any]) -> dict[str, int]:
    """Jobs per state (every state, zero included) among ``of_tenant``'s."""
    by_state = of_tenant.with_only_columns(Job.state, func.count()).group_by(Job.state)
    found: dict[str, int] = {state: count for state, count in db.execute(by_state)}
    return {state: found.get(state, 0) for state in STATE_LABELS}


def _page_url(request: Any, query: dict[str, str], page: int) -> str:
    return request.route_url("platform_jobs", _query={**query, "page": page})


@view_config(
    route_name="platform_job_retry",
    request_method="POST",
    permission=CorePermission.PLATFORM_MANAGE,
)
def retry_job(request: Any) -> HTTPSeeOther:
    job_id = int(request.matchdict["job_id"])
    with all_tenants(request.db):
        job = request.db.get(Job, job_id)
    if job is None:
        raise HTTPNotFound()
    message = request.localizer.translate
    if job.state in RETRYABLE:
        retry(request.db, job)
        request.session.flash(message(_("Job ${id} will run again.", mapping={"id": job_id})))
    else:
        request.session.flash(message(_("Only failed or skipped jobs can be run again.")))
    query = {key: request.POST.get(key, "") for key in ("tenant", "state")}
    return HTTPSeeOther(request.route_url("platform_jobs", _query=query))
