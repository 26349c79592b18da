"""The member's bookings and the owner's desk: the lists, the actions on a booking, the
waitlist, the photos of damage found at a return, and the private calendar feeds."""
import base64

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.api.relay import decode_id
from app.catalog import ical, queries
from app.catalog.views.common import bp
from app.database import get_session
from app.errors import N_
from app.web.forms import submit
from app.web.pages import Result, query, safe_next


def _flash_errors(result: Result) -> None:
    for error in result.errors:
        flash(error["message"], "error")


@bp.route("/bookings")
@login_required
def my_bookings():
    scope = "PAST" if request.args.get("scope") == "past" else "UPCOMING"
    data = query("MyBookings", scope=scope, first=50, after=request.args.get("after") or None)
    return render_template("catalog/my_bookings.html", page=data["myBookings"], scope=scope,
                           feed_url=data["myCalendarFeedUrl"], waitlist=data["myWaitlist"])


def _return_input(form) -> dict:
    """The return form: its note, and the damage found with its photos (sent as files)."""
    photos = [base64.b64encode(f.read()).decode("ascii") for f in request.files.getlist("photos") if f and f.filename]
    return {
        "conditionNote": form.get("note", ""), "damageReported": form.get("damage") == "on", "photos": photos,
        "closeForRepair": form.get("repair") == "on",
    }


# action in the URL -> (operation, the input beyond bookingId, what the member is told)
ACTIONS = {
    "cancel": ("CancelBooking", lambda f: {"reason": f.get("reason", "")}, N_("The booking is cancelled.")),
    "approve": ("ApproveBooking", lambda f: {}, N_("The booking is confirmed.")),
    "reject": ("RejectBooking", lambda f: {"reason": f.get("reason", "")}, N_("The request is turned down.")),
    "complete": ("CompleteBooking", lambda f: {}, N_("The booking is completed and paid.")),
    "no-show": ("MarkNoShow", lambda f: {}, N_("The booking is marked as a no-show.")),
    "check-out": ("CheckOutBooking", lambda f: {"conditionNote": f.get("note", "")}, N_("The resource is handed over.")),
    "cancel-series": ("CancelBookingSeries", lambda f: {}, N_("This date and the following ones are cancelled.")),
    "return": ("ReturnBooking", _return_input, N_("The return is recorded.")),
}


def _done(action: str, message: str):
    """What the member is told; a return that closed the resource for repair says so."""
    if action != "return":
        return gettext(message)
    return lambda result: gettext(message) + (
        " " + gettext("The resource is closed for repair: make it available again from its page once repaired.")
        if request.form.get("repair") == "on" and result["booking"]["resource"]["status"] == "MAINTENANCE" else ""
    )


@bp.route("/bookings/<booking_id>/<action>", methods=["POST"])
@login_required
def booking_action(booking_id: str, action: str):
    if action not in ACTIONS:
        abort(404)
    operation, extra, done = ACTIONS[action]
    target = safe_next(request.form.get("next", ""), "catalog.my_bookings")
    _flash_errors(submit(operation, {"bookingId": booking_id, **extra(request.form)}, done=_done(action, done), then=target))
    return redirect(target)


@bp.route("/bookings/manage")
@login_required
def manage_bookings():
    data = query("ManagedBookings", first=50)
    return render_template("catalog/manage.html", data=data)


@bp.route("/waitlist/<entry_id>/leave", methods=["POST"])
@login_required
def leave_waitlist(entry_id: str):
    target = url_for("catalog.my_bookings")
    result = submit("LeaveWaitlist", {"entryId": entry_id}, done=gettext("You left the waitlist."), then=target)
    flash(result.errors[0]["message"], "error")
    return redirect(target)


@bp.route("/bookings/photos/<photo_id>.jpg")
@login_required
def booking_photo(photo_id: str):
    """A photo of damage, for whoever may see its booking (private: never cached by others)."""
    pk = decode_id(photo_id, "BookingPhoto")
    data = queries.booking_photo_bytes(get_session(), current_user, pk, thumbnail=request.args.get("size") == "thumb") if pk else None
    if data is None:
        abort(404)
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


# --- iCalendar feeds ------------------------------------------------------------------------


@bp.route("/ical/<token>.ics")
def ical_feed(token: str):
    """Read by calendar programs without a session: the token is the secret."""
    session = get_session()
    feed = ical.feed_for_token(session, token)
    if feed is None:
        abort(404)
    body = ical.render(session, feed, current_app.config["HUB_NAME"], request.host)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/calendar-feed", methods=["POST"])
@login_required
def create_feed():
    resource_id = request.form.get("resource_id") or None
    target = url_for("catalog.edit_resource", resource_id=resource_id) if resource_id else url_for("catalog.my_bookings")
    _flash_errors(submit("CreateCalendarFeed", {"resourceId": resource_id}, then=target,
                         done=gettext("Your new private calendar address is below; the previous one no longer works.")))
    return redirect(target)
