"""``/t/{tenant}/search?q=``: the top bar's search over the tenant's records.

``/search/suggest?q=`` answers the same search as JSON, a few of each entity,
for the results the top bar shows while the user types (core/static/topbar.js).
"""

from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from core.contract import label_text
from core.search import QUERY_MAX, search
from core.security import CorePermission


@view_config(
    route_name="search",
    renderer="core:templates/search.pt",
    permission=CorePermission.DASHBOARD_VIEW,
)
def search_page(request: Any) -> dict[str, Any]:
    text = request.GET.get("q", "")[:QUERY_MAX]
    return {"q": text, "groups": search(request, text) if text.strip() else None}


#: Records of each entity offered while typing; the search page shows more.
SUGGESTED = 5


@view_config(
    route_name="search_suggest",
    renderer="json",
    permission=CorePermission.DASHBOARD_VIEW,
)
def search_suggest(request: Any) -> dict[str, Any]:
    text = request.GET.get("q", "")[:QUERY_MAX]
    groups = search(request, text, per_entity=SUGGESTED) if text.strip() else []
    return {
        "groups": [
            {
                "label": label_text(group.entity.plural, request.locale_name),
                "results": [
                    {
                        "title": row.title,
                        "details": " · ".join(row.details),
                        "url": request.route_url(group.entity.route_name, id=row.id),
                    }
                    for row in group.rows
                ],
            }
            for group in groups
        ],
        "all": request.route_url("search", _query={"q": text}),
    }
