"""Tenant admins manage their tenant's members; nobody else can, in any tenant."""

import pytest
from sqlalchemy import func, select

from core.db import all_tenants, set_tenant
from core.models import Membership, Role, User
from core.passwords import verify_password
from core.testing import PASSWORD, csrf_token

USERS = "/t/alpha/admin/users"


@pytest.fixture
def people(make_tenant, make_user):
    alpha = make_tenant("alpha", "Alpha Oy")
    beta = make_tenant("beta", "Beta Tilitoimisto Oy")
    return {
        "alpha": alpha,
        "beta": beta,
        "anna": make_user("anna@alpha.example", tenant=alpha, role=Role.ADMIN, name="Anna Admin"),
        "mikko": make_user("mikko@alpha.example", tenant=alpha, name="Mikko Myyjä"),
        "bea": make_user("bea@beta.example", tenant=beta, role=Role.ADMIN, name="Bea Beta"),
    }


@pytest.fixture
def admin(webapp, people, login):
    login(webapp, "anna@alpha.example")
    return webapp


def _membership(db, tenant, user):
    db.expire_all()
    set_tenant(db, tenant.id)
    return db.scalar(select(Membership).where(Membership.user_id == user.id))


def _memberships(db, tenant):
    db.expire_all()
    set_tenant(db, tenant.id)
    return db.scalar(select(func.count()).select_from(Membership))


def _field_errors(page, name):
    """The error messages shown next to the input called ``name``."""
    field = page.html.find(attrs={"name": name}).find_parent(class_="field")
    return [p.get_text(strip=True) for p in field.select(".error")]


def _add_form(app, **values):
    form = app.get(USERS).forms["add-member-form"]
    for key, value in values.items():
        form[key] = value
    return form


def test_admin_sees_the_tenants_members_only(admin, people):
    page = admin.get(USERS)
    rows = {
        row["data-user-id"]: row.get_text(" ", strip=True)
        for row in page.html.select("tr[data-user-id]")
    }
    assert set(rows) == {str(people["anna"].id), str(people["mikko"].id)}
    assert "Anna Admin" in rows[str(people["anna"].id)]
    assert "anna@alpha.example" in rows[str(people["anna"].id)]
    assert "Admin" in rows[str(people["anna"].id)]
    assert "Member" in rows[str(people["mikko"].id)] and "Active" in rows[str(people["mikko"].id)]
    assert "bea@beta.example" not in page.text


def test_add_a_new_user(admin, people, db, webapp, login):
    form = _add_form(
        admin, email="Liisa@Alpha.example", name="Liisa Laine", role="member", password="x" * 12
    )
    page = form.submit().follow()
    assert "Liisa Laine added." in page.text
    assert "Liisa Laine" in page.html.select_one("table.members").text
    user = db.scalar(select(User).where(User.email == "Liisa@alpha.example"))
    assert user.name == "Liisa Laine"
    assert _membership(db, people["alpha"], user).role == Role.MEMBER
    webapp.post("/logout", {"csrf_token": csrf_token(webapp)})
    login(webapp, "liisa@alpha.example", "x" * 12)
    assert webapp.get("/t/alpha/").status_int == 200


def test_add_a_user_of_another_tenant_keeps_their_account(admin, people, db):
    bea = people["bea"]
    before = db.scalar(select(User.password_hash).where(User.id == bea.id))
    form = _add_form(admin, email="bea@beta.example", name="Somebody Else", role="admin")
    page = form.submit().follow()
    assert "Bea Beta added." in page.text
    # Nothing of the other tenant shows.
    assert "Beta Tilitoimisto" not in page.text and "/t/beta" not in page.text
    membership = _membership(db, people["alpha"], bea)
    assert membership.role == Role.ADMIN and membership.active
    with all_tenants(db):
        user = db.get(User, bea.id)
        assert user.name == "Bea Beta" and user.password_hash == before
        assert _membership(db, people["beta"], bea).role == Role.ADMIN


def test_a_typed_password_is_ignored_for_an_existing_user(admin, people, db):
    _add_form(admin, email="bea@beta.example", password="y" * 12).submit().follow()
    db.expire_all()
    assert verify_password(db.get(User, people["bea"].id).password_hash, PASSWORD)


def test_duplicate_membership_is_refused_next_to_the_email(admin, people, db):
    count = _memberships(db, people["alpha"])
    page = _add_form(admin, email="MIKKO@alpha.example", name="Typed Name").submit(status=400)
    assert _field_errors(page, "email") == ["This person is already a member of this tenant."]
    assert page.forms["add-member-form"]["name"].value == "Typed Name"
    assert _memberships(db, people["alpha"]) == count


def test_deactivated_member_is_pointed_to_their_page(admin, people, db):
    _membership(db, people["alpha"], people["mikko"]).active = False
    db.flush()
    page = _add_form(admin, email="mikko@alpha.example").submit(status=400)
    assert "Activate them on their own page." in _field_errors(page, "email")[0]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "new@alpha.example", "password": "short"}, "password", "at least 10"),
        (
            {"email": "new@alpha.example", "password": ""},
            "password",
            "This e-mail address is new to Myynti: give an initial password.",
        ),
    ],
)
def test_bad_input_writes_nothing_and_keeps_what_was_typed(
    admin, people, db, values, field, message
):
    users_before = db.scalar(select(func.count()).select_from(User))
    count = _memberships(db, people["alpha"])
    page = _add_form(admin, name="Typed Name", **values).submit(status=400)
    assert any(message in error for error in _field_errors(page, field))
    form = page.forms["add-member-form"]
    assert form["name"].value == "Typed Name"
    assert form["email"].value == values["email"]
    assert db.scalar(select(func.count()).select_from(User)) == users_before
    assert _memberships(db, people["alpha"]) == count


def test_an_unknown_role_is_refused(admin, people, db):
    admin.get(USERS)
    admin.post(
        USERS,
        {"csrf_token": csrf_token(admin), "email": "bea@beta.example", "role": "owner"},
        status=400,
    )
    assert _membership(db, people["alpha"], people["bea"]) is None


def test_make_a_member_admin(admin, people, db):
    form = admin.get(f"{USERS}/{people['mikko'].id}").forms["member-form"]
    form["role"] = "admin"
    page = form.submit().follow()
    assert "Changes saved: Mikko Myyjä." in page.text
    assert _membership(db, people["alpha"], people["mikko"]).role == Role.ADMIN


def test_a_deactivated_member_cannot_open_the_tenant(admin, people, db, webapp, login):
    form = admin.get(f"{USERS}/{people['mikko'].id}").forms["member-form"]
    form["active"] = False
    page = form.submit().follow()
    assert "Deactivated" in page.html.select_one(f"tr[data-user-id='{people['mikko'].id}']").text
    membership = _membership(db, people["alpha"], people["mikko"])
    assert membership is not None and not membership.active
    webapp.post("/logout", {"csrf_token": csrf_token(webapp)})
    login(webapp, "mikko@alpha.example")
    webapp.get("/t/alpha/", status=404)
    webapp.get("/t/alpha/admin/users", status=404)


@pytest.mark.parametrize("change", [{"role": "member"}, {"active": False}])
def test_the_last_active_admin_stays(admin, people, db, change):
    form = admin.get(f"{USERS}/{people['anna'].id}").forms["member-form"]
    for key, value in change.items():
        form[key] = value
    page = form.submit(status=400)
    (field,) = change
    assert _field_errors(page, field) == [
        "The tenant needs at least one active admin. Make someone else an admin first."
    ]
    membership = _membership(db, people["alpha"], people["anna"])
    assert membership.role == Role.ADMIN and membership.active


def test_an_inactive_admin_does_not_count(admin, people, db, make_user):
    other = make_user("olli@alpha.example", tenant=people["alpha"], role=Role.ADMIN)
    _membership(db, people["alpha"], other).active = False
    db.flush()
    form = admin.get(f"{USERS}/{people['anna'].id}").forms["member-form"]
    form["role"] = "member"
    form.submit(status=400)
    assert _membership(db, people["alpha"], people["anna"]).role == Role.ADMIN


def test_an_admin_may_step_down_when_another_admin_remains(admin, people, db):
    _membership(db, people["alpha"], people["mikko"]).role = Role.ADMIN
    db.flush()
    form = admin.get(f"{USERS}/{people['anna'].id}").forms["member-form"]
    form["role"] = "member"
    response = form.submit(status=303)
    assert response.location.endswith("/")
    assert _membership(db, people["alpha"], people["anna"]).role == Role.MEMBER
    admin.get(USERS, status=403)


def test_another_tenants_member_is_not_found_through_this_tenant(admin, people, db):
    bea = people["bea"]
    admin.get(f"{USERS}/{bea.id}", status=404)
    admin.post(f"{USERS}/{bea.id}", {"csrf_token": csrf_token(admin), "role": "member"}, status=404)
    with all_tenants(db):
        assert _membership(db, people["beta"], bea).role == Role.ADMIN


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/t/beta/admin/users"),
        ("post", "/t/beta/admin/users"),
        ("get", "/t/beta/admin/users/{bea}"),
        ("post", "/t/beta/admin/users/{bea}"),
    ],
)
def test_a_member_of_another_tenant_gets_404(admin, people, db, method, path):
    url = path.format(bea=people["bea"].id)
    data = {"csrf_token": csrf_token(admin), "email": "x@alpha.example", "password": "z" * 12}
    data |= {"role": "member", "active": ""}
    page = (
        getattr(admin, method)(url, data, status=404)
        if method == "post"
        else admin.get(url, status=404)
    )
    assert "Bea Beta" not in page.text and "bea@beta.example" not in page.text
    assert _memberships(db, people["beta"]) == 1
    with all_tenants(db):
        assert _membership(db, people["beta"], people["bea"]).role == Role.ADMIN


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", USERS), ("post", USERS), ("get", USERS + "/{anna}"), ("post", USERS + "/{anna}")],
)
def test_a_member_gets_403(webapp, people, login, db, method, path):
    login(webapp, "mikko@alpha.example")
    webapp.get("/t/alpha/")
    url = path.format(anna=people["anna"].id)
    data = {"csrf_token": csrf_token(webapp), "email": "x@alpha.example", "password": "z" * 12}
    data |= {"role": "member", "active": ""}
    if method == "post":
        webapp.post(url, data, status=403)
    else:
        webapp.get(url, status=403)
    assert _memberships(db, people["alpha"]) == 2
    assert _membership(db, people["alpha"], people["anna"]).role == Role.ADMIN


@pytest.mark.parametrize("path", [USERS, f"{USERS}/1"])
def test_anonymous_is_sent_to_log_in(webapp, people, path):
    response = webapp.get(path, status=303)
    assert "/login" in response.location


def test_admin_link_is_shown_to_admins_only(admin, people, webapp, login):
    assert admin.get("/t/alpha/").html.find("a", string="Users")
    webapp.post("/logout", {"csrf_token": csrf_token(webapp)})
    login(webapp, "mikko@alpha.example")
    assert not webapp.get("/t/alpha/").html.find("a", string="Users")
