"""The privacy page, and a member's download of what the hub holds about them."""
import json

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app import permissions
from app.hub import hub_today
from app.privacy import services
from app.web.forms import form_status, submit
from app.web.pages import query

bp = Blueprint("privacy", __name__)


@bp.route("/privacy")
def privacy():
    return render_template("privacy/privacy.html")


def _filename(extension: str) -> str:
    """Dated as the member's day is (the hub's time zone), not the server's."""
    return f"alveole-mes-donnees-{hub_today().isoformat()}.{extension}"


@bp.route("/account/my-data.json")
@login_required
def my_data_json():
    data = query("MyPersonalData")["myPersonalData"]
    return Response(json.dumps(data, ensure_ascii=False, indent=2, default=str), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("json")}"',
                             "Cache-Control": "no-store"})


@bp.route("/account/my-data.zip")
@login_required
def my_data_csv():
    data = query("MyPersonalData")["myPersonalData"]
    return Response(services.personal_data_csv(data), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("zip")}"',
                             "Cache-Control": "no-store"})


@bp.route("/admin/members/<member_id>/anonymize", methods=["GET", "POST"])
@login_required
def anonymize(member_id: str):
    """The admin anonymises a member who leaves: a page that says what it does, and asks to
    confirm, before the mutation runs."""
    if not permissions.is_admin(current_user):
        abort(403)
    result = None
    if request.method == "POST":
        result = submit("AnonymizeMember", {"memberId": member_id}, done=gettext("The member is anonymised."),
                        then=url_for("auth.admin_members"))
    member = query("MemberToAnonymize", id=member_id)["node"]
    if member is None:
        abort(404)
    return render_template("privacy/anonymize.html", member=member, result=result), form_status(result)
