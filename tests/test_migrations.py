"""The migrations and the models agree, and every plugin's migrations are a branch of its own.

A model changed without a migration fails ``test_models_have_their_migrations``;
``test_a_model_change_without_migration_is_caught`` proves that check bites.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, MetaData, String, inspect

from core import schema
from core.db import make_engine
from core.models import Base
from core.plugins import PluginRegistry
from core.schema import alembic_config, pending_model_changes, upgrade
from core.testing import TEST_DATABASE_ENV, PostgresScratchDatabase


@pytest.fixture
def fresh_engine(tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """``fresh_engine()``: an engine on a new, empty database of the suite's kind."""
    engines: list[Engine] = []
    with ExitStack() as stack:

        def make() -> Engine:
            admin_url = os.environ.get(TEST_DATABASE_ENV)
            if admin_url:
                url = stack.enter_context(PostgresScratchDatabase(admin_url))
            else:
                url = f"sqlite:///{tmp_path / f'fresh{len(engines)}.sqlite'}"
            engine = make_engine(url)
            engines.append(engine)
            return engine

        yield make
        for engine in engines:
            engine.dispose()


def test_models_have_their_migrations(db_engine: Engine) -> None:
    assert pending_model_changes(db_engine) == []


def test_a_model_change_without_migration_is_caught(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A faithful copy of every model's table, with one column the migrations lack.
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["team"].append_column(Column("motto", String(200), nullable=True))
    monkeypatch.setattr(schema, "Base", SimpleNamespace(metadata=changed))

    diff = pending_model_changes(db_engine)

    assert [(op, table, column.name) for op, _schema, table, column in diff] == [
        ("add_column", "team", "motto")
    ]


def test_upgrade_twice_changes_nothing(
    fresh_engine: Callable[[], Engine], myynti_registry: PluginRegistry
) -> None:
    engine = fresh_engine()
    upgrade(engine, myynti_registry)
    first = _shape(engine)
    upgrade(engine, myynti_registry)

    assert _shape(engine) == first
    script = ScriptDirectory.from_config(alembic_config(myynti_registry, None))
    applied = {r.revision for r in script.iterate_revisions(tuple(first["heads"]), "base")}
    assert applied == {r.revision for r in script.walk_revisions()}
    assert pending_model_changes(engine) == []


def test_every_plugin_with_migrations_has_its_own_branch(myynti_registry: PluginRegistry) -> None:
    script = ScriptDirectory.from_config(alembic_config(myynti_registry, None))
    folders = {
        p.migrations_path.resolve(): p.name for p in myynti_registry.plugins if p.migrations_path
    }
    assert "core" in folders.values()
    revisions = list(script.walk_revisions())
    for revision in revisions:
        owner = folders[Path(revision.path).parent.resolve()]
        assert owner in revision.branch_labels, f"{revision.revision} is not on branch {owner}"
    for folder, name in folders.items():
        bases = [
            r.revision
            for r in revisions
            if Path(r.path).parent.resolve() == folder and r.down_revision is None
        ]
        assert len(bases) == 1, f"plugin {name} has bases {bases}, wants one"
        assert name in script.get_revision(bases[0])._orig_branch_labels


def test_each_branch_upgrades_on_its_own(
    fresh_engine: Callable[[], Engine], myynti_registry: PluginRegistry
) -> None:
    """A branch that uses another plugin's tables must say so in ``depends_on``."""
    for plugin in myynti_registry.plugins:
        if plugin.migrations_path is None:
            continue
        engine = fresh_engine()
        with engine.begin() as connection:
            command.upgrade(alembic_config(myynti_registry, connection), f"{plugin.name}@head")
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
        assert heads, plugin.name


def _shape(engine: Engine) -> dict[str, Any]:
    """The migration heads and the tables with their columns and indexes."""
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect the hand-made expression indexes, and says so.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        heads = set(MigrationContext.configure(connection).get_current_heads())
        inspector = inspect(connection)
        tables = {
            name: (
                [c["name"] for c in inspector.get_columns(name)],
                sorted(i["name"] for i in inspector.get_indexes(name)),
            )
            for name in inspector.get_table_names()
        }
    return {"heads": heads, "tables": tables}
