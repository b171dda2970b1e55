"""The front page (choose a tenant) and a tenant's dashboard."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from core.security import CorePermission
from core.templating import user_tenants


@view_config(
    route_name="home", renderer="core:templates/home.pt", permission=CorePermission.ACCOUNT_EDIT
)
def home(request: Any) -> Any:
    tenants = user_tenants(request.db, request.user.id)
    wanted = request.GET.get("tenant")
    chosen = [t for t in tenants if t.slug == wanted] if wanted else []
    if len(tenants) == 1 and not wanted:
        chosen = tenants
    if chosen:
        return HTTPSeeOther(request.route_url("dashboard", tenant=chosen[0].slug))
    return {"tenants": tenants}


@view_config(
    route_name="dashboard",
    renderer="core:templates/dashboard.pt",
    kept_page=True,
    permission=CorePermission.DASHBOARD_VIEW,
)
def dashboard(request: Any) -> dict[str, Any]:
    return {}
