"""Pages: sign in, sign out, my profile and API tokens, the admin's members page."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.web.pages import Result, mutate, query, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("core.home"))
    result = None
    if request.method == "POST":
        result = mutate(
            "Login",
            {"email": request.form.get("email", ""), "password": request.form.get("password", "")},
        )
        if result.ok:
            return redirect(safe_next(request.args.get("next"), "core.home"))
    return render_template("auth/login.html", result=result, email=request.form.get("email", "")), (
        401 if result and not result.ok else 200
    )


@bp.route("/logout", methods=["POST"])
def logout():
    mutate("Logout")
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    result = new_token = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "update":
            result = mutate(
                "UpdateProfile",
                {"name": request.form.get("name", ""), "language": request.form.get("language", "fr")},
            )
            if result.ok:
                flash(gettext("Your profile is saved."), "success")
                return redirect(url_for("auth.profile"))
        elif action == "create-token":
            result = mutate("CreateApiToken", {"name": request.form.get("token_name", "")})
            new_token = result.payload.get("token")
        elif action == "revoke-token":
            result = mutate("RevokeApiToken", {"tokenId": request.form.get("token_id", "")})
            if result.ok:
                flash(gettext("The token is revoked."), "success")
                return redirect(url_for("auth.profile"))
        else:
            abort(400)
    data = query("Profile")
    return render_template(
        "auth/profile.html", viewer=data["viewer"], tokens=data["apiTokens"], result=result, new_token=new_token
    )


@bp.route("/admin/members", methods=["GET", "POST"])
@login_required
def admin_members():
    if current_user.role.value != "ADMIN":
        abort(403)
    member_result = organization_result = None
    if request.method == "POST":
        form = request.form
        if form.get("action") == "create-member":
            member_result = mutate(
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
            )
            if member_result.ok:
                flash(gettext("%(name)s can now sign in.", name=member_result["member"]["name"]), "success")
                return redirect(url_for("auth.admin_members"))
        elif form.get("action") == "create-organization":
            organization_result = mutate(
                "CreateOrganization",
                {
                    "name": form.get("org_name", ""),
                    "kind": form.get("kind", "FIRM"),
                    "siret": form.get("siret") or None,
                    "town": form.get("town") or None,
                    "creditLimit": form.get("org_credit_limit") or None,
                },
            )
            if organization_result.ok:
                flash(gettext("Organisation %(name)s added.", name=organization_result["organization"]["name"]), "success")
                return redirect(url_for("auth.admin_members"))
        elif form.get("action") == "update-member":
            member_result = _update_member(form)
            if member_result.ok:
                flash(gettext("Changes saved."), "success")
                return redirect(url_for("auth.admin_members", q=request.args.get("q") or None))
        else:
            abort(400)
    search = request.args.get("q") or None
    data = query("AdminDirectory", search=search, first=50, after=request.args.get("after") or None)
    status = 200 if not ((member_result and not member_result.ok) or (organization_result and not organization_result.ok)) else 400
    return render_template(
        "admin/members.html",
        members=data["members"],
        organizations=data["organizations"],
        member_result=member_result,
        organization_result=organization_result,
        form=request.form,
        search=search or "",
        current_member_id=query("Viewer")["viewer"]["id"],
    ), status


def _update_member(form):
    """One row of the members table: its role and status, each changed only if it differs."""
    result = None
    if form.get("role") != form.get("old_role"):
        result = mutate("SetMemberRole", {"memberId": form.get("member_id", ""), "role": form.get("role")})
        if not result.ok:
            return result
    if form.get("status") != form.get("old_status"):
        result = mutate("SetMemberStatus", {"memberId": form.get("member_id", ""), "status": form.get("status")})
    return result or Result({"errors": []})
