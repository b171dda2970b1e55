"""``myynti jobs``, ``myynti jobs retry`` and ``ping``, and the refusals of ``worker``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from core.cli import Runtime, main
from core.db import all_tenants
from core.jobs.cli import register
from core.models import Job, JobState

register(main)


@pytest.fixture
def myynti(tmp_path: Path, db_url: str, jobs_registry: Any, monkeypatch: pytest.MonkeyPatch):
    """``myynti(*args)``: run the CLI against the test database (committed rows only)."""
    for name in ("MYYNTI_DATABASE_URL", "MYYNTI_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    ini = tmp_path / "jobs.ini"
    ini.write_text(
        "[app:main]\nuse = egg:myynti\n"
        f"sqlalchemy.url = {db_url}\nmyynti.data_dir = {tmp_path}\n"
        f"myynti.secret = {'s' * 40}\n"
    )

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        runtime = Runtime(registry_factory=lambda: jobs_registry)
        return CliRunner().invoke(main, ["--config", str(ini), *args], obj=runtime, env=env)

    return run


def add_job(committed, tenant, state: JobState, text: str) -> int:
    with committed.factory.begin() as db, all_tenants(db):
        job = Job(
            tenant_id=tenant.id,
            plugin="worklog",
            name="worklog.write",
            payload={"text": text},
            state=state,
            attempts=3,
            last_error="RuntimeError: boom\nmore lines",
        )
        db.add(job)
        db.flush()
    return job.id


def test_jobs_lists_a_tenants_jobs_by_state(myynti, committed) -> None:
    acme, other = committed.tenant("acme"), committed.tenant("other")
    failed = add_job(committed, acme, JobState.FAILED, "a")
    done = add_job(committed, acme, JobState.DONE, "b")
    add_job(committed, other, JobState.FAILED, "c")

    result = myynti("jobs", "--tenant", acme.slug, "--state", "failed")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "ID", "TENANT", "JOB", "STATE", "ATTEMPTS", "UPDATED", "LAST", "ERROR",
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[1:-1]] == [str(failed)]
    assert "RuntimeError: boom" in lines[1] and "more lines" not in result.output
    assert lines[-1] == "0 pending, 0 running, 1 done, 1 failed, 0 skipped"
    assert str(done) not in [line.split()[0] for line in lines[1:-1]]


def test_jobs_retry_runs_a_failed_job_here_without_a_broker(myynti, committed) -> None:
    tenant = committed.tenant("acme")
    job_id = add_job(committed, tenant, JobState.FAILED, "again")

    result = myynti("jobs", "retry", str(job_id))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Job {job_id} will run again.",
        f"Ran job {job_id} here: done.",
    ]
    assert committed.job(job_id).state == JobState.DONE
    assert [e.payload["text"] for e in committed.events(tenant)] == ["again"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("jobs", "retry", "999999"), "No job with the id 999999."),
        (("jobs", "--tenant", "nobody"), "No tenant with the slug 'nobody'."),
        (("jobs", "--state", "lost"), "Invalid value for '--state'"),
        (("worker",), "No broker: myynti.broker_url is empty"),
        (("scheduler",), "No broker: myynti.broker_url is empty"),
    ],
)
def test_bad_input_gets_one_line_and_a_non_zero_exit(myynti, args, message) -> None:
    result = myynti(*args)

    assert result.exit_code != 0
    assert message in result.output


def test_a_done_job_is_not_retried(myynti, committed) -> None:
    job_id = add_job(committed, committed.tenant("acme"), JobState.DONE, "once")

    result = myynti("jobs", "retry", str(job_id))

    assert result.exit_code == 1
    assert f"Job {job_id} is done; only failed or skipped jobs can be retried." in result.output


def test_an_unknown_broker_scheme_is_refused(myynti) -> None:
    result = myynti("worker", env={"MYYNTI_BROKER_URL": "ftp://broker.example"})

    assert result.exit_code == 1
    assert "unknown scheme 'ftp'" in result.output


def test_ping_runs_a_job_end_to_end(myynti, committed) -> None:
    tenant = committed.tenant("acme")

    result = myynti("jobs", "ping", "--tenant", tenant.slug)

    assert result.exit_code == 0, result.output
    ran, timing = result.output.splitlines()
    assert ran.endswith("here: done.")
    assert timing.startswith("Job ") and timing.endswith(" ms.")
