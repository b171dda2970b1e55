"""A database connection the server has closed does not fail the next request."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core import db as core_db


def test_a_terminated_pooled_connection_is_replaced(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a server that closes connections is PostgreSQL; SQLite has none")
    engine = core_db.make_engine(db_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            victim = connection.scalar(text("SELECT pg_backend_pid()"))
        other = core_db.make_engine(db_url)
        with other.connect() as killer:
            assert killer.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
        other.dispose()

        with engine.connect() as connection:
            assert connection.scalar(text("SELECT pg_backend_pid()")) != victim
    finally:
        engine.dispose()
