from typing import Any

from core import hookimpl
from tests.framework_plugins.widgets import hookspecs


@hookimpl
def myynti_addhooks(pluginmanager: Any) -> None:
    pluginmanager.add_hookspecs(hookspecs)
