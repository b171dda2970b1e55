"""A test plugin contributing reports through ``myynti_reports``, without depending on reports."""

from core import Plugin

plugin = Plugin(
    name="tally",
    title={"fi": "Laskuri", "en": "Tally"},
    version="0.0.1",
    package="tests.reports.tally",
    depends=("workflow",),
)
