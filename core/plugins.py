"""Finding, ordering and calling plugins.

Every plugin, built-in or a partner's, is a ``Plugin`` object published under the
``myynti.plugins`` entry point group. ``PluginRegistry`` is built once per app: it
orders plugins by ``depends``, registers their hook implementations with pluggy,
and hands out per-tenant hook callers that hold only the enabled plugins.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from core import hookspecs
from core.contract import Label
from core.i18n import _

ENTRY_POINT_GROUP = "myynti.plugins"
CORE = "core"

hookimpl = pluggy.HookimplMarker("myynti")


class PluginError(Exception):
    """A plugin set that cannot start: the message is one line for the operator."""


@dataclass(frozen=True)
class Plugin:
    """A plugin's declaration.

    ``package`` is the import path of the plugin's package; its hook
    implementations live in ``hooks_module`` (default ``<package>.hooks``).
    A ``migrations/`` folder in the package becomes the plugin's Alembic branch
    and a ``locale/`` folder its translations.
    """

    name: str
    title: Label
    version: str
    package: str
    summary: Label = ""
    depends: tuple[str, ...] = ()
    hooks_module: str = ""
    #: False for plugins every tenant has (they cannot be disabled).
    licensed: bool = True

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.package)

    @property
    def hooks(self) -> ModuleType:
        return importlib.import_module(self.hooks_module or f"{self.package}.hooks")

    @property
    def path(self) -> Path:
        return Path(self.module.__file__).parent

    @property
    def migrations_path(self) -> Path | None:
        path = self.path / "migrations"
        return path if path.is_dir() else None

    @property
    def locale_path(self) -> Path | None:
        path = self.path / "locale"
        return path if path.is_dir() else None


CORE_PLUGIN = Plugin(
    name=CORE,
    title=_("Core"),
    version="0.1.0",
    package="core",
    summary=_("Platform: tenants, users, teams"),
    hooks_module="core.core_hooks",
    licensed=False,
)


def discover(group: str = ENTRY_POINT_GROUP) -> list[Plugin]:
    """The plugins installed in this Python environment, core first."""
    found = [CORE_PLUGIN]
    for ep in entry_points(group=group):
        plugin = ep.load()
        if not isinstance(plugin, Plugin):
            raise PluginError(f"entry point {ep.name!r} in {group} is not a core.Plugin")
        if plugin.name != ep.name:
            raise PluginError(f"entry point {ep.name!r} declares a plugin named {plugin.name!r}")
        found.append(plugin)
    return found


def order_by_dependency(plugins: Iterable[Plugin]) -> list[Plugin]:
    """Plugins sorted so that each comes after what it depends on (names break ties).

    Raises ``PluginError`` naming a missing dependency or a cycle.
    """
    by_name: dict[str, Plugin] = {}
    for plugin in plugins:
        if plugin.name in by_name:
            raise PluginError(f"two plugins are named {plugin.name!r}")
        by_name[plugin.name] = plugin
    for plugin in by_name.values():
        for dep in plugin.depends:
            if dep not in by_name:
                raise PluginError(
                    f"plugin {plugin.name!r} depends on {dep!r}, which is not installed"
                )
    ordered: list[Plugin] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " -> ".join([*chain[chain.index(name) :], name])
            raise PluginError(f"plugin dependency cycle: {cycle}")
        state[name] = "visiting"
        for dep in sorted(by_name[name].depends):
            visit(dep, [*chain, name])
        state[name] = "done"
        ordered.append(by_name[name])

    for name in sorted(by_name, key=lambda n: (n != CORE, n)):
        visit(name, [])
    return ordered


@dataclass
class PluginRegistry:
    """The installed plugins of one app, registered with one pluggy manager."""

    plugins: list[Plugin]
    pm: pluggy.PluginManager = field(init=False)
    _callers: dict[frozenset[str], TenantHooks] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.plugins = order_by_dependency(self.plugins)
        self.pm = pluggy.PluginManager("myynti")
        self.pm.add_hookspecs(hookspecs)
        # Historic: each plugin's implementation runs as it registers, so a plugin's
        # own hookspecs exist before its dependants' implementations arrive.
        self.pm.hook.myynti_addhooks.call_historic(kwargs={"pluginmanager": self.pm})
        for plugin in self.plugins:
            if not hasattr(plugin.module, "__path__"):
                # Views are mapped to plugins by package; a lone module would escape
                # the per-tenant 404 of tenant_guard.
                raise PluginError(f"plugin {plugin.name!r}: {plugin.package!r} is not a package")
            try:
                self.pm.register(plugin.hooks, name=plugin.name)
            except pluggy.PluginValidationError as exc:
                reason = str(exc).splitlines()[-1]
                raise PluginError(f"plugin {plugin.name!r}: {reason}") from None
        # pluggy's check_pending, with a one-line message naming the plugin. An
        # implementation marked ``optionalhook`` (of a hook a plugin it does not
        # depend on publishes) is left uncalled when that plugin is not installed.
        for name, hook in vars(self.pm.hook).items():
            required = [impl for impl in hook.get_hookimpls() if not impl.optionalhook]
            if hook.spec is None and required:
                plugin_name = required[0].plugin_name
                raise PluginError(f"plugin {plugin_name!r} implements unknown hook {name!r}")

    @classmethod
    def from_environment(cls) -> PluginRegistry:
        return cls(discover())

    @property
    def by_name(self) -> Mapping[str, Plugin]:
        return {p.name: p for p in self.plugins}

    @property
    def licensed(self) -> list[Plugin]:
        """The plugins a platform admin can enable and disable per tenant."""
        return [p for p in self.plugins if p.licensed]

    def always_on(self) -> frozenset[str]:
        return frozenset(p.name for p in self.plugins if not p.licensed)

    def plugin_of_module(self, module_name: str) -> Plugin | None:
        """The plugin whose package contains ``module_name`` (longest match wins)."""
        best: Plugin | None = None
        for plugin in self.plugins:
            pkg = plugin.package
            if (module_name == pkg or module_name.startswith(pkg + ".")) and (
                best is None or len(pkg) > len(best.package)
            ):
                best = plugin
        return best

    def hooks_for(self, enabled: Iterable[str]) -> TenantHooks:
        """A hook caller holding the always-on plugins plus ``enabled``, cached per set."""
        key = frozenset(enabled) | self.always_on()
        caller = self._callers.get(key)
        if caller is None:
            removed = [self.pm.get_plugin(p.name) for p in self.plugins if p.name not in key]
            caller = self._callers[key] = TenantHooks(self.pm, removed)
        return caller

    def call_one(self, plugin_name: str, hook_name: str, **kwargs: Any) -> Any:
        """Call one plugin's implementation of a hook (``None`` if it has none)."""
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            if impl.plugin_name == plugin_name:
                return impl.function(**{k: kwargs[k] for k in impl.argnames})
        return None


class TenantHooks:
    """``request.plugins``: call hooks as ``request.plugins.myynti_links(...)``.

    Each hook call goes only to the plugins left in; the per-hook subset callers
    are made once and cached.
    """

    def __init__(self, pm: pluggy.PluginManager, removed: list[object]) -> None:
        self._pm = pm
        self._removed = removed
        self._hooks: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        hook = self._hooks.get(name)
        if hook is None:
            if not hasattr(self._pm.hook, name):
                raise AttributeError(f"no hook named {name!r}")
            hook = self._hooks[name] = self._pm.subset_hook_caller(name, self._removed)
        return hook

    def collect(self, name: str, **kwargs: Any) -> list[Any]:
        """Call hook ``name`` and flatten the lists its implementations return."""
        results = getattr(self, name)(**kwargs)
        return [item for result in results if result for item in result]
