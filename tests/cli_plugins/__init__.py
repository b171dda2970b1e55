"""Two plugins for the CLI tests: ``beta`` depends on ``alpha``.

``DEMO_CALLS`` records each ``myynti_demo_data`` call as ``(plugin, tenant slug,
user e-mails)``, so a test can tell the order and how often demo data was made.
"""

DEMO_CALLS: list[tuple[str, str, tuple[str, ...]]] = []
