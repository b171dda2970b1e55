"""``POST /t/{slug}/bench/jobs`` with ``count``: start that many no-op jobs (``core.ping``)."""

from typing import Any

from pyramid.httpexceptions import HTTPBadRequest

from core import Permission, hookimpl
from core.jobs import PING, enqueue

START = "jobs_bench:jobs:start"
MAX_COUNT = 1000


@hookimpl
def myynti_permissions() -> list[Permission]:
    return [Permission(START, {"fi": "Käynnistä töitä", "en": "Start jobs"})]


@hookimpl
def myynti_configure(config: Any) -> None:
    config.add_tenant_route("jobs_bench_start", "/bench/jobs")
    config.add_view(
        start_jobs,
        route_name="jobs_bench_start",
        request_method="POST",
        renderer="json",
        permission=START,
    )


def start_jobs(request: Any) -> dict[str, Any]:
    count = request.POST.get("count", "1")
    if not count.isdigit() or not 1 <= int(count) <= MAX_COUNT:
        raise HTTPBadRequest(f"count: a whole number from 1 to {MAX_COUNT}")
    return {"jobs": [enqueue(request.db, request.tenant, PING) for _ in range(int(count))]}
