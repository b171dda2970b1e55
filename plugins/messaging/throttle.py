"""The tenant's rate for group sends: when each group message may go, shared by all its groups.

A tenant's mail server takes at most ``MailSettings.per_minute`` group
messages a minute (the admin's setting on the messaging settings page, 120 by
default). When the fan-out job queues a batch of a group's messages it
reserves a run of send times, ``60 / per_minute`` seconds apart, starting at
the group's start (now, or the time it was scheduled for), after the group's
previous batch, and after any run of another group of the tenant that it
would overlap. The runs are kept on the tenant's mail settings row, which the
fan-out job locks while it places a batch: two group sends of a tenant at the
same time go one after the other, never at twice the rate. Runs that have
ended are dropped.

A message a user sends again by hand, or a retry after the server refused for
a while, goes when its job runs: the rate is for what a group send queues.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.models import as_utc
from plugins.messaging.models import MailSettings

DEFAULT_PER_MINUTE = 120


@dataclass(frozen=True)
class Run:
    """Send times reserved for one batch of a group: ``start`` up to (not including) ``end``."""

    group_id: int
    start: datetime
    end: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Run:
        return cls(
            int(value["group"]),
            datetime.fromisoformat(value["start"]),
            datetime.fromisoformat(value["end"]),
        )


def interval(server: MailSettings | None) -> timedelta:
    per_minute = server.per_minute if server is not None and server.per_minute else 0
    return timedelta(seconds=60.0 / max(1, per_minute or DEFAULT_PER_MINUTE))


def _place(runs: list[Run], group_id: int, earliest: datetime, length: timedelta) -> datetime:
    """The first start at or after ``earliest`` where ``length`` overlaps no other group's run."""
    start = max([earliest, *(r.end for r in runs if r.group_id == group_id)])
    moved = True
    while moved:
        moved = False
        for run in sorted(runs, key=lambda r: r.start):
            if run.group_id != group_id and start < run.end and run.start < start + length:
                start = run.end
                moved = True
    return start


def send_times(
    server: MailSettings | None, group_id: int, earliest: datetime, count: int, now: datetime
) -> list[datetime]:
    """Send times for the next ``count`` messages of a group, reserved on ``server``.

    The caller holds ``server`` locked (``SELECT … FOR UPDATE``) until its transaction ends.
    """
    step = interval(server)
    runs = [Run.from_json(r) for r in (server.group_runs if server is not None else [])]
    runs = [r for r in runs if r.end > now]
    start = _place(runs, group_id, max(as_utc(earliest) or now, now), step * count)
    times = [start + step * n for n in range(count)]
    if server is not None and count:
        # A new list, so the JSON column is seen as changed.
        reserved = Run(group_id, start, start + step * count)
        server.group_runs = [r.as_json() for r in [*runs, reserved]]
    return times


def keep(server: MailSettings | None, group_id: int, used: int) -> None:
    """Give back the end of the group's last run: only ``used`` of its times were taken."""
    if server is None:
        return
    runs = [Run.from_json(r) for r in server.group_runs]
    mine = [n for n, r in enumerate(runs) if r.group_id == group_id]
    if not mine:
        return
    last = runs[mine[-1]]
    runs[mine[-1]] = Run(group_id, last.start, last.start + interval(server) * used)
    server.group_runs = [r.as_json() for r in runs if r.end > r.start]
