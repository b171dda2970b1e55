"""Tenant admins manage their tenant's teams; nobody else can, in any tenant."""

import pytest
from sqlalchemy import func, select

from core.db import all_tenants, set_tenant
from core.models import Membership, Role, Team, TeamMember, User
from core.testing import csrf_token

TEAMS = "/t/alpha/admin/teams"
NOT_A_CANDIDATE = "Choose an active member of this tenant who is not in the team yet."


@pytest.fixture
def people(db, make_tenant, make_user):
    alpha = make_tenant("alpha", "Alpha Oy")
    beta = make_tenant("beta", "Beta Oy")
    set_tenant(db, alpha.id)
    sales = Team(tenant_id=alpha.id, name="Myynti")
    db.add(sales)
    db.flush()
    set_tenant(db, beta.id)
    beta_team = Team(tenant_id=beta.id, name="Beta-tiimi")
    db.add(beta_team)
    db.flush()
    return {
        "alpha": alpha,
        "beta": beta,
        "sales": sales,
        "beta_team": beta_team,
        "anna": make_user("anna@alpha.example", tenant=alpha, role=Role.ADMIN, name="Anna Admin"),
        "mikko": make_user("mikko@alpha.example", tenant=alpha, name="Mikko Myyjä", teams=(sales,)),
        "liisa": make_user("liisa@alpha.example", tenant=alpha, name="Liisa Laine"),
        "bea": make_user("bea@beta.example", tenant=beta, role=Role.ADMIN, name="Bea Beta"),
        "outsider": make_user("olli@nowhere.example", name="Olli Ulkopuolinen"),
    }


@pytest.fixture
def admin(webapp, people, login):
    login(webapp, "anna@alpha.example")
    return webapp


def _teams(db, tenant):
    db.expire_all()
    set_tenant(db, tenant.id)
    return {team.name: sorted(m.user_id for m in team.members) for team in db.scalars(select(Team))}


def _team_members(db, tenant):
    db.expire_all()
    set_tenant(db, tenant.id)
    return db.scalar(select(func.count()).select_from(TeamMember))


def _field_errors(page, name):
    """The error messages shown next to the input called ``name``."""
    field = page.html.find(attrs={"name": name}).find_parent(class_="field")
    return [p.get_text(strip=True) for p in field.select(".error")]


def _post(app, url, **data):
    """A POST with the CSRF token but without a page's form (a forged or stale id)."""
    status = data.pop("status", None)
    return app.post(url, {"csrf_token": csrf_token(app), **data}, status=status)


def test_create_a_team(admin, people, db):
    form = admin.get(TEAMS).forms["team-form"]
    form["name"] = "  Jälkihoito  "
    page = form.submit().follow()
    assert "Team Jälkihoito created." in page.text
    assert page.html.h1.text == "Jälkihoito"
    assert set(_teams(db, people["alpha"])) == {"Myynti", "Jälkihoito"}
    listing = admin.get(TEAMS)
    assert [a.text for a in listing.html.select("tr[data-team-id] a")] == ["Jälkihoito", "Myynti"]
    assert "Beta-tiimi" not in listing.text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("myynti", "This tenant already has a team with this name."),
        ("   ", "This field is required."),
        ("x" * 121, "120"),
    ],
)
def test_bad_team_name_writes_nothing(admin, people, db, name, message):
    form = admin.get(TEAMS).forms["team-form"]
    form["name"] = name
    page = form.submit(status=400)
    assert any(message in error for error in _field_errors(page, "name"))
    assert page.forms["team-form"]["name"].value == name.strip()
    assert set(_teams(db, people["alpha"])) == {"Myynti"}


def test_another_tenant_may_use_the_same_name(admin, people, db):
    form = admin.get(TEAMS).forms["team-form"]
    form["name"] = "Beta-tiimi"
    form.submit().follow()
    assert set(_teams(db, people["alpha"])) == {"Myynti", "Beta-tiimi"}


def test_rename_a_team(admin, people, db):
    form = admin.get(f"{TEAMS}/{people['sales'].id}").forms["rename-form"]
    assert form["name"].value == "Myynti"
    form["name"] = "Myynti ja markkinointi"
    page = form.submit().follow()
    assert "Team renamed to Myynti ja markkinointi." in page.text
    assert set(_teams(db, people["alpha"])) == {"Myynti ja markkinointi"}


def test_rename_to_a_taken_name_is_refused(admin, people, db):
    set_tenant(db, people["alpha"].id)
    db.add(Team(tenant_id=people["alpha"].id, name="Tuki"))
    db.flush()
    form = admin.get(f"{TEAMS}/{people['sales'].id}").forms["rename-form"]
    form["name"] = "TUKI"
    page = form.submit(status=400)
    assert _field_errors(page, "name") == ["This tenant already has a team with this name."]
    assert page.forms["rename-form"]["name"].value == "TUKI"
    assert set(_teams(db, people["alpha"])) == {"Myynti", "Tuki"}


def test_renaming_to_its_own_name_in_other_case_is_fine(admin, people, db):
    form = admin.get(f"{TEAMS}/{people['sales'].id}").forms["rename-form"]
    form["name"] = "MYYNTI"
    form.submit().follow()
    assert set(_teams(db, people["alpha"])) == {"MYYNTI"}


def test_delete_asks_first_then_deletes(admin, people, db):
    team_page = admin.get(f"{TEAMS}/{people['sales'].id}")
    confirm = team_page.click(description="Delete team…")
    assert "Delete team Myynti?" in confirm.text
    assert _teams(db, people["alpha"]) == {"Myynti": [people["mikko"].id]}
    page = confirm.forms["team-delete-form"].submit().follow()
    assert "Team Myynti deleted." in page.text
    assert _teams(db, people["alpha"]) == {}
    assert _team_members(db, people["alpha"]) == 0
    # The people stay members of the tenant.
    assert db.scalar(select(Membership).where(Membership.user_id == people["mikko"].id)).active


def test_add_a_member_offers_only_active_members_not_yet_in_the_team(admin, people, db):
    set_tenant(db, people["alpha"].id)
    deactivated = db.scalar(select(Membership).where(Membership.user_id == people["liisa"].id))
    page = admin.get(f"{TEAMS}/{people['sales'].id}")
    offered = [o["value"] for o in page.html.select("#team-member-form option")]
    assert offered == [str(people["anna"].id), str(people["liisa"].id)]
    deactivated.active = False
    db.flush()
    page = admin.get(f"{TEAMS}/{people['sales'].id}")
    offered = [o["value"] for o in page.html.select("#team-member-form option")]
    assert offered == [str(people["anna"].id)]


def test_add_and_remove_a_member(admin, people, db):
    sales = people["sales"]
    form = admin.get(f"{TEAMS}/{sales.id}").forms["team-member-form"]
    form["user_id"] = str(people["liisa"].id)
    page = form.submit().follow()
    assert "Liisa Laine added to the team." in page.text
    row = page.html.select_one(f"tr[data-user-id='{people['liisa'].id}']")
    assert "liisa@alpha.example" in row.text
    assert _teams(db, people["alpha"])["Myynti"] == sorted([people["mikko"].id, people["liisa"].id])
    remove = next(
        f for f in page.forms.values() if f.action.endswith(f"/members/{people['mikko'].id}/remove")
    )
    page = remove.submit().follow()
    assert "Mikko Myyjä removed from the team." in page.text
    assert _teams(db, people["alpha"])["Myynti"] == [people["liisa"].id]


def test_a_deactivated_member_in_a_team_is_marked(admin, people, db):
    set_tenant(db, people["alpha"].id)
    db.scalar(select(Membership).where(Membership.user_id == people["mikko"].id)).active = False
    db.flush()
    page = admin.get(f"{TEAMS}/{people['sales'].id}")
    assert "(deactivated)" in page.html.select_one(f"tr[data-user-id='{people['mikko'].id}']").text


@pytest.mark.parametrize("who", ["bea", "outsider", "mikko", "deactivated", "nobody", "junk"])
def test_only_an_offered_member_can_be_added(admin, people, db, who):
    """Ids of another tenant's user, a non-member, one already in, a deactivated member."""
    set_tenant(db, people["alpha"].id)
    db.scalar(select(Membership).where(Membership.user_id == people["liisa"].id)).active = False
    db.flush()
    user_id = {
        "bea": people["bea"].id,
        "outsider": people["outsider"].id,
        "mikko": people["mikko"].id,
        "deactivated": people["liisa"].id,
        "nobody": 999999,
        "junk": "1 OR 1=1",
    }[who]
    before = _team_members(db, people["alpha"])
    admin.get(f"{TEAMS}/{people['sales'].id}")
    page = _post(admin, f"{TEAMS}/{people['sales'].id}/members", user_id=user_id, status=400)
    assert _field_errors(page, "user_id") == [NOT_A_CANDIDATE]
    assert _team_members(db, people["alpha"]) == before
    with all_tenants(db):
        assert db.scalar(select(func.count()).select_from(TeamMember)) == before


def test_removing_someone_not_in_the_team_is_not_found(admin, people, db):
    admin.get(TEAMS)
    _post(admin, f"{TEAMS}/{people['sales'].id}/members/{people['liisa'].id}/remove", status=404)
    assert _team_members(db, people["alpha"]) == 1


def _team_routes(team_id, user_id):
    base = f"/admin/teams/{team_id}"
    return [
        ("get", base),
        ("post", base),
        ("get", base + "/delete"),
        ("post", base + "/delete"),
        ("post", base + "/members"),
        ("post", f"{base}/members/{user_id}/remove"),
    ]


@pytest.mark.parametrize("index", range(6))
def test_another_tenants_team_is_not_found_through_this_tenant(admin, people, db, index):
    """Tenant B's team id under tenant A's URL: 404, and B's team is untouched."""
    bea = people["bea"]
    with all_tenants(db):
        db.add(TeamMember(tenant_id=people["beta"].id, team_id=people["beta_team"].id, user=bea))
        db.flush()
    method, path = _team_routes(people["beta_team"].id, bea.id)[index]
    admin.get(TEAMS)
    data = {"name": "Hijacked", "user_id": people["anna"].id}
    page = (
        _post(admin, "/t/alpha" + path, status=404, **data)
        if method == "post"
        else admin.get("/t/alpha" + path, status=404)
    )
    assert "Beta-tiimi" not in page.text
    assert _teams(db, people["beta"]) == {"Beta-tiimi": [bea.id]}


@pytest.mark.parametrize("index", [*range(6), 6, 7])
def test_a_member_of_another_tenant_gets_404(admin, people, db, index):
    routes = [("get", "/admin/teams"), ("post", "/admin/teams")]
    routes = _team_routes(people["beta_team"].id, people["bea"].id) + routes
    method, path = routes[index]
    admin.get(TEAMS)
    data = {"name": "Hijacked", "user_id": people["anna"].id}
    page = (
        _post(admin, "/t/beta" + path, status=404, **data)
        if method == "post"
        else admin.get("/t/beta" + path, status=404)
    )
    assert "Beta-tiimi" not in page.text and "Bea Beta" not in page.text
    assert _teams(db, people["beta"]) == {"Beta-tiimi": []}


@pytest.mark.parametrize("index", [*range(6), 6, 7])
def test_a_member_gets_403(webapp, people, login, db, index):
    login(webapp, "mikko@alpha.example")
    routes = [("get", "/admin/teams"), ("post", "/admin/teams")]
    routes = _team_routes(people["sales"].id, people["mikko"].id) + routes
    method, path = routes[index]
    webapp.get("/t/alpha/")
    data = {"name": "Hijacked", "user_id": people["liisa"].id}
    if method == "post":
        _post(webapp, "/t/alpha" + path, status=403, **data)
    else:
        webapp.get("/t/alpha" + path, status=403)
    assert _teams(db, people["alpha"]) == {"Myynti": [people["mikko"].id]}


@pytest.mark.parametrize("path", [TEAMS, f"{TEAMS}/1", f"{TEAMS}/1/delete"])
def test_anonymous_is_sent_to_log_in(webapp, people, path):
    assert "/login" in webapp.get(path, status=303).location


def test_a_user_row_outside_the_tenant_is_untouched(admin, people, db):
    """Deleting a team removes no user, in any tenant."""
    users = db.scalar(select(func.count()).select_from(User))
    admin.get(f"{TEAMS}/{people['sales'].id}/delete").forms["team-delete-form"].submit()
    assert db.scalar(select(func.count()).select_from(User)) == users
