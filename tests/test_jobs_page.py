"""The operators' page of background jobs: who may see it, filters, paging, retry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import all_tenants
from core.jobs.views import PAGE_SIZE
from core.models import Job, JobState, Role
from core.testing import csrf_token

ADMIN = "root@jobs.example"


@pytest.fixture
def tenants(make_tenant):
    return make_tenant("jobs-a", "Alpha Oy"), make_tenant("jobs-b", "Beta Oy")


def add_jobs(db, tenant, state: JobState, count: int = 1, error: str = "") -> list[Job]:
    with all_tenants(db):
        jobs = [
            Job(
                tenant_id=tenant.id,
                plugin="core",
                name="core.ping",
                state=state,
                attempts=1,
                last_error=error,
            )
            for _ in range(count)
        ]
        db.add_all(jobs)
        db.flush()
    return jobs


def listed(page) -> list[int]:
    return [int(row["data-job"]) for row in page.html.select("tr[data-job]")]


def counts(page) -> dict[str, str]:
    return {li["data-state"]: li.select_one(".count").text for li in page.html.select("li")}


def queued(webapp) -> int:
    """Messages waiting in the app's in-memory broker (no worker runs in these tests)."""
    queue = webapp.app.registry.myynti_jobs
    return queue.broker.queues[queue.config.namespace].qsize()


@pytest.fixture
def admin(make_user, login, webapp):
    make_user(ADMIN, platform_admin=True)
    login(webapp, ADMIN)


def test_anonymous_visitor_is_sent_to_log_in(webapp):
    assert "/login?came_from=" in webapp.get("/platform/jobs", status=303).location


def test_a_tenant_admin_who_is_not_a_platform_admin_gets_403(webapp, db, tenants, make_user, login):
    (failed,) = add_jobs(db, tenants[0], JobState.FAILED)
    make_user("boss@jobs.example", tenant=tenants[0], role=Role.ADMIN)
    login(webapp, "boss@jobs.example")

    webapp.get("/platform/jobs", status=403)
    webapp.get("/")
    webapp.post(f"/platform/jobs/{failed.id}/retry", {"csrf_token": csrf_token(webapp)}, status=403)

    assert failed.state == JobState.FAILED


def test_jobs_are_listed_newest_first_and_filtered_by_tenant_and_state(webapp, db, tenants, admin):
    alpha, beta = tenants
    failed = add_jobs(db, alpha, JobState.FAILED, error="RuntimeError: boom")
    done = add_jobs(db, alpha, JobState.DONE, 2)
    others = add_jobs(db, beta, JobState.PENDING)

    everything = webapp.get("/platform/jobs")
    alphas = webapp.get("/platform/jobs", {"tenant": "jobs-a"})
    alpha_failed = webapp.get("/platform/jobs", {"tenant": "jobs-a", "state": "failed"})

    ids = [j.id for j in failed + done + others]
    assert [i for i in listed(everything) if i in ids] == sorted(ids, reverse=True)
    assert listed(alphas) == sorted((j.id for j in failed + done), reverse=True)
    assert listed(alpha_failed) == [failed[0].id]
    assert "RuntimeError: boom" in alpha_failed.text
    assert counts(alphas) == {
        "pending": "0",
        "running": "0",
        "done": "2",
        "failed": "1",
        "skipped": "0",
    }
    assert alpha_failed.html.select_one(f"#retry-{failed[0].id}") is not None
    assert alphas.html.select_one(f"#retry-{done[0].id}") is None


def test_a_long_list_is_paged(webapp, db, tenants, admin):
    jobs = add_jobs(db, tenants[1], JobState.DONE, PAGE_SIZE + 3)
    newest_first = sorted((j.id for j in jobs), reverse=True)

    first = webapp.get("/platform/jobs", {"tenant": "jobs-b"})
    second = first.click(linkid=None, href="page=2")

    assert listed(first) == newest_first[:PAGE_SIZE]
    assert listed(second) == newest_first[PAGE_SIZE:]
    assert second.html.select_one("a[rel=next]") is None


@pytest.mark.parametrize(
    "query", [{"state": "lost"}, {"tenant": "nobody"}, {"page": "x"}, {"page": "10000000000000"}]
)
def test_a_bad_filter_gets_a_message_not_an_error(webapp, tenants, admin, query):
    page = webapp.get("/platform/jobs", query, status=400)

    assert page.html.select(".error")


def test_retry_runs_a_failed_job_again_after_commit(webapp, db, tenants, admin):
    (failed,) = add_jobs(db, tenants[0], JobState.FAILED, error="RuntimeError: boom")
    page = webapp.get("/platform/jobs", {"state": "failed"})
    before = queued(webapp)

    response = page.forms[f"retry-{failed.id}"].submit().follow()

    assert f"Job {failed.id} will run again." in response.text
    assert response.request.GET["state"] == "failed"
    with all_tenants(db):
        assert db.scalar(select(Job.state).where(Job.id == failed.id)) == JobState.PENDING
    assert queued(webapp) == before + 1


def test_retry_without_a_csrf_token_is_refused(webapp, db, tenants, admin):
    (failed,) = add_jobs(db, tenants[0], JobState.FAILED)
    webapp.get("/platform/jobs")

    webapp.post(f"/platform/jobs/{failed.id}/retry", status=400)

    with all_tenants(db):
        assert db.scalar(select(Job.state).where(Job.id == failed.id)) == JobState.FAILED


def test_a_done_job_is_not_run_again(webapp, db, tenants, admin):
    (done,) = add_jobs(db, tenants[0], JobState.DONE)
    webapp.get("/platform/jobs")
    before = queued(webapp)

    response = webapp.post(
        f"/platform/jobs/{done.id}/retry", {"csrf_token": csrf_token(webapp)}, status=303
    ).follow()

    assert "Only failed or skipped jobs can be run again." in response.text
    with all_tenants(db):
        assert db.scalar(select(Job.state).where(Job.id == done.id)) == JobState.DONE
    assert queued(webapp) == before
    webapp.post("/platform/jobs/999999/retry", {"csrf_token": csrf_token(webapp)}, status=404)
