"""Start-up with a set of plugins: dependency order, and one clear line when it cannot start."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.plugins import CORE_PLUGIN, PluginError, PluginRegistry
from tests.framework_plugins.addon import plugin as addon
from tests.framework_plugins.stray import plugin as stray
from tests.framework_plugins.widgets import plugin as widgets


def start_up_error(*plugins: object) -> str:
    """The message ``PluginRegistry`` refuses to start with; it must be one line."""
    with pytest.raises(PluginError) as refused:
        PluginRegistry([CORE_PLUGIN, *plugins])
    message = str(refused.value)
    assert "\n" not in message
    return message


def test_plugins_start_after_what_they_depend_on() -> None:
    registry = PluginRegistry([addon, widgets, CORE_PLUGIN])

    assert [p.name for p in registry.plugins] == ["core", "widgets", "addon"]


def test_a_missing_dependency_stops_start_up() -> None:
    message = start_up_error(addon)

    assert message == "plugin 'addon' depends on 'widgets', which is not installed"


def test_a_dependency_cycle_stops_start_up() -> None:
    message = start_up_error(addon, replace(widgets, depends=("addon",)))

    assert message == "plugin dependency cycle: addon -> widgets -> addon"


def test_two_plugins_of_one_name_stop_start_up() -> None:
    message = start_up_error(widgets, replace(addon, name="widgets", depends=()))

    assert message == "two plugins are named 'widgets'"


def test_an_implementation_of_an_unknown_hook_stops_start_up() -> None:
    message = start_up_error(stray)

    assert "'myynti_not_a_hook'" in message
    assert "plugin 'stray'" in message


def test_a_plugin_publishes_a_hook_that_its_dependants_implement() -> None:
    registry = PluginRegistry([CORE_PLUGIN, widgets, addon])

    both = registry.hooks_for({"widgets", "addon"}).collect("myynti_widgets")
    publisher_only = registry.hooks_for({"widgets"}).collect("myynti_widgets")

    assert both == ["gauge"]
    assert publisher_only == []


def test_a_misspelt_hook_argument_stops_start_up() -> None:
    from tests.framework_plugins.misspelt import plugin as misspelt

    message = start_up_error(misspelt)

    assert message.startswith("plugin 'misspelt':") and "requets" in message


def test_a_plugin_that_is_a_single_module_is_refused() -> None:
    lone = replace(stray, name="lone", package="tests.framework_plugins.stray.hooks")

    assert start_up_error(lone) == (
        "plugin 'lone': 'tests.framework_plugins.stray.hooks' is not a package"
    )
