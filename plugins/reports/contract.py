"""The ``myynti_reports`` contract: the declared reports, checked as they are collected.

A contributing plugin returns plain dicts (see ``hookspecs.py``); here each is
checked and turned into a ``Report``. A malformed one raises
``ReportDeclarationError`` naming the plugin, so its author sees at once what
to fix instead of a page that half works.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pyramid.i18n import TranslationString

from core import Label

FILTERS = ("period", "user", "team", "customer")
KINDS = ("text", "int", "money", "percent", "date")
CHART_TYPES = ("bars", "funnel")
KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
REQUIRED = ("key", "title", "group", "permission", "filters", "dimensions", "run")


class ReportDeclarationError(Exception):
    """A plugin declared a report (or returned a result) that breaks the contract."""


@dataclass(frozen=True)
class Report:
    plugin: str
    key: str
    title: Label
    group: Label
    permission: str
    filters: tuple[str, ...]
    dimensions: tuple[tuple[str, Label], ...]
    run: Callable[[Any, dict[str, Any]], dict[str, Any]]


def _label(value: Any) -> bool:
    """A ``_()`` message of the plugin's catalogue, or a dict of texts by language."""
    return isinstance(value, TranslationString) or (
        isinstance(value, Mapping)
        and bool(value)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


def _copied(label: Any) -> Label:
    return label if isinstance(label, str) else dict(label)


def declared(plugin: str, item: Any) -> Report:
    """``item`` as a ``Report``, or ``ReportDeclarationError`` saying what is wrong."""

    def refuse(problem: str) -> ReportDeclarationError:
        key = item.get("key") if isinstance(item, Mapping) else None
        return ReportDeclarationError(f"plugin {plugin!r}, report {key!r}: {problem}")

    if not isinstance(item, Mapping):
        raise ReportDeclarationError(f"plugin {plugin!r}: a report must be a dict, not {item!r}")
    missing = [name for name in REQUIRED if name not in item]
    if missing:
        raise refuse(f"missing {', '.join(missing)}")
    key = item["key"]
    if not isinstance(key, str) or not KEY.match(key) or key.split(".")[0] != plugin:
        raise refuse(f'key must be "{plugin}.<name>" in lower case')
    for name in ("title", "group"):
        if not _label(item[name]):
            raise refuse(
                f"{name} must be a label dict like {{'fi': ..., 'en': ...}} or a _() message"
            )
    if not isinstance(item["permission"], str) or not item["permission"]:
        raise refuse("permission must be a permission name")
    filters = tuple(item["filters"])
    unknown = [f for f in filters if f not in FILTERS]
    if unknown:
        raise refuse(f"unknown filters {unknown}; choose from {list(FILTERS)}")
    dimensions = tuple(tuple(d) for d in item["dimensions"])
    if not dimensions or any(
        len(d) != 2 or not isinstance(d[0], str) or not _label(d[1]) for d in dimensions
    ):
        raise refuse("dimensions must be a non-empty list of (key, label dict)")
    if not callable(item["run"]):
        raise refuse("run must be callable(request, params)")
    return Report(
        plugin=plugin,
        key=key,
        title=_copied(item["title"]),
        group=_copied(item["group"]),
        permission=item["permission"],
        filters=filters,
        dimensions=dimensions,  # type: ignore[arg-type]
        run=item["run"],
    )


def collect(hooks: Any, request: Any) -> dict[str, Report]:
    """Every report the enabled plugins of ``hooks`` declare, by key, checked."""
    found: dict[str, Report] = {}
    for impl in hooks.myynti_reports.get_hookimpls():
        items = impl.function(**{name: request for name in impl.argnames}) or []
        for item in items:
            report = declared(impl.plugin_name, item)
            if report.key in found:
                raise ReportDeclarationError(
                    f"plugin {impl.plugin_name!r}: report key {report.key!r} is declared twice"
                )
            found[report.key] = report
    return found


def checked_result(report: Report, result: Any) -> dict[str, Any]:
    """The result of ``report.run``, or an error naming the plugin if it is malformed."""

    def refuse(problem: str) -> ReportDeclarationError:
        return ReportDeclarationError(
            f"plugin {report.plugin!r}, report {report.key!r}: run() {problem}"
        )

    if not isinstance(result, Mapping) or "columns" not in result or "rows" not in result:
        raise refuse('must return a dict with "columns" and "rows"')
    keys = set()
    for column in result["columns"]:
        if not isinstance(column, Mapping) or not {"key", "label", "kind"} <= set(column):
            raise refuse('columns must be dicts with "key", "label" and "kind"')
        if column["kind"] not in KINDS:
            raise refuse(f"column {column['key']!r}: kind must be one of {list(KINDS)}")
        keys.add(column["key"])
    if any(not isinstance(row, Mapping) for row in result["rows"]):
        raise refuse("rows must be dicts by column key")
    chart = result.get("chart")
    if chart is not None and (
        chart.get("type") not in CHART_TYPES
        or chart.get("label") not in keys
        or chart.get("value") not in keys
    ):
        raise refuse(f"chart must be {{'type': one of {list(CHART_TYPES)}, 'label', 'value'}}")
    if result.get("drill") is not None and not callable(result["drill"]):
        raise refuse("drill must be callable(row, column_key)")
    return dict(result)
