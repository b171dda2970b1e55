"""``python -m core.revision``: a plugin author's next migration, written for them."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from sqlalchemy import Boolean, Column, Engine, ForeignKey, Integer, MetaData, String, inspect

from core.db import make_engine
from core.models import Base, JSONDocument
from core.plugins import PluginError, PluginRegistry
from core.revision import main, write_revision
from core.schema import alembic_config, pending_model_changes


def upgrade_with(engine: Engine, registry: PluginRegistry, plugin: str, folder: Path) -> None:
    """Upgrade ``engine`` with ``folder`` standing in for ``plugin``'s migrations."""
    locations = [
        str(p.migrations_path) for p in registry.plugins if p.migrations_path and p.name != plugin
    ]
    with engine.begin() as connection:
        config = alembic_config(registry, connection)
        config.set_main_option("version_locations", " ".join([*locations, str(folder)]))
        command.upgrade(config, "heads")


def test_a_plugins_first_revision_starts_its_branch_with_its_tables(
    tmp_path: Path, myynti_registry: PluginRegistry
) -> None:
    folder = tmp_path / "migrations"

    path = write_revision(myynti_registry, "notes", "note table", into=folder)

    text = path.read_text()
    assert path.name == "notes0001_note_table.py"
    assert "branch_labels = ('notes',)" in text
    assert "op.create_table('note'," in text
    assert "enable_tenant_rls(op, 'note')" in text
    assert "customer" not in text and "'team'" not in text
    engine = make_engine(f"sqlite:///{tmp_path / 'applied.sqlite'}")
    upgrade_with(engine, myynti_registry, "notes", folder)
    assert pending_model_changes(engine) == []
    engine.dispose()


def test_the_next_revision_holds_only_the_plugins_own_changes(
    tmp_path: Path, myynti_registry: PluginRegistry
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(myynti_registry.by_name["notes"].migrations_path, folder)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["note"].append_column(Column("pinned", Boolean(), nullable=True))
    changed.tables["team"].append_column(Column("motto", String(200), nullable=True))

    path = write_revision(myynti_registry, "notes", "pin notes", into=folder, metadata=changed)

    text = path.read_text()
    assert path.name == "notes0002_pin_notes.py"
    assert "down_revision = 'notes0001'" in text
    assert "batch_op.add_column(sa.Column('pinned', sa.Boolean(), nullable=True))" in text
    assert "motto" not in text
    assert "enable_tenant_rls" not in text


def load(path: Path) -> ModuleType:
    """Import a written migration as Python would when Alembic runs it."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_foreign_key_to_another_plugins_table_depends_on_that_branch(
    tmp_path: Path, myynti_registry: PluginRegistry
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(myynti_registry.by_name["notes"].migrations_path, folder)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["note"].append_column(
        Column("customer_id", Integer, ForeignKey("customer.id"), nullable=True)
    )
    changed.tables["note"].append_column(Column("extra", JSONDocument, nullable=True))

    path = write_revision(myynti_registry, "notes", "link customers", into=folder, metadata=changed)

    written = load(path)
    contacts = myynti_registry.by_name["contacts"].migrations_path
    revisions = [load(p) for p in contacts.glob("*.py")]
    revised = {r.down_revision for r in revisions}
    contacts_heads = {r.revision for r in revisions if r.revision not in revised}
    assert written.depends_on in contacts_heads
    engine = make_engine(f"sqlite:///{tmp_path / 'applied.sqlite'}")
    upgrade_with(engine, myynti_registry, "notes", folder)  # runs every name the file uses
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("note")}
    engine.dispose()
    assert {"customer_id", "extra"} <= columns


def test_an_unknown_plugin_is_one_line_and_a_non_zero_exit(
    capsys: pytest.CaptureFixture[str], myynti_registry: PluginRegistry
) -> None:
    with pytest.raises(PluginError, match="no plugin named 'nope' is installed"):
        write_revision(myynti_registry, "nope", "x")

    assert main(["nope", "-m", "x"]) == 2
    assert capsys.readouterr().err == "error: no plugin named 'nope' is installed\n"
