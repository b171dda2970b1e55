"""Meta-tests of the plugin contract (STYLE.md "what we take", 6; DESIGN.md "core knows no plugin").

* every hookspec has a docstring and a section in docs/plugins.md;
* every hookspec is called by some test, and the test plugin implements it;
* ``core`` imports no plugin;
* each installed plugin imports only ``core``, itself, libraries, and the
  plugins its ``depends`` names.

The import rules are read from the source with ``ast``, so an import inside a
function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import core
from core import hookspecs
from core.plugins import CORE, Plugin, PluginRegistry
from tests import all_hooks_plugin

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
#: The namespace package of the built-in plugins.
BUILT_IN = "plugins"

HOOKSPECS = sorted(
    name
    for name, obj in vars(hookspecs).items()
    if callable(obj) and hasattr(obj, "myynti_spec")  # pluggy's mark for project "myynti"
)


def test_the_contract_has_hookspecs() -> None:
    assert len(HOOKSPECS) >= 10, HOOKSPECS


@pytest.mark.parametrize("name", HOOKSPECS)
def test_every_hookspec_has_a_docstring(name: str) -> None:
    assert (inspect.getdoc(getattr(hookspecs, name)) or "").strip(), f"{name} has no docstring"


@pytest.mark.parametrize("name", HOOKSPECS)
def test_every_hookspec_has_a_section_in_the_plugin_guide(name: str) -> None:
    headings = re.findall(r"^#+ .*$", GUIDE.read_text(encoding="utf-8"), re.MULTILINE)

    assert any(re.search(rf"\b{name}\b", heading) for heading in headings), (
        f"docs/plugins.md has no heading for {name}"
    )


@pytest.mark.parametrize("name", HOOKSPECS)
def test_every_hookspec_is_implemented_by_the_test_plugin(name: str) -> None:
    assert hasattr(getattr(all_hooks_plugin, name, None), "myynti_impl"), (
        f"tests/all_hooks_plugin implements no {name}"
    )


def sources_that_may_call_hooks() -> list[Path]:
    """Test modules that may call hooks: the suite's and every example plugin's."""
    own = [p for p in (ROOT / "tests").rglob("*.py") if p.name != Path(__file__).name]
    return own + sorted(ROOT.glob("examples/*/tests/**/*.py"))


def hook_calls(path: Path) -> set[str]:
    """Names a module calls as ``x.<name>(...)`` or passes as a string (``collect("<name>")``)."""
    called = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute):
            called.add(node.func.attr)
        called.update(
            arg.value
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        )
    return called


@pytest.fixture(scope="module")
def called_in_tests() -> set[str]:
    return set().union(*(hook_calls(path) for path in sources_that_may_call_hooks()))


@pytest.mark.parametrize("name", HOOKSPECS)
def test_every_hookspec_is_called_by_a_test(name: str, called_in_tests: set[str]) -> None:
    assert name in called_in_tests, f"no test calls {name}"


# --- who imports whom ------------------------------------------------------------


def imports(root: Path, package: str) -> Iterator[tuple[Path, int, str]]:
    """``(file, line, module)`` for every import in the package at ``root`` named ``package``.

    ``from a import b`` yields both ``a`` and ``a.b`` (``b`` may be a module);
    relative imports are resolved against the importing module.
    """
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        own_package = parts[:-1]  # a module's package; for __init__.py, the package itself
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = own_package[: len(own_package) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                yield path, node.lineno, module
                for alias in node.names:
                    yield path, node.lineno, f"{module}.{alias.name}"


def foreign_plugin_imports(
    root: Path, package: str, allowed: set[str], registry: PluginRegistry
) -> list[str]:
    """Imports of plugins outside ``allowed`` (plugin names), as readable lines."""
    found = []
    for path, line, module in imports(root, package):
        owner = registry.plugin_of_module(module)
        in_built_ins = module.split(".")[0] == BUILT_IN and module != BUILT_IN
        if (owner is not None and owner.name not in allowed) or (owner is None and in_built_ins):
            who = owner.name if owner is not None else "a plugin that is not installed"
            found.append(f"{path.relative_to(root.parent)}:{line} imports {module} ({who})")
    return found


def test_core_imports_no_plugin(myynti_registry: PluginRegistry) -> None:
    core_root = Path(core.__file__).parent

    assert foreign_plugin_imports(core_root, CORE, {CORE}, myynti_registry) == []


@pytest.mark.parametrize(
    "plugin",
    [p for p in PluginRegistry.from_environment().plugins if p.name != CORE],
    ids=lambda p: p.name,
)
def test_a_plugin_imports_only_core_itself_and_what_it_depends_on(
    plugin: Plugin, myynti_registry: PluginRegistry
) -> None:
    allowed = {CORE, plugin.name, *plugin.depends}

    assert foreign_plugin_imports(plugin.path, plugin.package, allowed, myynti_registry) == []


def test_the_import_check_catches_an_undeclared_dependency(
    tmp_path: Path, myynti_registry: PluginRegistry
) -> None:
    package = tmp_path / "sneaky"
    (package / "views").mkdir(parents=True)
    (package / "__init__.py").write_text("from core import Plugin\nfrom . import views\n")
    (package / "views" / "__init__.py").write_text(
        "def page():\n    from myynti_notes.models import Note\n    return Note\n"
    )

    found = foreign_plugin_imports(package, "sneaky", {CORE, "sneaky"}, myynti_registry)
    declared = foreign_plugin_imports(package, "sneaky", {CORE, "sneaky", "notes"}, myynti_registry)

    assert found == [
        "sneaky/views/__init__.py:2 imports myynti_notes.models (notes)",
        "sneaky/views/__init__.py:2 imports myynti_notes.models.Note (notes)",
    ]
    assert declared == []
