"""Pages: an organisation (profile, members and their rights, account and limit history, the
members' recent activity), the admin's list of organisations, and the notice a member without
the right to spend sees where they would spend."""
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app import permissions
from app.api.relay import decode_id
from app.web.forms import form_status, submit
from app.web.pages import Result, query

bp = Blueprint("organizations", __name__)

RIGHTS = ("can_book", "can_pay", "can_handle_invoices", "can_list_resources", "can_provide_skills")
ACTIVITY = 30


@bp.app_context_processor
def inject_spending_rights():
    """`spending_rights()` in every template: the viewer's organisation and rights, read once
    per request, for the notice where a member would spend (templates/organizations/_notice.html)."""
    return {"spending_rights": _spending_rights}


def _spending_rights():
    if not current_user.is_authenticated:
        return None
    if "spending_rights" not in g:
        g.spending_rights = query("SpendingRights")["viewer"]
    return g.spending_rights


# --- An organisation --------------------------------------------------------------------------


@bp.route("/organization")
@login_required
def mine():
    organization = (_spending_rights() or {}).get("organization")
    if organization is None:
        abort(404)
    return redirect(url_for("organizations.page", organization_id=organization["id"]))


@bp.route("/organizations/<organization_id>", methods=["GET", "POST"])
@login_required
def page(organization_id: str):
    if decode_id(organization_id, "Organization") is None:
        abort(404)
    results = {"rights": None, "manager": None, "profile": None}
    if request.method == "POST":
        action = request.form.get("action")
        if action not in _ACTIONS:
            abort(400)
        results[action] = _ACTIONS[action](organization_id, request.form)
    data = query("OrganizationPage", id=organization_id, first=ACTIVITY)
    organization = data["node"]
    if organization is None or "members" not in organization:
        abort(404)
    return render_template(
        "organizations/organization.html", organization=organization, viewer=data["viewer"], form=request.form,
        failed_member=request.form.get("member_id") if results["rights"] else None, **results,
    ), form_status(*results.values())


def _back(organization_id: str, anchor: str = "") -> str:
    return url_for("organizations.page", organization_id=organization_id) + anchor


def _set_rights(organization_id: str, form) -> Result:
    rights = {_camel(name): form.get(name) == "on" for name in RIGHTS}
    return submit(
        "SetMemberRights",
        {
            "memberId": form.get("member_id", ""), **rights,
            "bookingCap": form.get("booking_cap", "").strip() or None,
            "monthlyCap": form.get("monthly_cap", "").strip() or None,
        },
        done=lambda result: gettext("The rights of %(name)s are saved.", name=result["member"]["name"]),
        then=_back(organization_id, "#members"),
    )


def _set_manager(organization_id: str, form) -> Result:
    return submit(
        "SetOrganizationManager",
        {"organizationId": organization_id, "memberId": form.get("member_id", "")},
        done=lambda result: gettext(
            "%(name)s now manages %(organization)s.",
            name=result["organization"]["manager"]["name"], organization=result["organization"]["name"],
        ),
        then=_back(organization_id),
    )


def _update_profile(organization_id: str, form) -> Result:
    return submit(
        "UpdateOrganization",
        {
            "organizationId": organization_id, "name": form.get("name", ""), "kind": form.get("kind", "FIRM"),
            "siret": form.get("siret", ""), "town": form.get("town", ""), "address": form.get("address", ""),
        },
        done=gettext("The organisation's profile is saved."),
        then=_back(organization_id),
    )


_ACTIONS = {"rights": _set_rights, "manager": _set_manager, "profile": _update_profile}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


# --- The admin's list ---------------------------------------------------------------------------


@bp.route("/admin/organizations", methods=["GET", "POST"])
@login_required
def admin_list():
    if not permissions.is_admin(current_user):
        abort(403)
    create_result = status_result = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            create_result = _create(request.form)
        elif action == "status":
            status_result = submit(
                "SetOrganizationStatus",
                {"organizationId": request.form.get("organization_id", ""), "status": request.form.get("status", "")},
                done=_status_changed,
                then=url_for("organizations.admin_list"),
            )
        else:
            abort(400)
    data = query("AdminOrganizations")
    return render_template(
        "organizations/admin.html", organizations=data["organizations"], free_members=data["members"]["nodes"],
        form=request.form, create_result=create_result, status_result=status_result,
        create_errors=_form_errors(create_result), shown=CREATE_FIELDS.values(),
    ), form_status(create_result, status_result)


# An error's field path in CreateOrganization -> the input of the admin's form.
CREATE_FIELDS = {
    ("name",): "name", ("siret",): "siret", ("town",): "town", ("address",): "address",
    ("creditLimit",): "credit_limit", ("managerId",): "manager_id", ("manager", "name"): "manager_name",
    ("manager", "email"): "manager_email", ("manager", "password"): "manager_password",
}


def _form_errors(result) -> dict:
    """The form's inputs with an error, by input name; the other errors stay for the top."""
    if result is None:
        return {}
    found = {}
    for error in result.errors:
        name = CREATE_FIELDS.get(tuple(error.get("field") or ()))
        if name:
            found.setdefault(name, error["message"])
    return found


def _status_changed(result: Result) -> str:
    organization = result["organization"]
    if organization["status"] == "SUSPENDED":
        return gettext("%(name)s is suspended.", name=organization["name"])
    return gettext("%(name)s is active again.", name=organization["name"])


def _create(form) -> Result:
    new_manager = form.get("manager_choice") == "new"
    payload = {
        "name": form.get("name", ""), "kind": form.get("kind", "FIRM"), "siret": form.get("siret") or None,
        "town": form.get("town") or None, "address": form.get("address") or None,
        "creditLimit": form.get("credit_limit") or None,
    }
    if new_manager:
        payload["manager"] = {
            "name": form.get("manager_name", ""), "email": form.get("manager_email", ""),
            "password": form.get("manager_password", ""), "language": form.get("manager_language", "fr"),
        }
    else:
        payload["managerId"] = form.get("manager_id") or None
    return submit(
        "CreateOrganization", payload,
        done=lambda result: gettext(
            "Organisation %(name)s added, managed by %(manager)s.",
            name=result["organization"]["name"], manager=result["organization"]["manager"]["name"],
        ),
        then=lambda result: url_for("organizations.page", organization_id=result["organization"]["id"]),
    )
