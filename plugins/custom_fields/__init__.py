"""Tenant-defined extra fields on any entity that accepts them."""

from core import Plugin

plugin = Plugin(
    name="custom_fields",
    title={"fi": "Lisätietokentät", "en": "Custom fields"},
    version="0.1.0",
    package="plugins.custom_fields",
    summary={
        "fi": "Omat lisätietokentät asiakkaille, yhteyshenkilöille ja tehtäville",
        "en": "Your own extra fields on customers, contact persons and tasks",
    },
)
