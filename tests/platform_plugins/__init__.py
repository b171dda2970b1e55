"""Test plugins for licensing and the platform pages: ``gamma`` needs ``beta`` needs ``alpha``.

``SETUP_CALLS`` records each ``myynti_tenant_setup`` call as ``(plugin, tenant slug)``,
so a test can tell how often set-up ran; the ``setup_calls`` fixture empties it.
"""

SETUP_CALLS: list[tuple[str, str]] = []
