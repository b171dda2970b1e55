"""The ``myynti`` command: set up the database, run the app, manage tenants, users and modules.

Every command reads the ``[app:main]`` settings of ``--config`` (environment
overrides apply, see ``core.settings``) and works in one transaction committed
at its end: on bad input it prints one line on stderr, exits non-zero and has
written nothing. Messages are English, like ``LicenceError``'s: the CLI is for
the operators of the service; ``--language fi|sv|en`` (or ``MYYNTI_LANGUAGE``) picks
the language of plugin titles and of refusals that have a translation.

Tests hand in their own plugins through the context object::

    main.main(["plugins"], obj=Runtime(registry_factory=lambda: PluginRegistry([...])))
"""

from __future__ import annotations

import configparser
import json
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import plaster
import waitress
from alembic.util.exc import CommandError as AlembicError
from email_validator import EmailNotValidError, validate_email
from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from core import i18n, schema, settings
from core.app import make_app
from core.contract import Label, label_text
from core.db import (
    TenantSession,
    all_tenants_key,
    make_engine,
    make_session_factory,
    set_tenant,
)
from core.forms import SLUG_RE
from core.jobs import cli as jobs_cli
from core.licensing import LicenceError, disable_plugin, enable_plugin, enabled_plugins
from core.models import Membership, Role, Team, TeamMember, Tenant, TenantPlugin, User
from core.passwords import MIN_LENGTH, hash_password
from core.plugins import Plugin, PluginError, PluginRegistry

DEFAULT_CONFIG = "development.ini"
ROLES = [Role.ADMIN.value, Role.MEMBER.value]
NAME_MAX = 200

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Oy"
DEMO_TEAM = "Myynti"
#: The demo users, the admin first (``myynti_demo_data`` gets them in this order).
DEMO_USERS = (
    ("admin@demo.example", "Anna Admin", Role.ADMIN),
    ("myyja@demo.example", "Matti Myyjä", Role.MEMBER),
)
#: Letters and digits that cannot be mistaken for one another when read aloud or retyped.
READABLE_CHARS = "abcdefghjkmnpqrstuvwxyz23456789"


class Runtime:
    """What the commands share, each part made on first use.

    So ``plugins`` needs neither a config file nor a database, and ``--help``
    needs nothing at all.
    """

    def __init__(
        self, registry_factory: Callable[[], PluginRegistry] = PluginRegistry.from_environment
    ) -> None:
        self.registry_factory = registry_factory
        self.config_path = DEFAULT_CONFIG
        self._settings: dict[str, Any] | None = None
        self._registry: PluginRegistry | None = None
        self._engine: Engine | None = None
        self.language = "en"

    @property
    def settings(self) -> dict[str, Any]:
        if self._settings is None:
            self._settings = settings.resolve(read_config(self.config_path))
        return self._settings

    @property
    def registry(self) -> PluginRegistry:
        if self._registry is None:
            try:
                self._registry = self.registry_factory()
            except PluginError as exc:
                raise click.ClickException(f"Cannot load the plugins: {exc}") from None
            i18n.use_catalogues([p.locale_path for p in self._registry.plugins if p.locale_path])
        return self._registry

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(
                self.settings["sqlalchemy.url"],
                all_tenants_key=all_tenants_key(self.settings["myynti.secret"]),
            )
        return self._engine

    @contextmanager
    def session(self) -> Iterator[TenantSession]:
        """A session whose work is committed when the block ends, or not at all."""
        session = make_session_factory(self.engine)()
        try:
            yield session
            session.commit()
        finally:
            session.close()

    def upgrade(self) -> None:
        """Create or upgrade the database, and the data directory it may live in."""
        Path(self.settings["myynti.data_dir"]).mkdir(parents=True, exist_ok=True)
        try:
            schema.upgrade(self.engine, self.registry)
        except AlembicError as exc:
            # Typically a revision in the database whose plugin is no longer installed.
            raise click.ClickException(
                f"Cannot upgrade the database: {_first_line(exc)}. Is every plugin whose"
                " tables are in the database installed?"
            ) from None
        except schema.UnknownAllTenantsKey as exc:
            raise click.ClickException(str(exc)) from None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def read_config(path: str) -> dict[str, Any]:
    """The ``[app:main]`` settings of the PasteDeploy ini file at ``path``."""
    if not Path(path).is_file():
        raise click.ClickException(
            f"Config file {path} not found; give --config FILE or set MYYNTI_CONFIG."
        )
    try:
        return dict(get_appsettings(str(Path(path).resolve())))
    except (plaster.PlasterError, LookupError, ImportError, configparser.Error) as exc:
        raise click.ClickException(f"Cannot read config file {path}: {_first_line(exc)}") from None


class MyyntiGroup(click.Group):
    """Turns a database failure in any command into one line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            reason = _first_line(getattr(exc, "orig", None) or exc)
            raise click.ClickException(
                f"Database error: {reason}. Is the database reachable, and has"
                " 'myynti init' been run?"
            ) from None


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@click.group("myynti", cls=MyyntiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    default=DEFAULT_CONFIG,
    show_default=True,
    envvar="MYYNTI_CONFIG",
    help="PasteDeploy ini file whose [app:main] section holds the settings.",
)
@click.option(
    "--language",
    type=click.Choice(i18n.LOCALES),
    default="en",
    show_default=True,
    envvar="MYYNTI_LANGUAGE",
    help="Language of plugin titles and refusals.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str, language: str) -> None:
    """Myynti: sales management for Finnish small and medium companies."""
    runtime = ctx.ensure_object(Runtime)
    runtime.config_path = config_path
    runtime.language = language
    ctx.call_on_close(runtime.close)


pass_runtime = click.make_pass_decorator(Runtime)
jobs_cli.register(main)


# --- database and server ----------------------------------------------------------

#: The headers a trusted reverse proxy sets: the client's address, and the host and
#: scheme the client asked for (so links and redirects say ``https://your.host/``).
FORWARDED_HEADERS = "x-forwarded-for x-forwarded-host x-forwarded-proto x-forwarded-port"


@main.command()
@pass_runtime
def init(runtime: Runtime) -> None:
    """Create the database, or upgrade it to the installed plugins' newest tables."""
    runtime.upgrade()
    url = make_url(runtime.settings["sqlalchemy.url"]).render_as_string(hide_password=True)
    click.echo(f"Database ready: {url}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=6543, show_default=True, help="TCP port."
)
@click.option(
    "--trusted-proxy",
    metavar="ADDRESS",
    help="The reverse proxy's address: its X-Forwarded-For, -Host, -Proto and -Port are "
    "believed (from that address only).",
)
@pass_runtime
def serve(runtime: Runtime, host: str, port: int, trusted_proxy: str | None) -> None:
    """Run the web app with waitress (upgrading the database first)."""
    runtime.upgrade()
    setup_logging(str(Path(runtime.config_path).resolve()))
    app = make_app(runtime.settings, registry=runtime.registry, engine=runtime.engine)
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Myynti is running at http://{shown_host}:{port}/ (Ctrl+C stops it).")
    proxy = (
        {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": FORWARDED_HEADERS,
            "clear_untrusted_proxy_headers": True,
        }
        if trusted_proxy
        else {}
    )
    try:
        waitress.serve(app, host=host, port=port, **proxy)
    except OSError as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror}") from None


# --- tenants -----------------------------------------------------------------------


@main.group()
def tenant() -> None:
    """Create and list tenants (the customers of the service)."""


@tenant.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The company's name, e.g. 'Acme Oy'.")
@pass_runtime
def tenant_create(runtime: Runtime, slug: str, name: str) -> None:
    """Create a tenant whose pages live under /t/SLUG/."""
    if not SLUG_RE.match(slug):
        raise click.ClickException(
            f"Invalid slug {slug!r}: use 1-63 lower-case letters a-z, digits and hyphens,"
            " not at the start or end."
        )
    name = _checked_name(name, "--name")
    with runtime.session() as db:
        if db.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
            raise click.ClickException(f"A tenant with the slug {slug!r} already exists.")
        db.add(Tenant(slug=slug, name=name, licence={}))
    click.echo(f"Created tenant {slug} ({name}).")


@tenant.command("list")
@pass_runtime
def tenant_list(runtime: Runtime) -> None:
    """List every tenant with the plugins it has enabled."""
    with runtime.session() as db:
        rows = [
            (t.slug, t.name, ", ".join(sorted(enabled_plugins(db, t))) or "-")
            for t in db.scalars(select(Tenant).order_by(Tenant.slug))
        ]
    _table(("SLUG", "NAME", "ENABLED PLUGINS"), rows)


# --- users -------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Create users and give them membership in tenants."""


@user.command("create")
@click.argument("email")
@click.option("--tenant", "slug", metavar="SLUG", help="The tenant the user joins.")
@click.option("--role", type=click.Choice(ROLES), default=Role.MEMBER.value, show_default=True)
@click.option("--platform-admin", is_flag=True, help="May manage tenants and their plugins.")
@click.option("--name", default="", help="The user's full name.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@pass_runtime
def user_create(
    runtime: Runtime,
    email: str,
    slug: str | None,
    role: str,
    platform_admin: bool,
    name: str,
    password_stdin: bool,
) -> None:
    """Create a user, a member of --tenant unless a platform admin of no tenant."""
    email = _checked_email(email)
    name = _checked_name(name, "--name", required=False)
    if slug is None and not platform_admin:
        raise click.UsageError(
            "Give --tenant SLUG (only a platform admin may belong to no tenant)."
        )
    if not password_stdin:
        raise click.UsageError("Give the password on standard input with --password-stdin.")
    password = _checked_password(sys.stdin.readline().rstrip("\r\n"))
    password_hash = hash_password(password)
    with runtime.session() as db:
        tenant = _tenant(db, slug) if slug is not None else None
        if _user(db, email) is not None:
            raise click.ClickException(
                f"A user with the e-mail {email} already exists;"
                " add them to a tenant with 'myynti user add'."
            )
        new = User(
            email=email,
            name=name,
            password_hash=password_hash,
            platform_admin=platform_admin,
        )
        db.add(new)
        db.flush()
        if tenant is not None:
            _add_membership(db, tenant, new, role)
    where = f" as {role} of {slug}" if slug is not None else ""
    admin = " (platform admin)" if platform_admin else ""
    click.echo(f"Created user {email}{where}{admin}.")


@user.command("add")
@click.argument("email")
@click.option("--tenant", "slug", metavar="SLUG", required=True, help="The tenant to join.")
@click.option("--role", type=click.Choice(ROLES), default=Role.MEMBER.value, show_default=True)
@pass_runtime
def user_add(runtime: Runtime, email: str, slug: str, role: str) -> None:
    """Make an existing user a member of another tenant."""
    email = _checked_email(email)
    with runtime.session() as db:
        tenant = _tenant(db, slug)
        existing = _user(db, email)
        if existing is None:
            raise click.ClickException(
                f"No user with the e-mail {email}; create one with 'myynti user create'."
            )
        set_tenant(db, tenant.id)
        if db.scalar(select(Membership.id).where(Membership.user_id == existing.id)) is not None:
            raise click.ClickException(f"{existing.email} is already a member of {slug}.")
        _add_membership(db, tenant, existing, role)
    click.echo(f"Added {existing.email} to {slug} as {role}.")


@user.command("list")
@click.option("--tenant", "slug", metavar="SLUG", required=True, help="The tenant to list.")
@pass_runtime
def user_list(runtime: Runtime, slug: str) -> None:
    """List the members of a tenant."""
    with runtime.session() as db:
        set_tenant(db, _tenant(db, slug).id)
        rows = [
            (
                m.user.email,
                m.user.name,
                m.role,
                "yes" if m.active and m.user.active else "no",
                "yes" if m.user.platform_admin else "no",
            )
            for m in db.scalars(
                select(Membership).join(Membership.user).order_by(func.lower(User.email))
            )
        ]
    _table(("E-MAIL", "NAME", "ROLE", "ACTIVE", "PLATFORM ADMIN"), rows)


# --- modules and plugins -------------------------------------------------------------


@main.group()
def module() -> None:
    """Enable and disable plugins for a tenant (the customer's licence)."""


@module.command("list")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_runtime
def module_list(runtime: Runtime, slug: str, as_json: bool) -> None:
    """List every licensed plugin and whether SLUG has it enabled."""
    with runtime.session() as db:
        enabled = enabled_plugins(db, _tenant(db, slug))
    plugins = runtime.registry.licensed
    if as_json:
        _print_json([{**_plugin_data(p), "enabled": p.name in enabled} for p in plugins])
        return
    _table(
        ("PLUGIN", "ENABLED", "VERSION", "DEPENDS", "TITLE"),
        [
            (
                p.name,
                "yes" if p.name in enabled else "no",
                p.version,
                ", ".join(p.depends) or "-",
                label_text(p.title, runtime.language),
            )
            for p in plugins
        ],
    )


@module.command("enable")
@click.argument("slug")
@click.argument("plugin")
@click.option(
    "--with-dependencies", is_flag=True, help="Also enable the plugins PLUGIN depends on."
)
@pass_runtime
def module_enable(runtime: Runtime, slug: str, plugin: str, with_dependencies: bool) -> None:
    """Enable PLUGIN for tenant SLUG (running its set-up the first time)."""
    with runtime.session() as db:
        tenant = _tenant(db, slug)
        try:
            switched = enable_plugin(db, runtime.registry, tenant, plugin, with_dependencies)
        except LicenceError as exc:
            raise click.ClickException(i18n.translate(exc.message, runtime.language)) from None
    if switched:
        click.echo(f"Enabled {', '.join(switched)} for {slug}.")
    else:
        click.echo(f"{plugin} is already enabled for {slug}.")


@module.command("disable")
@click.argument("slug")
@click.argument("plugin")
@pass_runtime
def module_disable(runtime: Runtime, slug: str, plugin: str) -> None:
    """Disable PLUGIN for tenant SLUG; its data is kept and returns when enabled again."""
    with runtime.session() as db:
        tenant = _tenant(db, slug)
        try:
            disable_plugin(db, runtime.registry, tenant, plugin)
        except LicenceError as exc:
            raise click.ClickException(i18n.translate(exc.message, runtime.language)) from None
    click.echo(f"Disabled {plugin} for {slug}.")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_runtime
def plugins(runtime: Runtime, as_json: bool) -> None:
    """List the installed plugins with their versions and dependencies."""
    installed = runtime.registry.plugins
    if as_json:
        _print_json([_plugin_data(p) for p in installed])
        return
    _table(
        ("PLUGIN", "VERSION", "DEPENDS", "LICENSED", "TITLE", "SUMMARY"),
        [
            (
                p.name,
                p.version,
                ", ".join(p.depends) or "-",
                "yes" if p.licensed else "always on",
                label_text(p.title, runtime.language),
                label_text(p.summary, runtime.language),
            )
            for p in installed
        ],
    )


# --- demo --------------------------------------------------------------------------


@main.command()
@click.option(
    "--password",
    help="The demo users' password (default: a random one, printed once).",
)
@pass_runtime
def demo(runtime: Runtime, password: str | None) -> None:
    """Create (or complete) the demo tenant 'demo' with its users and every plugin enabled.

    Running it again adds only what is missing: users keep their password unless
    --password is given, and a plugin fills in its demo data once.
    """
    if password is not None:
        _checked_password(password)
    runtime.upgrade()
    registry = runtime.registry
    new_password = password or _readable_password()
    with runtime.session() as db:
        tenant = db.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
        if tenant is None:
            tenant = Tenant(slug=DEMO_SLUG, name=DEMO_NAME, licence={})
            db.add(tenant)
            db.flush()
        seen = set(
            db.scalars(select(TenantPlugin.plugin).where(TenantPlugin.tenant_id == tenant.id))
        )
        for plugin in registry.licensed:
            enable_plugin(db, registry, tenant, plugin.name, with_dependencies=True)
        set_tenant(db, tenant.id)
        users, passwords = _demo_users(db, tenant, new_password, reset=password is not None)
        db.flush()
        # One plugin at a time in dependency order (not one pluggy call, which runs
        # dependants first), so a plugin's demo data can refer to its dependencies'.
        for plugin in registry.licensed:
            if plugin.name not in seen:
                registry.call_one(
                    plugin.name, "myynti_demo_data", db=db, tenant=tenant, users=users
                )
        enabled = sorted(enabled_plugins(db, tenant))
    click.echo(f"Demo tenant {DEMO_SLUG} ({DEMO_NAME}) with plugins: {', '.join(enabled) or '-'}")
    click.echo("Sign in at /login, then open /t/demo/:")
    for (email, _name, role), shown in zip(DEMO_USERS, passwords, strict=True):
        extra = ", platform admin" if role == Role.ADMIN else ""
        click.echo(f"  {email} ({role}{extra})  password: {shown}")


def _demo_users(
    db: TenantSession, tenant: Tenant, password: str, reset: bool
) -> tuple[list[User], list[str]]:
    """The demo users (made if missing) in the team, and the password to show for each."""
    team = db.scalar(select(Team).where(Team.name == DEMO_TEAM))
    if team is None:
        team = Team(name=DEMO_TEAM)
        db.add(team)
        db.flush()
    hashed = hash_password(password)
    users, shown = [], []
    for email, name, role in DEMO_USERS:
        account = _user(db, email)
        if account is None:
            account = User(email=email, name=name, password_hash=hashed)
            db.add(account)
            db.flush()
            shown.append(password)
        elif reset:
            account.password_hash = hashed
            shown.append(password)
        else:
            shown.append("(unchanged)")
        if db.scalar(select(Membership.id).where(Membership.user_id == account.id)) is None:
            _add_membership(db, tenant, account, role)
        in_team = select(TeamMember.id).where(
            TeamMember.team_id == team.id, TeamMember.user_id == account.id
        )
        if db.scalar(in_team) is None:
            db.add(TeamMember(tenant_id=tenant.id, team_id=team.id, user_id=account.id))
        users.append(account)
    users[0].platform_admin = True
    return users, shown


def _readable_password() -> str:
    """Like ``k7mq-p3xw-9trh``: 60 random bits, easy to read off a terminal."""
    return "-".join("".join(secrets.choice(READABLE_CHARS) for _ in range(4)) for _ in range(3))


# --- helpers -----------------------------------------------------------------------


def _tenant(db: TenantSession, slug: str) -> Tenant:
    tenant = db.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"No tenant with the slug {slug!r}.")
    return tenant


def _user(db: TenantSession, email: str) -> User | None:
    """The user of ``email``, compared without case like the login form does."""
    return db.scalar(select(User).where(func.lower(User.email) == email.lower()))


def _add_membership(db: TenantSession, tenant: Tenant, account: User, role: str) -> None:
    set_tenant(db, tenant.id)
    db.add(Membership(tenant_id=tenant.id, user_id=account.id, role=role))
    db.flush()


def _checked_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.ClickException(f"Invalid e-mail address {email!r}: {exc}") from None


def _checked_name(name: str, option: str, required: bool = True) -> str:
    name = name.strip()
    if required and not name:
        raise click.ClickException(f"Give a name with {option}.")
    if len(name) > NAME_MAX:
        raise click.ClickException(f"The name is longer than {NAME_MAX} characters.")
    return name


def _checked_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise click.ClickException(f"The password must be at least {MIN_LENGTH} characters long.")
    return password


def _label_data(label: Label) -> dict[str, str]:
    return {lang: label_text(label, lang) for lang in i18n.LOCALES}


def _plugin_data(plugin: Plugin) -> dict[str, Any]:
    return {
        "name": plugin.name,
        "version": plugin.version,
        "depends": list(plugin.depends),
        "licensed": plugin.licensed,
        "title": _label_data(plugin.title),
        "summary": _label_data(plugin.summary),
    }


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print ``rows`` in columns as wide as their widest cell."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in (headers, *rows):
        cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())
