"""Write a plugin's next migration: ``python -m core.revision PLUGIN -m "what changed"``.

Alembic compares the models with a scratch SQLite database brought to the head
of every branch, keeps the differences in the plugin's own tables only, and
writes ``<plugin>NNNN_<slug>.py`` into the plugin's ``migrations/`` folder, on
the plugin's branch. A plugin's first revision starts its branch and depends
on core's head. New tenant-owned tables get ``enable_tenant_rls``.

Read the file before you commit it: Alembic cannot see everything (expression
indexes, data changes), and the operations are written for SQLite's batch mode,
which PostgreSQL runs as well.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import renderers
from alembic.config import Config
from alembic.operations import ops
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from core.db import make_engine
from core.models import Base
from core.plugins import CORE, Plugin, PluginError, PluginRegistry
from core.schema import alembic_config


class EnableTenantRLSOp(ops.MigrateOperation):
    """``enable_tenant_rls(op, table)`` in a written migration (core.schema)."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name


@renderers.dispatch_for(EnableTenantRLSOp)
def _render_rls(autogen_context: Any, op: EnableTenantRLSOp) -> str:
    autogen_context.imports.add("from core.schema import enable_tenant_rls")
    return f"enable_tenant_rls(op, {op.table_name!r})"


def write_revision(
    registry: PluginRegistry,
    plugin_name: str,
    message: str,
    into: Path | None = None,
    metadata: MetaData = Base.metadata,
) -> Path:
    """Write the next migration of ``plugin_name`` and return its path.

    ``into`` stands in for the plugin's ``migrations/`` folder (the tests
    write into a copy); ``metadata`` for the models' metadata.
    """
    plugin = registry.by_name.get(plugin_name)
    if plugin is None:
        raise PluginError(f"no plugin named {plugin_name!r} is installed")
    if plugin.name == CORE:
        raise PluginError("core's migrations (c0001...) are written by hand, not with this tool")
    folder = (into or plugin.migrations_path or plugin.path / "migrations").resolve()
    folder.mkdir(exist_ok=True)
    tables = owned_tables(plugin, metadata)
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.sqlite'}")
        try:
            with engine.begin() as connection, warnings.catch_warnings():
                # SQLite cannot reflect the hand-made expression indexes, and says so.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
                config = _config(registry, plugin, folder, connection, metadata)
                command.upgrade(config, "heads")
                script = ScriptDirectory.from_config(config)
                count = sum(
                    1 for r in script.walk_revisions() if Path(r.path).resolve().parent == folder
                )
                branch: dict[str, Any] = (
                    {"head": f"{plugin.name}@head"}
                    if count
                    else {"head": "base", "branch_label": plugin.name, "depends_on": "core@head"}
                )
                config.attributes["include_object"] = _only(tables)
                written = command.revision(
                    config,
                    message,
                    autogenerate=True,
                    version_path=str(folder),
                    rev_id=f"{plugin.name}{count + 1:04d}",
                    process_revision_directives=_protect_new_tenant_tables,
                    **branch,
                )
        finally:
            engine.dispose()
    return Path(written.path)  # type: ignore[union-attr]


def owned_tables(plugin: Plugin, metadata: MetaData) -> set[str]:
    """Names of the tables mapped by classes in the plugin's package."""
    own = plugin.package
    return {
        mapper.local_table.name
        for mapper in Base.registry.mappers
        if mapper.class_.__module__ == own or mapper.class_.__module__.startswith(own + ".")
        if mapper.local_table.name in metadata.tables
    }


def _config(
    registry: PluginRegistry, plugin: Plugin, folder: Path, connection: Any, metadata: MetaData
) -> Config:
    config = alembic_config(registry, connection)
    locations = [
        str(p.migrations_path) for p in registry.plugins if p.migrations_path and p != plugin
    ]
    config.set_main_option("version_locations", " ".join([*locations, str(folder)]))
    config.attributes["metadata"] = metadata
    return config


def _only(tables: set[str]) -> Callable[..., bool]:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in tables

    return include


def _protect_new_tenant_tables(context: Any, revision: Any, directives: list[Any]) -> None:
    """Put each table the revision creates that has ``tenant_id`` behind row-level security."""
    for upgrade_ops in directives[0].upgrade_ops_list:
        created = [
            op.table_name
            for op in upgrade_ops.ops
            if isinstance(op, ops.CreateTableOp)
            and any(getattr(c, "name", None) == "tenant_id" for c in op.columns)
        ]
        upgrade_ops.ops.extend(EnableTenantRLSOp(name) for name in created)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.revision", description="Write a plugin's next migration."
    )
    parser.add_argument("plugin", help="the plugin's name, e.g. notes")
    parser.add_argument("-m", "--message", required=True, help="what changed, e.g. 'pin notes'")
    args = parser.parse_args(argv)
    try:
        path = write_revision(PluginRegistry.from_environment(), args.plugin, args.message)
    except PluginError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
