from core.models import Role


def test_login_and_dashboard(webapp, make_tenant, make_user, login):
    tenant = make_tenant("acme", "Acme Oy")
    make_user("anna@example.com", tenant=tenant, role=Role.ADMIN)
    login(webapp, "anna@example.com")
    page = webapp.get("/t/acme/")
    assert "Acme Oy" in page.text
