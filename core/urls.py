"""Record URLs for pages that link many rows.

``request.route_url`` walks the route's generator, the tenant pregenerator and the
query quoting for every call; a list of 50 rows with three links each spent more on
that than on its query. ``record_url`` builds a route's URL once per request with a
sentinel id and fills in each row's id, giving what ``route_url`` would.
"""

from __future__ import annotations

from typing import Any

#: An id no record has (PostgreSQL's integer ids stop at 2,147,483,647).
_SENTINEL = 98765432109876
_ATTR = "_myynti_record_url_prefixes"


def record_url(request: Any, route_name: str, record_id: int, **ids: int) -> str:
    """``request.route_url(route_name, id=record_id, **ids)`` without its per-call cost.

    ``ids`` are further route parts (``stage_id`` …); URLs are cached per request under
    all of them but ``id``, so only ``id`` should vary row by row.
    """
    cache = request.__dict__.setdefault(_ATTR, {})
    key = (route_name, *sorted(ids.items()))
    parts = cache.get(key)
    if parts is None:
        url = request.route_url(route_name, id=_SENTINEL, **ids)
        before, _sep, after = url.rpartition(str(_SENTINEL))
        parts = cache[key] = (before, after)
    return f"{parts[0]}{int(record_id)}{parts[1]}"
