"""The ``myynti`` command against a real database.

Most tests run on a SQLite file of their own (a copy of one made by ``myynti
init``) with the test plugins ``alpha`` and ``beta`` (beta needs alpha), handed
to the CLI as its context object. One test runs on the session's database with
the installed plugins, so it runs on PostgreSQL (and its row-level security)
when the suite does; the CLI commits, so that test removes what it made.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import waitress
import webtest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, delete, select

from core import settings
from core.cli import Runtime, main
from core.db import TenantSession, all_tenants, make_engine
from core.models import Base, Membership, Team, TeamMember, Tenant, TenantPlugin, User
from core.passwords import verify_password
from core.plugins import CORE_PLUGIN, PluginRegistry
from tests.cli_plugins import DEMO_CALLS
from tests.cli_plugins.alpha import plugin as alpha
from tests.cli_plugins.alpha.hooks import DEMO_TEAM, SETUP_TEAM
from tests.cli_plugins.beta import plugin as beta

#: The environment a command runs in: no overrides from the shell running the tests.
CLEAN_ENV: dict[str, str | None] = {
    var: None for var in (*settings.ENVIRONMENT.values(), "MYYNTI_CONFIG")
}
TABLES = ("tenant", "tenant_plugin", "user_account", "membership", "team", "team_member")
PASSWORD = "long enough secret"


def cli_registry() -> PluginRegistry:
    return PluginRegistry([CORE_PLUGIN, alpha, beta])


def write_ini(path: Path, data_dir: Path, url: str | None = None) -> Path:
    lines = ["[app:main]", "use = egg:myynti", f"myynti.data_dir = {data_dir}"]
    if url:
        lines.append(f"sqlalchemy.url = {url}")
    path.write_text("\n".join(lines) + "\n")
    return path


def invoke(
    args: list[str],
    input: str | None = None,
    registry_factory: Callable[[], PluginRegistry] = cli_registry,
    env: dict[str, str | None] | None = None,
) -> Result:
    return CliRunner().invoke(
        main, args, input=input, obj=Runtime(registry_factory), env={**CLEAN_ENV, **(env or {})}
    )


def refused(result: Result, message: str, exit_code: int = 1) -> None:
    """The command stopped on ``message`` (its last line on stderr), not on a traceback."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert message in lines[-1]
    assert lines[-1].startswith("Error: ")
    if exit_code == 1:
        assert len(lines) == 1, result.stderr


def session_of(engine: Engine) -> TenantSession:
    return TenantSession(bind=engine)


def rows(engine: Engine, statement: Any) -> list[Any]:
    with session_of(engine) as db, all_tenants(db):
        return list(db.execute(statement).all())


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of the tables the CLI writes, to show a refused command wrote nothing."""
    with session_of(engine) as db, all_tenants(db):
        return {
            name: sorted(map(repr, db.execute(select(Base.metadata.tables[name])).all()))
            for name in TABLES
        }


class Cli:
    """``cli("tenant", "list")`` runs a command on this test's own database."""

    def __init__(self, ini: Path, engine: Engine) -> None:
        self.ini = ini
        self.engine = engine

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return invoke(["--config", str(self.ini), *args], input=input)

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, result.output
        return result

    def refuses(self, args: tuple[str, ...], message: str, exit_code: int = 1, **kw: Any) -> None:
        """``args`` is refused with ``message`` and nothing is written."""
        before = snapshot(self.engine)
        refused(self(*args, **kw), message, exit_code)
        assert snapshot(self.engine) == before


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database made by ``myynti init`` once per module, copied for each test."""
    folder = tmp_path_factory.mktemp("cli-template")
    ini = write_ini(folder / "cli.ini", folder / "var", f"sqlite:///{folder / 'cli.sqlite'}")
    result = invoke(["--config", str(ini), "init"])
    assert result.exit_code == 0, result.output
    return folder / "cli.sqlite"


@pytest.fixture
def cli(tmp_path: Path, template_db: Path) -> Iterator[Cli]:
    for path in template_db.parent.glob("cli.sqlite*"):
        shutil.copy(path, tmp_path / path.name)
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = make_engine(url)
    yield Cli(write_ini(tmp_path / "cli.ini", tmp_path / "var", url), engine)
    engine.dispose()


@pytest.fixture
def acme(cli: Cli) -> str:
    cli.ok("tenant", "create", "acme", "--name", "Acme Oy")
    return "acme"


@pytest.fixture
def demo_calls() -> Iterator[list[tuple[str, str, tuple[str, ...]]]]:
    DEMO_CALLS.clear()
    yield DEMO_CALLS
    DEMO_CALLS.clear()


# --- every command ---------------------------------------------------------------------


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


@pytest.mark.parametrize("path", [(), *command_paths(main)], ids=lambda p: " ".join(p) or "-")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = invoke([*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")


# --- config and start-up -------------------------------------------------------------------


def test_a_missing_config_file_is_one_line(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.ini")
    refused(invoke(["--config", missing, "tenant", "list"]), f"Config file {missing} not found")
    refused(invoke(["tenant", "list"], env={"MYYNTI_CONFIG": missing}), "not found")


def test_a_config_file_without_app_section_is_one_line(tmp_path: Path) -> None:
    ini = tmp_path / "other.ini"
    ini.write_text("[server:main]\nport = 1\n")
    refused(invoke(["--config", str(ini), "init"]), f"Cannot read config file {ini}: No section")


def test_a_plugin_error_at_start_up_is_one_line(tmp_path: Path) -> None:
    result = invoke(["plugins"], registry_factory=lambda: PluginRegistry([CORE_PLUGIN, beta]))
    refused(
        result,
        "Cannot load the plugins: plugin 'beta' depends on 'alpha', which is not installed",
    )


def test_init_creates_the_data_dir_and_the_database_and_can_run_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "var"
    ini = write_ini(tmp_path / "app.ini", data_dir)
    for _ in range(2):
        result = invoke(["--config", str(ini), "init"])
        assert result.exit_code == 0, result.output
        assert f"Database ready: sqlite:///{data_dir / 'myynti.sqlite'}" in result.stdout
    assert (data_dir / "myynti.sqlite").is_file()
    listed = invoke(["--config", str(ini), "tenant", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.split() == ["SLUG", "NAME", "ENABLED", "PLUGINS"]


def test_a_database_of_a_plugin_no_longer_installed_is_one_line(cli: Cli) -> None:
    with cli.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('gone0001')")
    refused(
        cli("init"),
        "Cannot upgrade the database: Can't locate revision identified by 'gone0001'",
    )


def test_a_database_not_initialised_is_one_line(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "app.ini", tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite'}")
    refused(invoke(["--config", str(ini), "tenant", "list"]), "has 'myynti init' been run?")


# --- tenants -----------------------------------------------------------------------------


def test_tenant_create_and_list(cli: Cli) -> None:
    assert cli.ok("tenant", "create", "acme", "--name", " Acme Oy ").stdout == (
        "Created tenant acme (Acme Oy).\n"
    )
    cli.ok("tenant", "create", "b2b-1", "--name", "Bee Oy")
    cli.ok("module", "enable", "acme", "alpha")
    lines = cli.ok("tenant", "list").stdout.splitlines()
    assert [line.split("  ")[0].strip() for line in lines] == ["SLUG", "acme", "b2b-1"]
    assert re.fullmatch(r"acme\s+Acme Oy\s+alpha", lines[1])
    assert re.fullmatch(r"b2b-1\s+Bee Oy\s+-", lines[2])


@pytest.mark.parametrize(
    "slug", ["Acme", "acme oy", "-acme", "acme-", "äiti", "a/b", "a.b", "a" * 64, ""]
)
def test_tenant_create_refuses_a_slug_that_does_not_belong_in_a_url(cli: Cli, slug: str) -> None:
    # "--" lets a slug that starts with a hyphen reach the command as the argument.
    cli.refuses(("tenant", "create", "--name", "X Oy", "--", slug), f"Invalid slug {slug!r}")


def test_tenant_create_refuses_a_duplicate_slug(cli: Cli, acme: str) -> None:
    cli.refuses(
        ("tenant", "create", "acme", "--name", "Other Oy"),
        "A tenant with the slug 'acme' already exists.",
    )
    assert rows(cli.engine, select(Tenant.name)) == [("Acme Oy",)]


@pytest.mark.parametrize(
    ("name", "message"),
    [("  ", "Give a name with --name."), ("x" * 201, "longer than 200 characters")],
)
def test_tenant_create_refuses_a_bad_name(cli: Cli, name: str, message: str) -> None:
    cli.refuses(("tenant", "create", "acme", "--name", name), message)


# --- users ---------------------------------------------------------------------------------


def test_user_create_reads_the_password_from_stdin(cli: Cli, acme: str) -> None:
    result = cli.ok(
        "user",
        "create",
        "Maija@ACME.example",
        "--tenant",
        "acme",
        "--role",
        "admin",
        "--name",
        "Maija Meikäläinen",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.stdout == "Created user Maija@acme.example as admin of acme.\n"
    [(email, name, hashed, platform_admin, role)] = rows(
        cli.engine,
        select(User.email, User.name, User.password_hash, User.platform_admin, Membership.role)
        .join(Membership)
        .join(Tenant),
    )
    assert (email, name, platform_admin, role) == (
        "Maija@acme.example",
        "Maija Meikäläinen",
        False,
        "admin",
    )
    assert verify_password(hashed, PASSWORD)
    listed = cli.ok("user", "list", "--tenant", "acme").stdout.splitlines()
    assert re.fullmatch(r"Maija@acme.example\s+Maija Meikäläinen\s+admin\s+yes\s+no", listed[1])


def test_a_platform_admin_may_belong_to_no_tenant(cli: Cli) -> None:
    result = cli.ok(
        "user", "create", "root@example.com", "--platform-admin", "--password-stdin", input=PASSWORD
    )
    assert result.stdout == "Created user root@example.com (platform admin).\n"
    assert rows(cli.engine, select(User.email, User.platform_admin)) == [("root@example.com", True)]
    assert rows(cli.engine, select(Membership.id)) == []


CREATE = ("user", "create", "maija@acme.example", "--tenant", "acme")


@pytest.mark.parametrize(
    ("args", "stdin", "message", "exit_code"),
    [
        (
            ("user", "create", "not-an-email", "--tenant", "acme", "--password-stdin"),
            PASSWORD,
            "Invalid e-mail address 'not-an-email'",
            1,
        ),
        (
            ("user", "create", "maija@acme.example", "--tenant", "nope", "--password-stdin"),
            PASSWORD,
            "No tenant with the slug 'nope'.",
            1,
        ),
        ((*CREATE, "--password-stdin"), "too short\n", "at least 10 characters", 1),
        ((*CREATE, "--password-stdin"), "", "at least 10 characters", 1),
        (CREATE, PASSWORD, "Give the password on standard input with --password-stdin.", 2),
        (
            ("user", "create", "maija@acme.example", "--password-stdin"),
            PASSWORD,
            "Give --tenant SLUG",
            2,
        ),
        ((*CREATE, "--role", "boss", "--password-stdin"), PASSWORD, "'--role'", 2),
    ],
    ids=[
        "bad-email",
        "unknown-tenant",
        "short-password",
        "no-password",
        "no-stdin-flag",
        "no-tenant",
        "bad-role",
    ],
)
def test_user_create_refuses_bad_input(
    cli: Cli, acme: str, args: tuple[str, ...], stdin: str, message: str, exit_code: int
) -> None:
    cli.refuses(args, message, exit_code, input=stdin)


def test_user_create_refuses_a_duplicate_email_in_any_case(cli: Cli, acme: str) -> None:
    cli.ok(*CREATE, "--password-stdin", input=PASSWORD)
    cli.refuses(
        ("user", "create", "MAIJA@acme.example", "--tenant", "acme", "--password-stdin"),
        "A user with the e-mail MAIJA@acme.example already exists; add them to a tenant"
        " with 'myynti user add'.",
        input=PASSWORD,
    )


def test_user_add_gives_an_existing_user_another_tenant(cli: Cli, acme: str) -> None:
    cli.ok("tenant", "create", "bee", "--name", "Bee Oy")
    cli.ok(*CREATE, "--password-stdin", input=PASSWORD)
    result = cli.ok("user", "add", "maija@acme.example", "--tenant", "bee", "--role", "admin")
    assert result.stdout == "Added maija@acme.example to bee as admin.\n"
    memberships = rows(
        cli.engine, select(Tenant.slug, Membership.role).join(Membership).order_by(Tenant.slug)
    )
    assert memberships == [("acme", "member"), ("bee", "admin")]

    cli.refuses(
        ("user", "add", "maija@acme.example", "--tenant", "bee"),
        "maija@acme.example is already a member of bee.",
    )
    cli.refuses(
        ("user", "add", "nobody@acme.example", "--tenant", "bee"),
        "No user with the e-mail nobody@acme.example; create one with 'myynti user create'.",
    )
    cli.refuses(
        ("user", "add", "maija@acme.example", "--tenant", "nope"),
        "No tenant with the slug 'nope'.",
    )


def test_user_list_shows_only_the_members_of_that_tenant(cli: Cli, acme: str) -> None:
    cli.ok("tenant", "create", "bee", "--name", "Bee Oy")
    cli.ok(*CREATE, "--password-stdin", input=PASSWORD)
    cli.ok("user", "create", "b@bee.example", "--tenant", "bee", "--password-stdin", input=PASSWORD)
    listed = cli.ok("user", "list", "--tenant", "acme").stdout
    assert "maija@acme.example" in listed
    assert "b@bee.example" not in listed
    cli.refuses(("user", "list", "--tenant", "nope"), "No tenant with the slug 'nope'.")


# --- modules -------------------------------------------------------------------------------


def test_module_list_json_has_every_licensed_plugin(cli: Cli, acme: str) -> None:
    cli.ok("module", "enable", "acme", "alpha")
    listed = json.loads(cli.ok("module", "list", "acme", "--json").stdout)
    assert listed == [
        {
            "name": "alpha",
            "version": "1.2.0",
            "depends": [],
            "licensed": True,
            "title": {"fi": "Alfa", "sv": "Alfa", "en": "Alpha"},
            "summary": {
                "fi": "Alfan tiivistelmä",
                "sv": "Alfan tiivistelmä",
                "en": "Alpha summary",
            },
            "enabled": True,
        },
        {
            "name": "beta",
            "version": "0.3.0",
            "depends": ["alpha"],
            "licensed": True,
            "title": {"fi": "Beeta", "sv": "Beeta", "en": "Beta"},
            "summary": {"fi": "", "sv": "", "en": ""},
            "enabled": False,
        },
    ]
    table = cli.ok("module", "list", "acme").stdout.splitlines()
    assert re.fullmatch(r"alpha\s+yes\s+1\.2\.0\s+-\s+Alpha", table[1])
    assert re.fullmatch(r"beta\s+no\s+0\.3\.0\s+alpha\s+Beta", table[2])


def test_enable_refuses_a_plugin_whose_dependency_is_disabled(cli: Cli, acme: str) -> None:
    cli.refuses(("module", "enable", "acme", "beta"), "beta needs alpha enabled first.")


def test_enable_with_dependencies_sets_up_the_chain_once(cli: Cli, acme: str) -> None:
    result = cli.ok("module", "enable", "acme", "beta", "--with-dependencies")
    assert result.stdout == "Enabled alpha, beta for acme.\n"
    assert rows(cli.engine, select(TenantPlugin.plugin).where(TenantPlugin.enabled)) == [
        ("alpha",),
        ("beta",),
    ]
    assert cli.ok("module", "enable", "acme", "alpha").stdout == (
        "alpha is already enabled for acme.\n"
    )
    assert rows(cli.engine, select(Team.name)) == [(SETUP_TEAM,)]


def test_disable_refuses_a_plugin_another_enabled_plugin_needs(cli: Cli, acme: str) -> None:
    cli.ok("module", "enable", "acme", "beta", "--with-dependencies")
    cli.refuses(
        ("module", "disable", "acme", "alpha"), "alpha is needed by beta; disable those first."
    )


def test_disable_keeps_the_data_and_enabling_again_sets_up_nothing(cli: Cli, acme: str) -> None:
    cli.ok("module", "enable", "acme", "beta", "--with-dependencies")
    assert cli.ok("module", "disable", "acme", "beta").stdout == "Disabled beta for acme.\n"
    cli.ok("module", "disable", "acme", "alpha")
    enabled = json.loads(cli.ok("module", "list", "acme", "--json").stdout)
    assert [p["enabled"] for p in enabled] == [False, False]
    assert rows(cli.engine, select(Team.name)) == [(SETUP_TEAM,)]
    cli.ok("module", "enable", "acme", "alpha")
    assert rows(cli.engine, select(Team.name)) == [(SETUP_TEAM,)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("module", "enable", "nope", "alpha"), "No tenant with the slug 'nope'."),
        (("module", "disable", "nope", "alpha"), "No tenant with the slug 'nope'."),
        (("module", "list", "nope"), "No tenant with the slug 'nope'."),
        (("module", "enable", "acme", "gamma"), "No plugin named gamma is installed."),
        (("module", "disable", "acme", "gamma"), "No plugin named gamma is installed."),
        (
            ("module", "disable", "acme", "core"),
            "core is part of every tenant and cannot be switched.",
        ),
    ],
)
def test_module_refuses_an_unknown_tenant_or_plugin(
    cli: Cli, acme: str, args: tuple[str, ...], message: str
) -> None:
    cli.refuses(args, message)


# --- plugins -------------------------------------------------------------------------------


def test_plugins_lists_what_is_installed_without_a_config_file(tmp_path: Path) -> None:
    args = ["--config", str(tmp_path / "none.ini"), "plugins"]
    listed = json.loads(invoke([*args, "--json"]).stdout)
    assert [(p["name"], p["version"], p["depends"], p["licensed"]) for p in listed] == [
        ("core", "0.1.0", [], False),
        ("alpha", "1.2.0", [], True),
        ("beta", "0.3.0", ["alpha"], True),
    ]
    assert listed[0]["title"] == {"fi": "Ydin", "sv": "Kärna", "en": "Core"}
    assert listed[1]["summary"] == {
        "fi": "Alfan tiivistelmä",
        "sv": "Alfan tiivistelmä",
        "en": "Alpha summary",
    }
    table = invoke(args).stdout.splitlines()
    assert table[0].split() == ["PLUGIN", "VERSION", "DEPENDS", "LICENSED", "TITLE", "SUMMARY"]
    assert re.fullmatch(r"beta\s+0\.3\.0\s+alpha\s+yes\s+Beta", table[3])
    # Plugin titles in Finnish or Swedish on asking; the core's come from its catalogue.
    finnish = invoke(["--language", "fi", *args]).stdout.splitlines()
    assert re.match(r"core\s+0\.1\.0\s+-\s+always on\s+Ydin\s+Alusta", finnish[1])
    swedish = invoke(["--language", "sv", *args]).stdout.splitlines()
    assert re.match(r"core\s+0\.1\.0\s+-\s+always on\s+Kärna\s+Plattform", swedish[1])


# --- demo ----------------------------------------------------------------------------------

ADMIN, MEMBER = "admin@demo.example", "myyja@demo.example"


def test_demo_creates_a_tenant_to_sign_in_to(cli: Cli, demo_calls: list[Any]) -> None:
    output = cli.ok("demo").stdout
    passwords = re.findall(r"password: (\S+)", output)
    assert len(passwords) == 2 and passwords[0] == passwords[1]
    assert "/login" in output and "/t/demo/" in output
    assert rows(cli.engine, select(Tenant.slug, Tenant.name)) == [("demo", "Demo Oy")]
    assert rows(cli.engine, select(TenantPlugin.plugin, TenantPlugin.enabled)) == [
        ("alpha", True),
        ("beta", True),
    ]
    users = rows(
        cli.engine,
        select(User.email, Membership.role, User.platform_admin, User.password_hash)
        .join(Membership)
        .order_by(User.id),
    )
    assert [u[:3] for u in users] == [(ADMIN, "admin", True), (MEMBER, "member", False)]
    assert all(verify_password(u[3], passwords[0]) for u in users)
    team = select(User.email).join(TeamMember).join(Team).where(Team.name == "Myynti")
    assert sorted(rows(cli.engine, team)) == [(ADMIN,), (MEMBER,)]
    # Demo data in dependency order, once, written into the demo tenant.
    assert demo_calls == [("alpha", "demo", (ADMIN, MEMBER)), ("beta", "demo", (ADMIN, MEMBER))]
    demo_team = select(Tenant.slug).join(Team, Team.tenant_id == Tenant.id)
    assert rows(cli.engine, demo_team.where(Team.name == DEMO_TEAM)) == [("demo",)]


def test_demo_again_adds_nothing_and_keeps_passwords(cli: Cli, demo_calls: list[Any]) -> None:
    cli.ok("demo")
    before = snapshot(cli.engine)
    output = cli.ok("demo").stdout
    assert output.count("password: (unchanged)") == 2
    assert snapshot(cli.engine) == before
    assert len(demo_calls) == 2

    cli.ok("demo", "--password", "a new demo password")
    hashes = rows(cli.engine, select(User.password_hash))
    assert all(verify_password(h, "a new demo password") for (h,) in hashes)


def test_demo_refuses_a_short_password(cli: Cli) -> None:
    cli.refuses(("demo", "--password", "short"), "at least 10 characters")


# --- serve ---------------------------------------------------------------------------------


def test_serve_runs_the_app_on_the_database(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.update(app=app, **kw))
    result = cli.ok("serve", "--port", "8765")
    assert "http://127.0.0.1:8765/" in result.stdout
    assert (served["host"], served["port"]) == ("127.0.0.1", 8765)
    assert webtest.TestApp(served["app"]).get("/login").status_int == 200


def served_location(kw: dict[str, Any], headers: dict[str, str]) -> str:
    """Serve ``kw["app"]`` with waitress as ``serve`` asked; where ``GET /`` sends a visitor."""
    options = {k: v for k, v in kw.items() if k not in ("app", "host", "port")}
    server = waitress.create_server(kw["app"], host="127.0.0.1", port=0, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10)
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
        assert response.status in (302, 303)
        return response.getheader("Location")
    finally:
        server.close()
        thread.join(timeout=10)


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Host": "myynti.example.fi",
    "X-Forwarded-Proto": "https",
}


def test_serve_behind_a_trusted_proxy_links_to_the_address_the_client_asked_for(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.update(app=app, **kw))
    cli.ok("serve", "--trusted-proxy", "127.0.0.1")

    assert served_location(served, FORWARDED).startswith("https://myynti.example.fi/")


def test_serve_believes_no_forwarded_header_unless_told(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.update(app=app, **kw))
    cli.ok("serve")

    assert served_location(served, FORWARDED).startswith("http://127.0.0.1:")


def test_serve_says_when_it_cannot_listen(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(app: Any, **kw: Any) -> None:
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(waitress, "serve", busy)
    refused(cli("serve"), "Cannot listen on 127.0.0.1:6543: Address already in use")


def test_serve_refuses_a_port_out_of_range(cli: Cli) -> None:
    refused(cli("serve", "--port", "70000"), "'--port'", exit_code=2)


# --- the session database (PostgreSQL in CI) ---------------------------------------------------


@pytest.fixture
def session_db_cli(
    tmp_path: Path, db_url: str, db_engine: Engine, demo_calls: list[Any]
) -> Iterator[Callable[..., Result]]:
    """``run(*args)`` on the session's database, whose committed rows are removed afterwards.

    The test plugins have no tables, so they run on a database migrated for the
    installed plugins; their set-up and demo data write core's team rows, which
    row-level security guards on PostgreSQL.
    """
    ini = str(write_ini(tmp_path / "app.ini", tmp_path / "var", db_url))

    def run(*args: str, input: str | None = None, registry: Any = cli_registry) -> Result:
        return invoke(["--config", ini, *args], input, registry)

    with session_of(db_engine) as db, all_tenants(db):
        tenants_before = set(db.scalars(select(Tenant.id)))
        users_before = set(db.scalars(select(User.id)))
    yield run
    with session_of(db_engine) as db, all_tenants(db):
        db.execute(delete(Tenant).where(Tenant.id.not_in(tenants_before)))
        db.execute(delete(User).where(User.id.not_in(users_before)))
        db.commit()
        assert set(db.scalars(select(Tenant.id))) == tenants_before


def test_init_and_demo_on_the_session_database(
    session_db_cli: Callable[..., Result], db_engine: Engine, myynti_registry: PluginRegistry
) -> None:
    """With the plugins installed in this environment: what ``myynti demo`` really does."""
    for _ in range(2):
        for args in (("init",), ("demo", "--password", PASSWORD)):
            result = session_db_cli(*args, registry=lambda: myynti_registry)
            assert result.exit_code == 0, (args, result.output)
    enabled = select(TenantPlugin.plugin).join(Tenant).where(Tenant.slug == "demo")
    assert {p for (p,) in rows(db_engine, enabled)} == {p.name for p in myynti_registry.licensed}
    members = select(User.email).join(Membership).join(Tenant).where(Tenant.slug == "demo")
    assert sorted(rows(db_engine, members)) == [(ADMIN,), (MEMBER,)]


def test_cli_on_the_session_database(
    session_db_cli: Callable[..., Result], db_engine: Engine
) -> None:
    run = session_db_cli
    suffix = uuid.uuid4().hex[:8]
    first, second, email = f"cli-{suffix}", f"cli2-{suffix}", f"cli-{suffix}@example.com"
    for args in (
        ("tenant", "create", first, "--name", "Eka Oy"),
        ("tenant", "create", second, "--name", "Toka Oy"),
        ("user", "create", email, "--tenant", first, "--role", "admin", "--password-stdin"),
        ("user", "add", email, "--tenant", second),
        ("module", "enable", first, "beta", "--with-dependencies"),
        ("module", "disable", first, "beta"),
    ):
        result = run(*args, input=PASSWORD)
        assert result.exit_code == 0, (args, result.output)

    assert email in run("user", "list", "--tenant", second).stdout
    listed = json.loads(run("module", "list", first, "--json").stdout)
    assert [(p["name"], p["enabled"]) for p in listed] == [("alpha", True), ("beta", False)]
    teams = select(Tenant.slug, Team.name).join(Team, Team.tenant_id == Tenant.id)
    assert rows(db_engine, teams.where(Tenant.slug == first)) == [(first, SETUP_TEAM)]

    assert run("module", "enable", first, "beta").exit_code == 0
    before = snapshot(db_engine)
    refused(run("tenant", "create", first, "--name", "X"), "already exists")
    refused(
        run("user", "create", email, "--tenant", first, "--password-stdin", input=PASSWORD),
        "already exists",
    )
    refused(run("user", "add", email, "--tenant", second), "already a member")
    refused(run("module", "disable", first, "alpha"), "alpha is needed by beta")
    refused(run("module", "enable", first, "gamma"), "No plugin named gamma")
    assert snapshot(db_engine) == before
