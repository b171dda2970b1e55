"""The ``worklog`` test plugin, whose jobs do work that tests can count, and its fixtures."""
