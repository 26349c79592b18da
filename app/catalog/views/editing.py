"""The owner's pages of their resources: the list, offering one, and editing one (its fields,
status, closures and photos)."""
import base64
import datetime as dt

from flask import abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from app.catalog.views.common import bp, to_iso
from app.catalog.views.resource_form import WEEKDAYS, form_values, resource_input
from app.errors import N_
from app.hub import hub_zone
from app.web.forms import form_status, submit
from app.web.pages import query

MAX_PHOTO_BYTES = 5 * 1024 * 1024


@bp.route("/catalogue/mine")
@login_required
def my_resources():
    data = query("MyResources", first=100)
    return render_template("catalog/my_resources.html", page=data["myResources"])


@bp.route("/catalogue/new", methods=["GET", "POST"])
@login_required
def new_resource():
    result = None
    form = {"kind": request.args.get("kind", "TOOL"), "price_unit": "DAY", "capacity": 1}
    if request.method == "POST":
        form = request.form.to_dict()
        result = submit(
            "CreateResource", {**resource_input(request.form), "kind": form.get("kind", "TOOL")},
            done=gettext("The resource is in the catalogue."),
            then=lambda done: url_for("catalog.resource_page", resource_id=done["resource"]["id"]),
        )
    return render_template("catalog/resource_form.html", form=form, result=result, resource=None,
                           weekdays=WEEKDAYS), form_status(result)


def _photo_input(resource_id: str) -> dict:
    upload = request.files.get("photo")
    raw = upload.read(MAX_PHOTO_BYTES + 1) if upload else b""
    return {"resourceId": resource_id, "data": base64.b64encode(raw).decode()}


# action -> (the form's result it fills, operation, its input, what the member is told)
EDIT_ACTIONS = {
    "update": ("result", "UpdateResource", lambda rid: {"resourceId": rid, **resource_input(request.form)},
               N_("The resource is saved.")),
    "status": ("status_result", "SetResourceStatus", lambda rid: {
        "resourceId": rid, "status": request.form.get("status", ""),
        "futureBookings": request.form.get("future_bookings") or None, "reason": request.form.get("reason", ""),
    }, N_("The status is changed.")),
    "add-closure": ("closure_result", "AddResourceClosure", lambda rid: {
        "resourceId": rid, "start": to_iso(request.form.get("start")) or "", "end": to_iso(request.form.get("end")) or "",
        "kind": request.form.get("kind", "CLOSED"), "reason": request.form.get("reason", ""),
    }, N_("The calendar is closed for this period.")),
    "add-photo": ("photo_result", "AddResourcePhoto", _photo_input, N_("The photo is added.")),
    "remove-photo": ("photo_result", "RemoveResourcePhoto", lambda rid: {"photoId": request.form.get("photo_id", "")}, None),
    "remove-closure": ("closure_result", "RemoveResourceClosure",
                       lambda rid: {"closureId": request.form.get("closure_id", "")}, None),
}


@bp.route("/catalogue/<resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit_resource(resource_id: str):
    now = dt.datetime.now(hub_zone())
    resource = query("ResourceDetail", id=resource_id, **{"from": now.isoformat(), "to": (now + dt.timedelta(days=1)).isoformat()})["resource"]
    if resource is None:
        abort(404)
    if not resource["canManage"]:
        abort(403)
    results = dict.fromkeys(("result", "status_result", "closure_result", "photo_result"))
    form = form_values(resource)
    if request.method == "POST":
        action = request.form.get("action")
        if action not in EDIT_ACTIONS:
            abort(400)
        slot, operation, make_input, done = EDIT_ACTIONS[action]
        then = url_for("catalog.edit_resource", resource_id=resource_id)
        results[slot] = submit(operation, make_input(resource_id), done=gettext(done) if done else None, then=then)
        if action == "update":  # show what was typed, with its errors
            form = {**request.form.to_dict(), "kind": resource["kind"]}
    return render_template(
        "catalog/resource_form.html", form=form, resource=resource, weekdays=WEEKDAYS, **results,
    ), form_status(*results.values())
