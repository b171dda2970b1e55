"""Two connections writing at once, as requests and the embedded job threads do."""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import delete, func, select

from core.db import make_session_factory
from core.models import User


def test_two_transactions_that_read_and_then_write_both_commit(db_engine) -> None:
    """A request reads its user before it writes; a job thread commits meanwhile.

    SQLite refuses, without waiting, a write in a transaction that has read
    when another connection committed after that read: the request would end
    in an error page. Both must commit, one after the other.
    """
    factory = make_session_factory(db_engine)
    mark = uuid.uuid4().hex[:8]
    emails = [f"request-{mark}@example.com", f"job-{mark}@example.com"]
    errors: list[BaseException] = []

    def job_thread() -> None:
        try:
            with factory.begin() as job:
                job.add(User(email=emails[1], name="Job", password_hash="-"))
        except Exception as exc:
            errors.append(exc)

    try:
        with factory() as request, request.begin():
            request.scalar(select(func.count(User.id)))
            other = threading.Thread(target=job_thread)
            other.start()
            time.sleep(0.3)  # the job thread writes now, or waits for this transaction
            request.add(User(email=emails[0], name="Request", password_hash="-"))
        other.join(timeout=30)

        assert errors == []
        with factory() as db:
            found = db.scalars(select(User.email).where(User.email.in_(emails))).all()
        assert sorted(found) == sorted(emails)
    finally:
        with factory.begin() as db:
            db.execute(delete(User).where(User.email.in_(emails)))
