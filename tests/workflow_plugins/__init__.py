"""The ``stagehand`` test plugin, which offers stage actions, and the board's test fixtures."""
