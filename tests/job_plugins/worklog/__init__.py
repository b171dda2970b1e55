"""A test plugin with background jobs: they write history, fail on demand, or trespass."""

from core import Plugin

plugin = Plugin(
    name="worklog",
    title={"fi": "Työloki", "en": "Work log"},
    version="0.0.1",
    package="tests.job_plugins.worklog",
)
