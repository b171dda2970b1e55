"""``/t/{tenant}/search?q=``: the top bar's search over the tenant's records."""

from __future__ import annotations

from typing import Any

from pyramid.view import view_config

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
