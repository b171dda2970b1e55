"""Main pages kept per process (``core.page_cache``) are shown again only while valid.

A page seen again costs one statement, the one that sets the tenant and reads the
versions; any change to what it could show, made anywhere (another process, SQL
written by hand), or a different person, session or language, builds it anew.
"""

import uuid

import pytest
from sqlalchemy import delete, event, select, text

from core.db import all_tenants, make_session_factory, set_tenant
from core.models import Membership, Role, Tenant, User
from core.models.tenancy import TenantDataVersion
from core.page_cache import KeptPages, limit
from core.testing import csrf_token
from plugins.contacts.models import Customer
from plugins.contacts.requests.intake import create_request
from plugins.workflow.models import Stage, Task

CUSTOMERS = "/t/acme/customers"
MY_WORK = "/t/acme/my-work"


@pytest.fixture
def acme(db, make_tenant, make_user, webapp, login):
    """Acme with a customer; Maija (member) signed in on ``webapp``."""
    tenant = make_tenant("acme", "Acme Oy", plugins=("contacts", "workflow"))
    make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä")
    make_user("anna@acme.example", tenant=tenant, role=Role.ADMIN, name="Anna Admin")
    set_tenant(db, tenant.id)
    db.add(Customer(name="Alfa Oy", tags=[]))
    db.flush()
    login(webapp, "maija@acme.example")
    return tenant


def _names(page):
    return [a.get_text(strip=True) for a in page.html.select("table a[href*='/customers/']")]


def _statements(webapp, url):
    engine = webapp.app.registry.db_engine
    statements = []

    def counted(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", counted)
    try:
        page = webapp.get(url, status=200)
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return page, statements


def test_a_page_seen_again_is_the_same_page_for_one_statement(acme, webapp):
    first, built = _statements(webapp, CUSTOMERS)
    again, kept = _statements(webapp, CUSTOMERS)
    assert again.text == first.text
    assert len(built) > 1
    assert len(kept) == 1, kept
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_a_customer_added_in_another_process_shows_on_the_kept_list(
    acme, webapp, other_process, login
):
    assert _names(webapp.get(CUSTOMERS)) == ["Alfa Oy"]
    login(other_process, "anna@acme.example")
    form = other_process.get("/t/acme/customers/new").forms["customer-form"]
    form["name"] = "Beeta Oy"
    form.submit().follow()
    assert _names(webapp.get(CUSTOMERS)) == ["Alfa Oy", "Beeta Oy"]


def test_a_task_edited_in_another_process_shows_on_its_kept_page(
    acme, db, webapp, other_process, login
):
    set_tenant(db, acme.id)
    stage = db.scalar(select(Stage).order_by(Stage.position, Stage.id).limit(1))
    task = Task(workflow_id=stage.workflow_id, stage_id=stage.id, title="Tarjous Alfalle")
    db.add(task)
    db.flush()
    url = f"/t/acme/tasks/{task.id}"
    assert "Tarjous Alfalle" in webapp.get(url).html.select_one("h1").get_text()
    login(other_process, "anna@acme.example")
    form = other_process.get(url + "/edit").forms["task-form"]
    form["title"] = "Tilaus Alfalta"
    form.submit().follow()
    assert "Tilaus Alfalta" in webapp.get(url).html.select_one("h1").get_text()


def test_a_contact_request_assigned_in_another_process_shows_on_its_kept_page(
    acme, db, webapp, other_process, login
):
    set_tenant(db, acme.id)
    item = create_request(db, {"name": "Olli Ostaja", "email": "olli@example.org"}, "api")
    db.flush()
    url = f"/t/acme/requests/{item.id}"
    assert webapp.get(url).forms["assign-form"]["user_id"].value == "0"  # nobody
    login(other_process, "anna@acme.example")
    form = other_process.get(url).forms["assign-form"]
    anna = next(value for value, _selected, text in form["user_id"].options if text == "Anna Admin")
    form["user_id"] = anna
    form.submit()
    assert webapp.get(url).forms["assign-form"]["user_id"].value == anna


def test_a_change_written_in_sql_by_hand_shows_on_the_kept_page(acme, db, webapp):
    """No ORM event sees this write; the database's trigger does."""
    assert _names(webapp.get(CUSTOMERS)) == ["Alfa Oy"]
    db.execute(text("UPDATE customer SET name = 'Gamma Oy' WHERE name = 'Alfa Oy'"))
    assert _names(webapp.get(CUSTOMERS)) == ["Gamma Oy"]


def test_a_change_in_another_tenant_leaves_the_kept_page_alone(acme, db, make_tenant, webapp):
    other = make_tenant("globex", "Globex Oy", plugins=("contacts",))
    webapp.get(CUSTOMERS)
    set_tenant(db, other.id)
    db.add(Customer(name="Globexin asiakas Oy", tags=[]))
    db.flush()
    page, statements = _statements(webapp, CUSTOMERS)
    assert len(statements) == 1
    assert "Globexin asiakas Oy" not in page.text


def test_each_member_gets_their_own_page(acme, db, webapp, other_process, login):
    """Same address, same process: Maija's work is not shown to Anna, nor Anna's to Maija."""
    set_tenant(db, acme.id)
    stage = db.scalar(select(Stage).order_by(Stage.position, Stage.id).limit(1))
    users = dict(
        db.execute(
            select(User.name, User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == acme.id)
        ).all()
    )
    for title, owner in (("Maijan tarjous", "Maija Myyjä"), ("Annan tarjous", "Anna Admin")):
        db.add(
            Task(
                workflow_id=stage.workflow_id,
                stage_id=stage.id,
                title=title,
                responsible_user_id=users[owner],
            )
        )
    db.flush()
    maija = webapp.get(MY_WORK).text
    # Anna signs in on the same process (its kept pages hold Maija's work now).
    anna_app = webapp.__class__(webapp.app, extra_environ=webapp.extra_environ)
    login(anna_app, "anna@acme.example")
    anna = anna_app.get(MY_WORK).text
    assert "Maijan tarjous" in maija and "Annan tarjous" not in maija
    assert "Annan tarjous" in anna and "Maijan tarjous" not in anna


def test_a_signed_out_session_gets_no_kept_page(acme, webapp):
    webapp.get(CUSTOMERS, status=200)
    cookie = webapp.cookies["myynti_session"]
    webapp.post("/logout", {"csrf_token": csrf_token(webapp)}, status=303)
    webapp.set_cookie("myynti_session", cookie)
    page = webapp.get(CUSTOMERS, status=303)
    assert page.location.split("?")[0].endswith("/login")


def test_a_flashed_message_shows_once_and_the_change_with_it(acme, db, webapp):
    set_tenant(db, acme.id)
    customer = db.scalar(select(Customer))
    url = f"/t/acme/customers/{customer.id}"
    assert "Alfa Oy" in webapp.get(url).text
    form = webapp.get(url + "/edit").forms["customer-form"]
    form["name"] = "Alfa Yhtiöt Oy"
    shown = form.submit().follow()
    assert "Customer saved." in shown.html.select_one(".flash").get_text()
    assert "Alfa Yhtiöt Oy" in shown.text
    again = webapp.get(url)
    assert again.html.select_one(".flash") is None
    assert "Alfa Yhtiöt Oy" in again.text


def test_another_language_is_another_page(acme, webapp):
    assert webapp.get(CUSTOMERS).html.select_one("h1").get_text(strip=True) == "Customers"
    webapp.post(
        "/locale",
        {"locale": "fi", "came_from": CUSTOMERS, "csrf_token": csrf_token(webapp)},
        status=303,
    )
    assert webapp.get(CUSTOMERS).html.select_one("h1").get_text(strip=True) == "Asiakkaat"


def test_the_oldest_page_goes_when_the_process_keeps_its_most():
    pages = KeptPages(limit=2)
    pages.put(("a",), (b"a", "text/html", "UTF-8"))
    pages.put(("b",), (b"b", "text/html", "UTF-8"))
    assert pages.get(("a",)) is not None  # now the most recently used
    pages.put(("c",), (b"c", "text/html", "UTF-8"))
    assert pages.get(("b",)) is None
    assert pages.get(("a",)) is not None and pages.get(("c",)) is not None


def test_writers_of_one_tenant_do_not_queue_for_its_version(db_engine):
    """PostgreSQL: the version moves when each writer commits, not at its first write.

    Moved at the first write, it would hold its row's lock until the commit, and a
    second writer of the tenant (a request beside a campaign's batch job) would wait
    for the first. Here the second writes and commits while the first is still open.
    """
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers queue for the database anyway")
    factory = make_session_factory(db_engine)
    with factory.begin() as db, all_tenants(db):
        tenant = Tenant(slug=f"versions-{uuid.uuid4().hex[:8]}", name="Versiot Oy", licence={})
        db.add(tenant)
    tenant_id = tenant.id

    def version():
        with factory() as db:
            return db.scalar(
                select(TenantDataVersion.version).where(TenantDataVersion.tenant_id == tenant_id)
            )

    try:
        with factory() as first, factory() as second:
            first.begin()
            set_tenant(first, tenant_id)
            first.add(Customer(name="Ensimmäinen Oy", tags=[]))
            first.flush()
            before = version()
            second.begin()
            set_tenant(second, tenant_id)
            second.execute(text("SET LOCAL lock_timeout = '2s'"))
            second.add(Customer(name="Toinen Oy", tags=[]))
            second.commit()  # does not wait for the first writer
            after_second = version()
            first.commit()
            after_first = version()
        assert len({before, after_second, after_first}) == 3
    finally:
        with factory.begin() as db, all_tenants(db):
            db.execute(delete(Customer).where(Customer.tenant_id == tenant_id))
            db.execute(delete(TenantDataVersion).where(TenantDataVersion.tenant_id == tenant_id))
            db.execute(delete(Tenant).where(Tenant.id == tenant_id))


def test_a_page_that_issued_a_new_csrf_token_is_not_kept(acme, webapp):
    """Without its CSRF cookie a browser gets a new token, in the page and its cookie.

    Such a page fits only that answer's cookie: kept, the next browser without the
    cookie would get forms whose token it has no cookie for, and every save would fail.
    """
    webapp.get(CUSTOMERS)
    session = webapp.cookies["myynti_session"]
    tokens = []
    for _ in range(2):
        webapp.cookiejar.clear()
        webapp.set_cookie("myynti_session", session)
        page = webapp.get(CUSTOMERS, status=200)
        issued = webapp.cookies["myynti_csrf"]
        assert page.html.select_one("input[name=csrf_token]")["value"] == issued
        tokens.append(issued)
    assert tokens[0] != tokens[1]


def test_no_page_is_kept_while_templates_reload():
    """A developer who edits a template sees it on the next request."""
    assert limit({"myynti.kept_pages": "1000"}) == 1000
    assert limit({"myynti.kept_pages": "1000", "pyramid.reload_templates": "true"}) == 0
