"""Pages of accounts that run themselves: the forgotten password, the links from emails that set
a password (invitation, reset), and the invitation form of the admin and the managers."""
from typing import Optional

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app import permissions
from app.database import get_session
from app.web.forms import form_status, submit
from app.web.pages import Result, query

bp = Blueprint("accounts", __name__)

# Each link's page: the purpose the API knows it by, its mutation, and what it says when done.
LINKS = {
    "invitation": ("INVITATION", "AcceptInvitation"),
    "reset": ("PASSWORD_RESET", "ResetPassword"),
}


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    result = None
    if request.method == "POST":
        result = submit(
            "RequestPasswordReset",
            {"email": request.form.get("email", "")},
            # The same answer whether the address is a member's or not.
            done=gettext("If a member signs in with this address, a link to choose a new password "
                         "is on its way to it. It works once, for one hour."),
            then=url_for("auth.login"),
        )
    return render_template(
        "auth/forgot_password.html", result=result, email=request.form.get("email", "")
    ), form_status(result)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _password_link_page("invitation", token)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _password_link_page("reset", token)


def _password_link_page(kind: str, token: str):
    purpose, operation = LINKS[kind]
    result = None
    if request.method == "POST":
        result = _set_password(operation, token)
    link = query("PasswordLink", token=token, purpose=purpose)["passwordLink"]
    status = form_status(result) if link else 404
    return render_template("auth/set_password.html", kind=kind, link=link, result=result), status


def _set_password(operation: str, token: str) -> Result:
    password = request.form.get("password", "")
    if password != request.form.get("password_confirm", ""):
        return Result.invalid({"password_confirm": gettext("The two passwords differ.")})
    return submit(
        operation,
        {"token": token, "password": password},
        done=gettext("Your password is saved: you are signed in."),
        then=url_for("core.home"),
    )


@bp.route("/members/invite", methods=["GET", "POST"])
@login_required
def invite():
    if not permissions.can_invite_members(get_session(), current_user):
        abort(403)
    result = None
    if request.method == "POST":
        result = submit(
            "InviteMember",
            {
                "email": request.form.get("email", ""),
                "name": request.form.get("name", ""),
                "role": request.form.get("role", "MEMBER"),
                "language": request.form.get("language", "fr"),
                "organizationId": request.form.get("organization_id") or None,
            },
            done=lambda r: gettext("%(name)s is invited: the email with their link is on its way.", name=r["member"]["name"]),
            then=url_for("accounts.invite"),
        )
    data = query("InviteOptions")
    viewer = data["viewer"]
    is_admin = viewer["role"] == "ADMIN"
    organizations = [o for o in data["organizations"] if is_admin or _manages(o, viewer)]
    return render_template(
        "auth/invite.html", result=result, form=request.form, organizations=organizations, is_admin=is_admin,
        chosen_organization=request.form.get("organization_id") or request.args.get("organization") or _only(organizations),
    ), form_status(result)


def _manages(organization: dict, viewer: dict) -> bool:
    return bool(organization["manager"]) and organization["manager"]["id"] == viewer["id"]


def _only(organizations: list[dict]) -> Optional[str]:
    return organizations[0]["id"] if len(organizations) == 1 else None
