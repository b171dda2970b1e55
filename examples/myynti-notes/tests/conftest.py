"""The notes plugin's tests use core's fixtures: a migrated database, the app, tenants, users."""

pytest_plugins = ["core.testing"]
