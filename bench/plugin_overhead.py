"""Per-request cost of the plugin machinery on the tenant dashboard: all plugins versus none.

    python bench/plugin_overhead.py [--requests 2000] [--warmup 200]
    python bench/plugin_overhead.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Builds the app with every installed plugin on a temporary SQLite file, or, with
``--database-url`` (a superuser), on a throwaway PostgreSQL database owned by a
throwaway non-superuser role (so row-level security is in force, as in
production); both are removed afterwards. Two tenants share one signed-in
user (a member; ``--role admin`` for an admin): ``all`` has every licensed
plugin enabled, ``none`` has none. The dashboard ``/t/{slug}/`` of each is
requested in turn through WebTest, server side, and timed.

Besides the whole request it splits the time (each part exclusive of the
parts it calls) into the machinery, which every page pays for plugins to
exist: resolving the tenant, checking the membership, reading the enabled
plugins, picking the tenant's hook caller, and dispatching the permission, link
and panel hooks and ordering what they return; and the plugins' own work: each
plugin's hook implementations (the queries behind its panels, say) and the
rendering of its panels. The issue's floor: with every plugin enabled the
machinery adds under 1 ms per request. What the plugins' own panels cost is
printed beside it; that grows with what a plugin chooses to show.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import webtest
from sqlalchemy import event
from sqlalchemy.engine import make_url

import core
from core import templating, tenancy
from core.app import make_config
from core.db import all_tenants, make_engine, make_session_factory
from core.licensing import enable_plugin
from core.models import Membership, Role, Tenant, User
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway user of a throwaway database
FLOOR_MS = 1.0


class Machinery:
    """Exclusive time spent in each wrapped function, into the current bucket."""

    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.current: dict[str, float] = defaultdict(float)
        self._stack: list[float] = []

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self.current[label] += elapsed - self._stack.pop()
                if self._stack:
                    self._stack[-1] += elapsed

        return timed


#: The machinery, in the order of a request: what every page pays for plugins to exist.
MACHINERY = (
    ("tenant resolution", tenancy, "request_tenant"),
    ("membership check", tenancy, "request_membership"),
    ("enabled plugins", tenancy, "request_enabled_plugins"),
    ("tenant's hook caller", tenancy, "request_plugins"),
    ("permissions (collect)", tenancy, "request_member_permissions"),
    ("links (collect)", templating.TemplateAPI, "links"),
    ("panels (collect)", templating.TemplateAPI, "panels"),
)
#: What the plugins themselves do when called (their own code, not the machinery's):
#: each plugin's hook implementations, and the rendering of the panels they return.
HOOK_CODE = "hooks of {plugin}"
PANEL_TEMPLATES = "panel templates (render)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a superuser)")
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per tenant")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests per tenant")
    parser.add_argument(
        "--role", choices=[Role.MEMBER, Role.ADMIN], default=Role.MEMBER, help="the user's role"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            with throwaway_postgres(args.database_url) as url:
                run(url, args, tmp)
        else:
            run(f"sqlite:///{tmp}/bench.sqlite", args, tmp)


@contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    """A new database owned by a new role that is neither superuser nor BYPASSRLS."""
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    name, role = f"myynti_bench_{suffix}", f"myynti_bench_{suffix}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS")
        conn.exec_driver_sql(f"CREATE DATABASE {name} OWNER {role}")
    try:
        yield (
            make_url(admin_url)
            .set(database=name, username=role, password=None)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


def set_up(url: str, registry: PluginRegistry, role: str) -> Any:
    """The migrated database with tenants ``all`` and ``none`` and a user of both."""
    engine = make_engine(url)
    upgrade(engine, registry)
    # Flush inside the block: membership rows cross tenants, which only all_tenants allows.
    with make_session_factory(engine).begin() as db, all_tenants(db):
        user = User(email="bench@example.com", name="Bench", password_hash=hash_password(PASSWORD))
        db.add(user)
        for slug, plugins in (("all", registry.licensed), ("none", [])):
            tenant = Tenant(slug=slug, name=f"Bench {slug}", licence={})
            db.add(tenant)
            db.flush()
            db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=role))
            for plugin in plugins:
                enable_plugin(db, registry, tenant, plugin.name, with_dependencies=True)
        db.flush()
    return engine


@contextmanager
def instrumented(machinery: Machinery, registry: PluginRegistry) -> Iterator[None]:
    """Time the machinery and the plugins' own code; an app built inside keeps the wrappers.

    Times are exclusive: a hook implementation called while collecting panels
    counts as the plugin's, not as the collection's.
    """
    patched = [(owner, attr, getattr(owner, attr)) for _, owner, attr in MACHINERY]
    patched.append((templating, "render", templating.render))
    for label, owner, attr in MACHINERY:
        setattr(owner, attr, machinery.wrap(label, getattr(owner, attr)))
    original_render = templating.render

    def render(renderer_name: str, value: Any, request: Any = None, package: Any = None) -> Any:
        # Pyramid resolves a template relative to its caller's package: keep that core's.
        return original_render(renderer_name, value, request=request, package=package or core)

    templating.render = machinery.wrap(PANEL_TEMPLATES, render)
    impls = [
        impl
        for name in dir(registry.pm.hook)
        if name.startswith("myynti_")
        for impl in getattr(registry.pm.hook, name).get_hookimpls()
    ]
    for impl in impls:
        patched.append((impl, "function", impl.function))
        label = HOOK_CODE.format(plugin=impl.plugin_name)
        impl.function = machinery.wrap(label, impl.function)
    try:
        yield
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)


def run(url: str, args: argparse.Namespace, tmp: str) -> None:
    registry = PluginRegistry.from_environment()
    engine = set_up(url, registry, args.role)
    queries = {"n": 0}
    event.listen(
        engine, "before_cursor_execute", lambda *_: queries.__setitem__("n", queries["n"] + 1)
    )

    machinery = Machinery()
    with instrumented(machinery, registry):
        app = make_config(
            {"myynti.data_dir": tmp, "myynti.secret": "bench-" + "x" * 40},
            registry=registry,
            engine=engine,
        ).make_wsgi_app()
        client = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "192.0.2.1"})
        form = client.get("/login").forms["login-form"]
        form["email"], form["password"] = "bench@example.com", PASSWORD
        assert form.submit().status_int == 303, "login failed"

        tenants = ("all", "none")
        for _ in range(args.warmup):
            for slug in tenants:
                client.get(f"/t/{slug}/", status=200)
        machinery.buckets.clear()
        times: dict[str, list[float]] = {slug: [] for slug in tenants}
        query_counts: dict[str, int] = {}
        # Interleaved, so drift in the machine's speed falls on both alike.
        for _ in range(args.requests):
            for slug in tenants:
                machinery.current = machinery.buckets[slug]
                before = queries["n"]
                start = time.perf_counter()
                client.get(f"/t/{slug}/", status=200)
                times[slug].append((time.perf_counter() - start) * 1000)
                query_counts[slug] = queries["n"] - before

    report(engine.dialect.name, registry, args, times, query_counts, machinery.buckets)
    engine.dispose()


def report(
    dialect: str,
    registry: PluginRegistry,
    args: argparse.Namespace,
    times: dict[str, list[float]],
    query_counts: dict[str, int],
    buckets: dict[str, dict[str, float]],
) -> None:
    installed = [p.name for p in registry.plugins]
    licensed = [p.name for p in registry.licensed]
    print(f"Plugin machinery on the tenant dashboard /t/{{slug}}/ ({dialect})")
    print(
        f"plugins installed: {len(installed)} ({', '.join(installed)});"
        f" licensed per tenant: {len(licensed)} ({', '.join(licensed) or '-'})"
    )
    print(
        f"requests: {args.requests:,} per tenant after {args.warmup:,} warm-up, interleaved;"
        f" signed in as a tenant {args.role}"
    )
    print()
    print(f"{'whole request':28}{'mean':>12}{'median':>12}{'p95':>12}{'SQL':>6}")
    stats = {slug: summary(values) for slug, values in times.items()}
    rows = (
        (f"all plugins enabled ({len(licensed)})", "all"),
        ("no plugins enabled", "none"),
    )
    for label, slug in rows:
        mean, median, p95 = stats[slug]
        print(f"{label:28}{mean:>9.3f} ms{median:>9.3f} ms{p95:>9.3f} ms{query_counts[slug]:>6}")
    diff = [a - b for a, b in zip(stats["all"], stats["none"], strict=True)]
    print(f"{'difference':28}{diff[0]:>+9.3f} ms{diff[1]:>+9.3f} ms{diff[2]:>+9.3f} ms")
    print()

    def mean_ms(slug: str, label: str) -> float:
        return buckets[slug][label] * 1000 / args.requests

    def line(label: str, all_ms: float, none_ms: float) -> None:
        print(f"{label:28}{all_ms:>9.3f} ms{none_ms:>9.3f} ms{all_ms - none_ms:>+9.3f} ms")

    totals: dict[str, dict[str, float]] = {}
    for title, labels in (
        ("machinery", [label for label, _, _ in MACHINERY]),
        (
            "the plugins' own work",
            [HOOK_CODE.format(plugin=p) for p in installed] + [PANEL_TEMPLATES],
        ),
    ):
        print(f"{'mean per request: ' + title:40}{'all':>8}{'none':>12}{'added':>12}")
        for label in labels:
            line("  " + label, mean_ms("all", label), mean_ms("none", label))
        totals[title] = {s: sum(mean_ms(s, label) for label in labels) for s in ("all", "none")}
        line("  total", totals[title]["all"], totals[title]["none"])
        print()

    added = totals["machinery"]["all"] - totals["machinery"]["none"]
    verdict = "met" if added < FLOOR_MS else "NOT met"
    print(
        f"floor: the machinery adds under {FLOOR_MS:g} ms per request with every plugin"
        f" enabled: {verdict} ({added:+.3f} ms)"
    )
    content = totals["the plugins' own work"]
    print(
        f"the whole page adds {diff[1]:+.3f} ms (median), of which the plugins' own hook code"
        f" and panel templates {content['all'] - content['none']:+.3f} ms (mean)"
    )


def summary(ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(ms)
    return statistics.fmean(ordered), statistics.median(ordered), ordered[int(len(ordered) * 0.95)]


if __name__ == "__main__":
    main()
