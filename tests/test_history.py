"""The record history: writing events, the timeline panel, comments, paging, kinds, isolation."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.db import set_tenant
from core.history import CHANGED, COMMENT, changes, record_event, timeline
from core.models import Event


def _comment_form(page):
    return next(f for f in page.forms.values() if f.action.endswith("/comments"))


def _events(db, tenant, kind=None):
    set_tenant(db, tenant.id)
    query = select(func.count()).select_from(Event)
    if kind:
        query = query.where(Event.kind == kind)
    return db.scalar(query)


def test_record_page_shows_timeline_newest_first(records_app, two_tenants, db, login):
    a = two_tenants["alpha"]
    set_tenant(db, a["tenant"].id)
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    record_event(db, "team", a["team"].id, COMMENT, {"text": "first note"}, at=start)
    record_event(
        db, "team", a["team"].id, COMMENT, {"text": "second note"}, at=start + timedelta(hours=1)
    )
    db.flush()
    login(records_app, "user@alpha.example")
    page = records_app.get(f"/t/alpha/records/{a['team'].id}")
    timeline_html = page.html.select_one("[data-panel=core-timeline]")
    texts = [p.get_text() for p in timeline_html.select(".event-text")]
    assert texts == ["second note", "first note"]
    assert "1.11.2026" in timeline_html.get_text()


def test_comment_is_added_to_history(records_app, two_tenants, db, login):
    a = two_tenants["alpha"]
    login(records_app, "user@alpha.example")
    page = records_app.get(f"/t/alpha/records/{a['team'].id}")
    form = _comment_form(page)
    form["text"] = "<script>alert(1)</script> Soitettu asiakkaalle"
    result = form.submit().follow()
    assert "Soitettu asiakkaalle" in result.text
    assert "<script>alert(1)</script>" not in result.text
    assert "&lt;script&gt;" in result.text
    set_tenant(db, a["tenant"].id)
    event = db.scalar(select(Event).where(Event.kind == COMMENT))
    assert event.actor_label == "User" and event.record_id == a["team"].id


def test_empty_or_huge_comment_is_refused_and_nothing_written(records_app, two_tenants, db, login):
    a = two_tenants["alpha"]
    login(records_app, "user@alpha.example")
    url = f"/t/alpha/history/team/{a['team'].id}"
    for text in ("", "x" * 10_001):
        form = _comment_form(records_app.get(url))
        form["text"] = text
        result = form.submit(status=400)
        assert result.html.select_one(".comment-form .error") is not None
        assert (
            result.html.select_one(".comment-form textarea").get_text().removeprefix("\r\n") == text
        )
    assert _events(db, a["tenant"], COMMENT) == 0


def test_timeline_pages_through_many_events(records_app, two_tenants, db, login):
    a = two_tenants["alpha"]
    set_tenant(db, a["tenant"].id)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(60):
        record_event(
            db,
            "team",
            a["team"].id,
            COMMENT,
            {"text": f"note {i}"},
            at=start + timedelta(minutes=i),
        )
    db.flush()
    login(records_app, "user@alpha.example")
    seen = []
    page = records_app.get(f"/t/alpha/history/team/{a['team'].id}")
    while True:
        seen += [p.get_text() for p in page.html.select(".event-text")]
        older = page.html.select_one("a.older")
        if older is None:
            break
        page = records_app.get(older["href"])
    assert seen == [f"note {i}" for i in reversed(range(60))]


def test_timeline_filters_by_kind_and_hides_kinds_of_disabled_plugins(db, two_tenants):
    a = two_tenants["alpha"]
    set_tenant(db, a["tenant"].id)
    record_event(db, "team", a["team"].id, COMMENT, {"text": "c"})
    record_event(db, "team", a["team"].id, "stage_changed", {"text": "s"})
    record_event(db, "team", a["team"].id, "unknown_plugin_kind", {"text": "u"})
    db.flush()
    page = timeline(db, "team", a["team"].id, [COMMENT, "stage_changed"])
    assert {e.kind for e in page.events} == {COMMENT, "stage_changed"}
    page = timeline(db, "team", a["team"].id, ["stage_changed"])
    assert [e.kind for e in page.events] == ["stage_changed"]


def test_kind_filter_in_the_page(records_app, two_tenants, db, login):
    a = two_tenants["alpha"]
    set_tenant(db, a["tenant"].id)
    record_event(db, "team", a["team"].id, COMMENT, {"text": "a comment"})
    record_event(db, "team", a["team"].id, "stage_changed", {"text": "moved on"})
    record_event(db, "team", a["team"].id, "from_a_disabled_plugin", {"text": "piilotettu"})
    db.flush()
    login(records_app, "user@alpha.example")
    url = f"/t/alpha/history/team/{a['team'].id}"
    everything = records_app.get(url).text
    assert "a comment" in everything and "moved on" in everything
    assert "piilotettu" not in everything
    only = records_app.get(url, {"kind": "stage_changed"}).text
    assert "moved on" in only and "a comment" not in only


def test_changed_payload_lists_old_and_new():
    assert changes({"name": "Old", "phone": "1"}, {"name": "New", "phone": "1"}) == {
        "name": ["Old", "New"]
    }


def test_history_of_another_tenant_is_404(records_app, two_tenants, db, login):
    a, b = two_tenants["alpha"], two_tenants["beta"]
    set_tenant(db, b["tenant"].id)
    record_event(db, "team", b["team"].id, COMMENT, {"text": "beta secret"})
    db.flush()
    login(records_app, "user@alpha.example")
    # B's record id under A's tenant: the tenant filter does not find it.
    assert (
        "beta secret"
        not in records_app.get(f"/t/alpha/history/team/{b['team'].id}", status=404).text
    )
    # B's URL: not a member.
    records_app.get(f"/t/beta/history/team/{b['team'].id}", status=404)
    page = records_app.get(f"/t/alpha/history/team/{a['team'].id}")
    form = _comment_form(page)
    records_app.post(
        f"/t/alpha/history/team/{b['team'].id}/comments",
        {"text": "sneaky", "csrf_token": form["csrf_token"].value},
        status=404,
    )
    records_app.post(
        f"/t/beta/history/team/{b['team'].id}/comments",
        {"text": "sneaky", "csrf_token": form["csrf_token"].value},
        status=404,
    )
    assert _events(db, b["tenant"], COMMENT) == 1
    assert _events(db, a["tenant"], COMMENT) == 0


def test_unknown_entity_is_404(records_app, two_tenants, login):
    login(records_app, "user@alpha.example")
    records_app.get(f"/t/alpha/history/nosuch/{two_tenants['alpha']['team'].id}", status=404)


def test_events_are_not_editable_through_any_route(records_wsgi):
    from pyramid.interfaces import IRoutesMapper

    routes = records_wsgi.registry.getUtility(IRoutesMapper).get_routes()
    history_routes = [r.pattern for r in routes if "history" in r.pattern]
    assert all(not any(w in p for w in ("edit", "delete")) for p in history_routes)


def test_changed_event_shows_old_and_new(records_app, two_tenants, db, login):
    a = two_tenants["alpha"]
    set_tenant(db, a["tenant"].id)
    record_event(db, "team", a["team"].id, CHANGED, {"changes": {"name": ["Vanha", "Uusi"]}})
    db.flush()
    login(records_app, "user@alpha.example")
    text = (
        records_app.get(f"/t/alpha/history/team/{a['team'].id}")
        .html.select_one(".changes")
        .get_text()
    )
    assert "Vanha → Uusi" in text
