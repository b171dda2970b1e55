"""Main pages kept per process while their tenant's data stand still.

A main page (a list, the board, a record with its panels) costs ten to sixty
times what a bare page costs to build, most of it Python: the ORM's rows and the
templates. People look at the same pages again and again between changes, so a
view registered with ``kept_page=True`` has its rendered body kept in the web
process and served again while nothing it could show has changed:

* the tenant's data (``TenantDataVersion``, moved by database triggers when any
  transaction that changed the tenant's rows commits, whoever wrote them),
* what ``core.cache`` watches (users, memberships, plugins, settings: its versions),
* who asks and how: the user, the address with its query, the language, the
  site's address and the browser's cookies (the session, hence the CSRF token in
  the page's forms),
* the minute, for what a page says about time (today, overdue).

The versions are read in the statement that sets the tenant, so a page served
from here costs no statement of its own. A page is not kept when the session has
a message to flash, when the answer is not a plain ``200`` HTML page, when it
carries headers of its own (a cookie, a widened policy), or when rendering it
issued a cookie (a new CSRF token). Keep only views that write nothing on GET and
read nothing but the database, the request and the session's user.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from pyramid.response import Response

from core import cache
from core.settings import as_bool

#: The view option that asks for it: ``@view_config(..., kept_page=True)``.
OPTION = "kept_page"
#: Headers a kept answer may carry (each answer gets its security headers anew).
_PLAIN_HEADERS = frozenset({"Content-Type", "Content-Length"})


class KeptPages:
    """The pages of one process, the least recently used dropped beyond ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._pages: OrderedDict[tuple[Any, ...], tuple[bytes, str, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[bytes, str, str | None] | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[Any, ...], page: tuple[bytes, str, str | None]) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.limit:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def limit(settings: Mapping[str, Any]) -> int:
    """How many pages a process keeps: ``myynti.kept_pages``, none while templates reload.

    A developer editing a template (``pyramid.reload_templates``) sees the change at once
    rather than the page kept from before it.
    """
    if as_bool(settings.get("pyramid.reload_templates", False)):
        return 0
    return int(settings["myynti.kept_pages"])


def page_key(request: Any) -> tuple[Any, ...] | None:
    """What the page depends on, or None when it may not be kept or served kept."""
    if request.method != "GET":
        return None
    entry = getattr(request, cache.REQUEST_ATTR, None)
    data_version = getattr(request, cache.DATA_VERSION_ATTR, None)
    user = request.user
    if entry is None or data_version is None or user is None:
        return None
    if request.session.peek_flash():
        return None
    return (
        request.tenant.id,
        entry.versions,
        data_version,
        user.id,
        request.locale_name,
        request.application_url,
        request.path_qs,
        request.headers.get("Cookie", ""),
        int(time.time() // 60),
    )


def kept_page(view: Any, info: Any) -> Any:
    """View deriver: serve a ``kept_page=True`` view's page from ``KeptPages`` when valid."""
    if not info.options.get(OPTION):
        return view
    pages: KeptPages = info.registry.myynti_kept_pages
    if pages.limit <= 0:
        return view

    def kept(context: Any, request: Any) -> Any:
        key = page_key(request)
        if key is None:
            return view(context, request)
        page = pages.get(key)
        if page is not None:
            body, content_type, charset = page
            return Response(body=body, content_type=content_type, charset=charset)
        cookies = request.environ.get("HTTP_COOKIE")
        response = view(context, request)
        if (
            # A cookie issued while rendering (a new CSRF token, in the page's forms too)
            # makes a page that only this answer's cookie fits.
            request.environ.get("HTTP_COOKIE") == cookies
            and response.status_code == 200
            and (response.content_type or "") == "text/html"
            and set(response.headers) <= _PLAIN_HEADERS
        ):
            pages.put(key, (response.body, response.content_type, response.charset))
        return response

    return kept


kept_page.options = (OPTION,)  # type: ignore[attr-defined]
