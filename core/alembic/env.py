"""Alembic environment shared by core and every plugin (one branch each).

It is always run from ``core.schema``, which passes the connection and the
metadata in ``config.attributes``; there is no alembic.ini to keep in sync.
"""

from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=config.attributes["metadata"],
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=config.attributes.get("include_object"),
    render_item=config.attributes.get("render_item"),
)
with context.begin_transaction():
    context.run_migrations()
