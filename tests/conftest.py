pytest_plugins = [
    "core.testing",
    "tests.browser",
    "tests.history_plugins.fixtures",
    "tests.job_plugins.fixtures",
    "tests.platform_plugins.fixtures",
    "tests.workflow_plugins.fixtures",
]
