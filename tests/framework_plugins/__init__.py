"""Small plugins for the tests of the plugin framework (tests/test_plugin_framework.py).

``widgets`` publishes a hookspec of its own, ``addon`` depends on it and
implements that hook, ``stray`` implements a hook nobody declared.
"""
