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
from sqlalchemy import JSON, Column, ForeignKeyConstraint, MetaData
from sqlalchemy.dialects.postgresql import JSONB

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
                    else {
                        "head": "base",
                        "branch_label": plugin.name,
                        "depends_on": script.revision_map.get_current_head(CORE),
                    }
                )
                config.attributes["include_object"] = _only(tables)
                config.attributes["render_item"] = _render_json_type
                heads = _heads_of_referred_tables(registry, plugin, script, metadata)
                written = command.revision(
                    config,
                    message,
                    autogenerate=True,
                    version_path=str(folder),
                    rev_id=f"{plugin.name}{count + 1:04d}",
                    process_revision_directives=lambda context, revision, directives: (
                        _protect_new_tenant_tables(directives),
                        _depend_on_referred_branches(directives, heads),
                    ),
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


def _render_json_type(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render JSONB with ``sa.Text()``: Alembic's own rendering leaves ``Text()`` unimported."""
    if type_ != "type":
        return False
    jsonb = "postgresql.JSONB(astext_type=sa.Text())"
    if isinstance(obj, JSONB):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return jsonb
    if isinstance(obj, JSON) and isinstance(obj._variant_mapping.get("postgresql"), JSONB):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return f'sa.JSON().with_variant({jsonb}, "postgresql")'
    return False


def _heads_of_referred_tables(
    registry: PluginRegistry, plugin: Plugin, script: ScriptDirectory, metadata: MetaData
) -> dict[str, str]:
    """Map each table of another branch to that branch's head revision.

    Core's tables are core's; a plugin's are those its models map.
    """
    revision_map = script.revision_map
    heads: dict[str, str] = {}
    for other in registry.plugins:
        if other == plugin or other.name == CORE or not other.migrations_path:
            continue
        head = revision_map.get_current_head(other.name)
        for table in owned_tables(other, metadata):
            heads[table] = head
    core_head = revision_map.get_current_head(CORE)
    for table in metadata.tables:
        heads.setdefault(table, core_head)
    for table in owned_tables(plugin, metadata):
        heads.pop(table, None)
    return heads


def _depend_on_referred_branches(directives: list[Any], heads: dict[str, str]) -> None:
    """Add to ``depends_on`` the head of every branch whose table a new foreign key names."""
    referred = {
        heads[table]
        for upgrade_ops in directives[0].upgrade_ops_list
        for table in _referred_tables(upgrade_ops.ops)
        if table in heads
    }
    if not referred:
        return
    current = directives[0].depends_on
    known = [current] if isinstance(current, str) else list(current or ())
    merged = known + sorted(referred - set(known))
    directives[0].depends_on = merged[0] if len(merged) == 1 else tuple(merged)


def _referred_tables(operations: list[Any]) -> set[str]:
    """Tables that the foreign keys created by ``operations`` point at."""
    tables: set[str] = set()
    for operation in operations:
        if isinstance(operation, ops.ModifyTableOps):
            tables |= _referred_tables(operation.ops)
        elif isinstance(operation, ops.CreateForeignKeyOp):
            tables.add(operation.referent_table)
        elif isinstance(operation, ops.AddColumnOp):
            tables |= {fk.column.table.name for fk in operation.column.foreign_keys}
        elif isinstance(operation, ops.CreateTableOp):
            for item in operation.columns:
                if isinstance(item, Column):
                    tables |= {fk.target_fullname.split(".")[0] for fk in item.foreign_keys}
                elif isinstance(item, ForeignKeyConstraint):
                    tables |= {fk.target_fullname.split(".")[0] for fk in item.elements}
    return tables


def _protect_new_tenant_tables(directives: list[Any]) -> None:
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
