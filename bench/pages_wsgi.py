"""The WSGI apps ``bench/pages.py`` serves with gunicorn (``--chdir bench``).

``app``: Myynti itself, on the database ``MYYNTI_BENCH_URL`` names, with every installed
plugin. ``built``: the same with no pages kept (``myynti.kept_pages = 0``), so that every
request builds its page. ``bare``: one Pyramid view rendering one Chameleon template,
nothing else, the floor of what a page on this stack can cost.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pyramid.config import Configurator

BARE_TEMPLATE = str(Path(__file__).with_name("pages_bare.pt"))


def bare_page(request: Any) -> dict[str, Any]:
    return {"title": "Asiakkaat", "rows": [(n, f"Asiakas {n} Oy") for n in range(1, 21)]}


def make_bare() -> Any:
    config = Configurator()
    config.include("pyramid_chameleon")
    config.add_route("bare", "/")
    config.add_view(bare_page, route_name="bare", renderer=BARE_TEMPLATE)
    return config.make_wsgi_app()


def make_myynti(**extra: str) -> Any:
    from core.app import make_app

    return make_app(
        {
            **extra,
            "sqlalchemy.url": os.environ["MYYNTI_BENCH_URL"],
            "myynti.data_dir": os.environ["MYYNTI_BENCH_DATA_DIR"],
            "myynti.secret": os.environ["MYYNTI_BENCH_SECRET"],
            "myynti.secure_cookies": "false",
            "myynti.worker_threads": "0",
            "myynti.default_locale": "fi",
        }
    )


bare = make_bare()


def __getattr__(name: str) -> Any:
    """``app`` and ``built``, made only by the server that serves them."""
    if name == "app":
        return make_myynti()
    if name == "built":
        return make_myynti(**{"myynti.kept_pages": "0"})
    raise AttributeError(name)
