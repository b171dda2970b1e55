pytest_plugins = ["core.testing", "tests.history_plugins.fixtures"]
