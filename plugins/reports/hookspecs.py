"""Hooks the reports plugin publishes: how any plugin contributes a report.

Registered through ``myynti_addhooks`` (see ``hooks.py``). A contributing
plugin does **not** list ``reports`` in its ``depends`` nor import
``plugins.reports``: it implements ``myynti_reports`` with
``@core.hookimpl(optionalhook=True)`` and returns plain data, so it stays
usable where reports is not installed (the implementation is then never called).
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookspec


@hookspec
def myynti_reports(request: Any) -> list[dict[str, Any]]:
    """Return the reports this plugin contributes, as plain dicts.

    Called for the tenant's enabled plugins whenever the reports are listed,
    shown, exported or e-mailed. Each dict has these keys:

    ``key``
        Unique ``"<plugin name>.<name>"`` (lower case, digits, ``_``); used in the URL.
    ``title``, ``group``
        Labels: ``_()`` messages of the plugin's own domain (or dicts by language,
        ``{"fi": ..., "sv": ..., "en": ...}``); reports are listed by group.
    ``permission``
        A permission name the user must hold to see (and export) the report.
    ``filters``
        A tuple of filter names the reports plugin reads from the query string,
        validates and shows: ``"period"`` (start, end, granularity), ``"user"``,
        ``"team"``, ``"customer"``.
    ``dimensions``
        The group-by choices, a list of ``(key, label dict)``; the first is the default.
    ``run``
        ``run(request, params) -> dict``. ``request`` is the page's request or,
        where there is none (a job), a ``plugins.reports.audience.ReportAudience``
        for one user: read only ``db``, ``plugins``, ``user``, ``locale_name``,
        ``localizer``, ``has_permission()`` and ``route_url()`` (``""`` there,
        so make links only inside ``drill``). ``params`` is a dict: ``start`` and
        ``end`` (dates, inclusive), ``granularity`` (``"week"``, ``"month"``,
        ``"quarter"``, ``"year"``), ``user_id``, ``team_id``, ``customer_id``
        (an id of the tenant's own, or ``None``), ``dimension`` (a key of
        ``dimensions``) and ``visible_user_ids``: ``None`` when the user may
        see everyone's numbers, else the set of user ids whose numbers they may
        see; the report must count only those. The result has ``"columns"``,
        a list of ``{"key", "label", "kind"}`` (``label`` a label dict or a
        translation string, ``kind`` one of ``"text"``, ``"int"``,
        ``"money"``, ``"percent"`` (0–100), ``"date"``); ``"rows"``, a list of
        dicts by column key; optionally ``"chart"``: ``{"type": "bars" |
        "funnel", "label": column key, "value": column key}``; optionally
        ``"drill"``: ``drill(row, column_key) -> URL or None``, where a
        number links to the records behind it.

    A malformed dict stops the page with an error naming the plugin.
    Aggregate in SQL; the reports plugin formats, charts and exports.
    """
