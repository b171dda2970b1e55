"""Tenant isolation: another tenant's URLs answer 404 and no query shows another tenant's rows.

Two tenants with every installed plugin enabled: alpha (Anna, admin) and beta
(Bert, admin). Beta's rows carry the marker ``Beta Secret`` in their text, so a
page that leaked one would show it. The URL checks walk every route of the app
under ``/t/{tenant}``, so a route a plugin adds later is checked without
changing this file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import Boolean, DateTime, Integer, String, Text, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload

from core.db import TenantSession, TenantViolation, all_tenants, set_tenant
from core.models import (
    Attachment,
    Base,
    Event,
    Membership,
    Role,
    Team,
    TeamMember,
    TenantOwned,
    User,
    utcnow,
)
from core.tenancy import TENANT_PREFIX
from core.testing import csrf_token

SECRET = "Beta Secret"
PLACEHOLDER = re.compile(r"{(\w+)(?::([^}]*))?}")


# --- the two tenants --------------------------------------------------------------

#: Every beta row gets this id, in every tenant-owned table where one can be made, so
#: any ``{..._id}`` of any route names a beta row of whatever table the route reads.
BETA_ID = 4242


@pytest.fixture
def tenants(db, make_tenant, make_user, myynti_registry) -> dict[str, Any]:
    everything = tuple(p.name for p in myynti_registry.plugins if p.licensed)
    alpha = make_tenant("alpha", "Alpha Oy", plugins=everything)
    beta = make_tenant("beta", f"{SECRET} Oy", plugins=everything)
    anna = make_user("anna@alpha.example", tenant=alpha, role=Role.ADMIN, name="Anna Alpha")
    bert = User(
        id=BETA_ID,
        email="bert@beta.example",
        name=f"Bert {SECRET}",
        password_hash=anna.password_hash,
    )
    db.add(bert)
    db.flush()
    make_user(bert.email, tenant=beta, role=Role.ADMIN)
    with all_tenants(db):
        alpha_team = Team(tenant_id=alpha.id, name="Alpha team")
        db.add(alpha_team)
        db.flush()
        db.add(TeamMember(tenant_id=alpha.id, team_id=alpha_team.id, user_id=anna.id))
        db.flush()
    made = _beta_row_in_every_table(db, beta, _entity_names(myynti_registry)[0])
    assert {"team", "team_member", "event", "attachment"} <= made
    return {"alpha": alpha, "beta": beta, "anna": anna, "alpha_team": alpha_team, "made": made}


def _beta_row_in_every_table(db, beta, entity: str) -> set[str]:
    """A row with id ``BETA_ID`` in each tenant-owned table; the names of the tables done.

    Required text columns get the secret marker, required references point at
    the ``BETA_ID`` row of the referenced table. A table whose row cannot be made
    this way is left out; its routes are still in the beta-URL tests.
    """
    models = {m.local_table.name: m.class_ for m in Base.registry.mappers}
    made = {"tenant", "user_account"}
    for table in Base.metadata.sorted_tables:
        model = models.get(table.name)
        if model is None or not issubclass(model, TenantOwned):
            continue
        if [c.name for c in table.primary_key] != ["id"]:
            continue
        values = _required_values(table, beta, made, entity)
        if values is None:
            continue
        savepoint = db.begin_nested()
        try:
            with all_tenants(db):
                db.add(model(id=BETA_ID, tenant_id=beta.id, **values))
                db.flush()
        except (SQLAlchemyError, TenantViolation, TypeError, ValueError):
            savepoint.rollback()
            continue
        savepoint.commit()
        made.add(table.name)
    return made


def _required_values(table, beta, made, entity: str) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.name in ("id", "tenant_id"):
            continue
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column.table.name
            if target in made:
                values[column.key] = beta.id if target == "tenant" else BETA_ID
            elif not column.nullable:
                return None
        elif column.name == "entity":
            values[column.key] = entity
        elif isinstance(column.type, String | Text) and column.default is None:
            length = getattr(column.type, "length", None) or 200
            values[column.key] = f"{SECRET} {table.name}"[:length]
        elif column.nullable or column.default is not None or column.server_default is not None:
            continue
        elif isinstance(column.type, Integer):
            values[column.key] = BETA_ID
        elif isinstance(column.type, DateTime):
            values[column.key] = utcnow()
        elif isinstance(column.type, Boolean):
            values[column.key] = False
        else:
            return None
    return values


def _beta_rows(db, tenants) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of beta, in every tenant-owned table, and beta's user: to prove nothing changed."""
    rows = {}
    with all_tenants(db):
        for table in Base.metadata.sorted_tables:
            if "tenant_id" in table.c:
                query = select(table).where(table.c.tenant_id == tenants["beta"].id)
                rows[table.name] = sorted(map(tuple, db.execute(query).all()), key=repr)
        user = User.__table__
        rows[user.name] = [tuple(db.execute(select(user).where(user.c.id == BETA_ID)).one())]
    return rows


# --- every tenant URL -------------------------------------------------------------


def _entity_names(registry) -> list[str]:
    """The entities every installed plugin declares (core's test entity ``team`` if none)."""
    everything = registry.hooks_for(frozenset(p.name for p in registry.plugins))
    return [e.name for found in everything.myynti_entities() for e in found] or ["team"]


def _tenant_urls(wsgi_app, slug: str) -> list[tuple[str, str]]:
    """(route name, path) for every route under ``/t/{tenant}``, naming beta's rows.

    A numeric placeholder becomes ``BETA_ID``; ``{entity}`` each declared entity.
    """
    entities = _entity_names(wsgi_app.registry.myynti_plugins)
    mapper = wsgi_app.registry.getUtility(IRoutesMapper)
    routes = [r for r in mapper.get_routes() if r.pattern.startswith(TENANT_PREFIX)]
    assert len(routes) > 10, "expected core's and the plugins' tenant routes"
    urls = []
    for route in routes:
        for entity in entities if "{entity}" in route.pattern else [None]:

            def fill(match: re.Match[str], entity: str | None = entity) -> str:
                name, regex = match.group(1), match.group(2)
                if name == "tenant":
                    return slug
                if name == "entity" and entity:
                    return entity
                return str(BETA_ID) if regex and "\\d" in regex else "x"

            urls.append((route.name, PLACEHOLDER.sub(fill, route.pattern)))
    return urls


def test_member_of_alpha_gets_404_for_every_beta_url(webapp, wsgi_app, tenants, login):
    login(webapp, "anna@alpha.example")
    urls = _tenant_urls(wsgi_app, "beta")
    assert ("dashboard", "/t/beta/") in urls
    for name, url in urls:
        response = webapp.get(url, status="*")
        assert response.status_int == 404, (name, url, response.status)
        assert SECRET not in response.text, (name, url)


def test_beta_member_sees_beta(webapp, tenants, login):
    """The control: the same tenant is there for its own member."""
    login(webapp, "bert@beta.example")
    assert f"{SECRET} Oy" in webapp.get("/t/beta/").text


def test_post_to_every_beta_url_is_404_and_changes_nothing(webapp, wsgi_app, tenants, db, login):
    """With a valid CSRF token or a forged one: the membership check answers first."""
    login(webapp, "anna@alpha.example")
    token = csrf_token(webapp)
    before = _beta_rows(db, tenants)
    for name, url in _tenant_urls(wsgi_app, "beta"):
        for sent in (token, "forged-token"):
            response = webapp.post(url, {"csrf_token": sent, "name": "x"}, status="*")
            assert response.status_int == 404, (name, url, sent, response.status)
            assert SECRET not in response.text, (name, url)
    assert _beta_rows(db, tenants) == before


def test_alpha_urls_naming_beta_rows_are_404_and_change_nothing(
    webapp, wsgi_app, tenants, db, login
):
    """An admin of alpha puts beta's ids into alpha's own URLs: not found, nothing written."""
    login(webapp, "anna@alpha.example")
    token = csrf_token(webapp)
    before = _beta_rows(db, tenants)
    urls = [(n, u) for n, u in _tenant_urls(wsgi_app, "alpha") if f"/{BETA_ID}" in u]
    assert ("tenant_user", f"/t/alpha/admin/users/{BETA_ID}") in urls
    for name, url in urls:
        response = webapp.get(url, status="*")
        assert response.status_int == 404, (name, url, response.status)
        assert SECRET not in response.text, (name, url)
        response = webapp.post(url, {"csrf_token": token, "name": "x"}, status="*")
        assert response.status_int == 404, (name, url, response.status)
        assert SECRET not in response.text, (name, url)
    assert _beta_rows(db, tenants) == before


def test_a_beta_user_cannot_be_put_into_an_alpha_team(webapp, tenants, db, login):
    """A beta id in a form field of alpha's own page is refused like a beta URL."""
    login(webapp, "anna@alpha.example")
    team = tenants["alpha_team"]
    response = webapp.post(
        f"/t/alpha/admin/teams/{team.id}/members",
        {"csrf_token": csrf_token(webapp), "user_id": str(BETA_ID)},
        status="*",
    )
    assert response.status_int in (400, 404), response.status
    with all_tenants(db):
        members = db.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team.id))
        assert list(members) == [tenants["anna"].id]


def test_unknown_tenant_and_inactive_membership_are_404(webapp, tenants, db, login):
    login(webapp, "anna@alpha.example")
    webapp.get("/t/no-such-tenant/", status=404)
    with all_tenants(db):
        membership = db.scalar(select(Membership).where(Membership.user_id == tenants["anna"].id))
        membership.active = False
        db.flush()
    webapp.get("/t/alpha/", status=404)


def test_inactive_tenant_is_404(webapp, tenants, db, login):
    login(webapp, "anna@alpha.example")
    tenants["alpha"].active = False
    db.flush()
    webapp.get("/t/alpha/", status=404)


def test_anonymous_visitor_cannot_tell_a_tenant_exists(webapp, tenants):
    existing = webapp.get("/t/beta/", status=303)
    missing = webapp.get("/t/no-such-tenant/", status=303)
    assert existing.location.split("?")[0] == missing.location.split("?")[0]
    assert existing.location.split("?")[0].endswith("/login")


# --- the ORM --------------------------------------------------------------------


def _names(rows) -> set[str]:
    return {row.name for row in rows}


def test_queries_see_only_the_current_tenant(db, tenants):
    set_tenant(db, tenants["alpha"].id)
    assert _names(db.scalars(select(Team))) == {"Alpha team"}
    memberships = db.scalars(select(Membership)).all()
    assert {m.user_id for m in memberships} == {tenants["anna"].id}
    assert db.scalars(select(Event)).all() == []
    assert db.scalars(select(Attachment)).all() == []


def test_joins_and_relationship_loads_see_only_the_current_tenant(db, tenants):
    set_tenant(db, tenants["alpha"].id)
    users = db.scalars(
        select(User).join(Membership, Membership.user_id == User.id).order_by(User.email)
    ).all()
    assert [u.email for u in users] == ["anna@alpha.example"]
    joined = db.scalars(select(TeamMember).options(joinedload(TeamMember.team))).unique().all()
    assert {m.team.name for m in joined} == {"Alpha team"}
    db.expunge_all()
    teams = db.scalars(select(Team).options(selectinload(Team.members))).all()
    assert [(t.name, len(t.members)) for t in teams] == [("Alpha team", 1)]
    counted = db.execute(
        select(Team.name, TeamMember.user_id).join(TeamMember, TeamMember.team_id == Team.id)
    ).all()
    assert counted == [("Alpha team", tenants["anna"].id)]


def test_lazy_load_of_a_relationship_is_filtered(db, tenants):
    set_tenant(db, tenants["alpha"].id)
    db.expunge_all()
    team = db.scalars(select(Team)).one()
    assert [m.user_id for m in team.members] == [tenants["anna"].id]


def test_get_by_id_does_not_return_another_tenants_row(db_connection, tenants):
    """A fresh session, so ``get`` has to ask the database."""
    beta_team_id = BETA_ID
    session = TenantSession(bind=db_connection, join_transaction_mode="create_savepoint")
    try:
        set_tenant(session, tenants["alpha"].id)
        assert session.get(Team, beta_team_id) is None
        assert session.get(Team, tenants["alpha_team"].id).name == "Alpha team"
    finally:
        session.close()


def test_get_by_id_does_not_return_another_tenants_row_from_the_identity_map(db, tenants):
    """A row loaded under ``all_tenants`` stays in the session; ``get`` must not hand it out."""
    with all_tenants(db):
        beta_team = db.get(Team, BETA_ID)
        assert beta_team is not None
    set_tenant(db, tenants["alpha"].id)
    assert db.get(Team, beta_team.id) is None
    with pytest.raises(SQLAlchemyError):
        db.get_one(Team, beta_team.id)
    with all_tenants(db):
        assert db.get(Team, beta_team.id) is beta_team


def test_bulk_update_touches_only_the_current_tenant(db, tenants):
    set_tenant(db, tenants["alpha"].id)
    db.execute(
        update(Team).values(name="Renamed"), execution_options={"synchronize_session": False}
    )
    with all_tenants(db):
        db.expire_all()
        names = {t.tenant_id: t.name for t in db.scalars(select(Team))}
    assert names == {tenants["alpha"].id: "Renamed", tenants["beta"].id: f"{SECRET} team"}


def test_writing_a_row_of_another_tenant_is_refused_at_flush(db, tenants):
    set_tenant(db, tenants["alpha"].id)
    db.add(Team(tenant_id=tenants["beta"].id, name="Planted"))
    with pytest.raises(TenantViolation):
        db.flush()
    db.rollback()


def test_changing_a_row_of_another_tenant_is_refused_at_flush(db, tenants):
    with all_tenants(db):
        beta_team = db.get(Team, BETA_ID)
    set_tenant(db, tenants["alpha"].id)
    beta_team.name = "Hijacked"
    with pytest.raises(TenantViolation):
        db.flush()
    db.rollback()


def test_new_row_gets_the_current_tenant(db, tenants):
    set_tenant(db, tenants["alpha"].id)
    team = Team(name="Fresh")
    db.add(team)
    db.flush()
    assert team.tenant_id == tenants["alpha"].id


def test_without_a_tenant_queries_return_nothing_and_writes_are_refused(db, tenants):
    set_tenant(db, None)
    assert db.scalars(select(Team)).all() == []
    assert db.scalars(select(Membership)).all() == []
    assert db.get(Team, BETA_ID) is None
    db.add(Team(name="Orphan"))
    with pytest.raises(TenantViolation):
        db.flush()
    db.rollback()


def test_every_tenant_owned_model_is_filtered(db, tenants):
    """Each model of core and the plugins: beta's rows are invisible while working as alpha."""
    set_tenant(db, tenants["alpha"].id)
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if not issubclass(model, TenantOwned):
            continue
        tenant_ids = set(db.scalars(select(model.tenant_id)))
        assert tenant_ids <= {tenants["alpha"].id}, model.__name__


# --- PostgreSQL: row-level security, the second wall --------------------------------


@pytest.fixture
def postgresql(db) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only")


def test_test_role_is_not_superuser(postgresql, db):
    superuser, bypass = db.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert superuser is False and bypass is False


def test_raw_sql_sees_only_the_current_tenant(postgresql, db, tenants):
    set_tenant(db, tenants["alpha"].id)
    names = {row.name for row in db.execute(text("SELECT * FROM team"))}
    assert names == {"Alpha team"}
    set_tenant(db, None)
    assert db.execute(text("SELECT count(*) FROM team")).scalar() == 0


def test_raw_sql_cannot_insert_into_another_tenant(postgresql, db, tenants):
    set_tenant(db, tenants["alpha"].id)
    savepoint = db.begin_nested()
    with pytest.raises(SQLAlchemyError, match="row-level security"):
        db.execute(
            text("INSERT INTO team (tenant_id, name, created_at) VALUES (:t, 'Planted', now())"),
            {"t": tenants["beta"].id},
        )
    savepoint.rollback()
