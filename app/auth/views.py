"""Pages: sign in, sign out, my profile and API tokens, the admin's members page."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app import permissions
from app.web.forms import form_status, submit
from app.web.pages import Result, mutate, query, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("core.home"))
    result = None
    if request.method == "POST":
        result = submit(
            "Login",
            {"email": request.form.get("email", ""), "password": request.form.get("password", "")},
            done=None,
            then=safe_next(request.args.get("next"), "core.home"),
        )
    # A refused sign-in is a 401, not the 400 of other forms.
    status = 401 if form_status(result) == 400 else 200
    return render_template("auth/login.html", result=result, email=request.form.get("email", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    submit("Logout", None, done=gettext("You are signed out."), then=url_for("auth.login"))
    return redirect(url_for("auth.login"))


def _change_password(form) -> Result:
    if form.get("newPassword", "") != form.get("new_password_confirm", ""):
        return Result.invalid({"new_password_confirm": gettext("The two passwords differ.")})
    return submit(
        "ChangePassword",
        {"currentPassword": form.get("currentPassword", ""), "newPassword": form.get("newPassword", "")},
        done=gettext("Your new password is saved. Your other sessions have ended."),
        then=url_for("auth.profile"),
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    result = new_token = password_result = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "change-password":
            password_result = _change_password(request.form)
        elif action == "update":
            result = submit(
                "UpdateProfile",
                {"name": request.form.get("name", ""), "language": request.form.get("language", "fr")},
                done=gettext("Your profile is saved."),
                then=url_for("auth.profile"),
            )
        elif action == "create-token":
            # No redirect: the secret is shown once, on this page.
            result = mutate("CreateApiToken", {"name": request.form.get("token_name", "")})
            new_token = result.payload.get("token")
        elif action == "revoke-token":
            result = submit(
                "RevokeApiToken",
                {"tokenId": request.form.get("token_id", "")},
                done=gettext("The token is revoked."),
                then=url_for("auth.profile"),
            )
        else:
            abort(400)
    data = query("Profile")
    return render_template(
        "auth/profile.html", viewer=data["viewer"], tokens=data["apiTokens"], result=result, new_token=new_token,
        password_result=password_result,
    ), form_status(result, password_result)


# The API's fields that the add-member form's inputs name otherwise.
_CREATE_MEMBER_INPUTS = {"creditLimit": "credit_limit", "organizationName": "organization_name"}


def _create_member(form):
    return submit(
        "CreateMember",
        {
            "email": form.get("email", ""),
            "name": form.get("name", ""),
            "password": form.get("password", ""),
            "role": form.get("role", "MEMBER"),
            "language": form.get("language", "fr"),
            "organizationName": form.get("organization_name") or None,
            "creditLimit": form.get("credit_limit") or None,
        },
        done=lambda result: gettext("%(name)s can now sign in.", name=result["member"]["name"]),
        then=url_for("auth.admin_members"),
    ).for_inputs(_CREATE_MEMBER_INPUTS)


def _update_member(form):
    """One row of the members table: one mutation, one commit, for its role and its status,
    each sent only if the admin changed it on the form."""
    changed = {
        key: form.get(key) for key in ("role", "status") if form.get(key) != form.get(f"old_{key}")
    }
    return submit(
        "UpdateMember",
        {"memberId": form.get("member_id", ""), **changed},
        done=gettext("Changes saved."),
        then=url_for("auth.admin_members", q=request.args.get("q") or None),
    )


# The admin's forms: action -> (handler, which of the page's results it fills).
_ADMIN_FORMS = {
    "create-member": (_create_member, "member_result"),
    "update-member": (_update_member, "update_result"),
}


@bp.route("/admin/members", methods=["GET", "POST"])
@login_required
def admin_members():
    if not permissions.is_admin(current_user):
        abort(403)
    results = {"member_result": None, "update_result": None}
    if request.method == "POST":
        handler, slot = _ADMIN_FORMS.get(request.form.get("action"), (None, None))
        if handler is None:
            abort(400)
        results[slot] = handler(request.form)
    search = request.args.get("q") or None
    data = query("AdminDirectory", search=search, first=50, after=request.args.get("after") or None)
    return render_template(
        "admin/members.html",
        members=data["members"],
        organizations=data["organizations"],
        form=request.form,
        search=search or "",
        current_member_id=query("Viewer")["viewer"]["id"],
        **results,
    ), form_status(*results.values())
