"""A tenant admin's users page: add members, change their role, deactivate them.

Memberships are never deleted: deactivating keeps the person's history and lets
an admin bring them back. A user's name and password belong to the person, not
to one tenant, so adding someone who already has an account changes neither.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.admin_forms import ROLE_LABELS, AddMemberForm, EditMemberForm, translate_roles
from core.i18n import _
from core.models import Membership, Role, User
from core.passwords import hash_password
from core.security import CorePermission

ALREADY_MEMBER = _("This person is already a member of this tenant.")
ALREADY_DEACTIVATED = _(
    "This person is a deactivated member of this tenant. Activate them on their own page."
)
PASSWORD_NEEDED = _("This e-mail address is new to Myynti: give an initial password.")
LAST_ADMIN = _("The tenant needs at least one active admin. Make someone else an admin first.")


def tenant_members(request: Any) -> list[Membership]:
    """The tenant's memberships, active or not, by name."""
    return list(
        request.db.scalars(select(Membership).join(Membership.user).order_by(User.name, User.email))
    )


@view_config(
    route_name="tenant_users",
    renderer="core:templates/users.pt",
    permission=CorePermission.USERS_MANAGE,
)
def users(request: Any) -> Any:
    form = AddMemberForm.from_request(request)
    translate_roles(request, form)
    if request.method == "POST":
        if form.validate() and (membership := _add_member(request, form)) is not None:
            request.session.flash(
                request.localizer.translate(
                    _("${name} added.", mapping={"name": membership.user.display_name})
                )
            )
            return HTTPSeeOther(request.route_url("tenant_users"))
        request.response.status_int = 400
    return {"form": form, "members": tenant_members(request), "role_labels": ROLE_LABELS}


def _add_member(request: Any, form: AddMemberForm) -> Membership | None:
    """The new membership, or None with the reason put on the form's fields."""
    email = form.email.data
    user = request.db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is not None:
        existing = request.db.scalar(select(Membership).where(Membership.user_id == user.id))
        if existing is not None:
            form.email.errors.append(ALREADY_MEMBER if existing.active else ALREADY_DEACTIVATED)
            return None
    elif not form.password.data:
        form.password.errors.append(PASSWORD_NEEDED)
        return None
    try:
        with request.db.begin_nested():
            if user is None:
                user = User(
                    email=email,
                    name=form.name.data,
                    password_hash=hash_password(form.password.data),
                )
                request.db.add(user)
                request.db.flush()
            membership = Membership(tenant_id=request.tenant.id, user=user, role=form.role.data)
            request.db.add(membership)
    except IntegrityError:
        # The same person was added by a concurrent request after the checks above.
        form.email.errors.append(ALREADY_MEMBER)
        return None
    return membership


def _membership(request: Any) -> Membership:
    """The membership of the URL's user in this tenant; the session's tenant filter
    makes another tenant's membership invisible, hence a 404."""
    membership = request.db.scalar(
        select(Membership).where(Membership.user_id == int(request.matchdict["user_id"]))
    )
    if membership is None:
        raise HTTPNotFound()
    return membership


@view_config(
    route_name="tenant_user",
    renderer="core:templates/user.pt",
    permission=CorePermission.USERS_MANAGE,
)
def user(request: Any) -> Any:
    membership = _membership(request)
    form = EditMemberForm.from_request(request, obj=membership)
    translate_roles(request, form)
    if request.method != "POST":
        return {"form": form, "membership": membership}
    if not form.validate():
        request.response.status_int = 400
    elif not form.stale(request, membership):
        if _keeps_an_admin(request, membership, form):
            membership.role = form.role.data
            membership.active = form.active.data
            form.saved(membership)
            request.session.flash(
                request.localizer.translate(
                    _("Changes saved: ${name}.", mapping={"name": membership.user.display_name})
                )
            )
            return HTTPSeeOther(_after_edit(request, membership))
        request.response.status_int = 400
    return {"form": form, "membership": membership}


def _keeps_an_admin(request: Any, membership: Membership, form: EditMemberForm) -> bool:
    """False, with the reason on the form, when the change leaves no active admin.

    All active admin rows are locked (in id order, so two requests cannot
    deadlock): two admins demoting each other at once then see each other's
    change, and the second is refused.
    """
    demoted = form.role.data != Role.ADMIN
    deactivated = not form.active.data
    if membership.role != Role.ADMIN or not membership.active or not (demoted or deactivated):
        return True
    admins = request.db.scalars(
        select(Membership.id)
        .join(Membership.user)
        .where(Membership.role == Role.ADMIN, Membership.active, User.active)
        .order_by(Membership.id)
        .with_for_update(of=Membership)
    ).all()
    if any(admin_id != membership.id for admin_id in admins):
        return True
    (form.role if demoted else form.active).errors.append(LAST_ADMIN)
    return False


def _after_edit(request: Any, membership: Membership) -> str:
    """Back to the list, unless admins just took away their own access to it."""
    if membership.user_id == request.user.id and not (
        membership.active and membership.role == Role.ADMIN
    ):
        return request.route_url("home")
    return request.route_url("tenant_users")
