"""The benchmark's plugin: a page that starts no-op jobs, as a plugin's page starts its jobs."""

from core import Plugin

plugin = Plugin(
    name="jobs_bench",
    title={"fi": "Töiden mittaus", "en": "Jobs benchmark"},
    version="0.0.1",
    package="jobs_bench",
    licensed=False,
)
