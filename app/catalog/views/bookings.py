"""The member's bookings and the owner's desk: the lists, the actions on a booking, the
waitlist, and the private calendar feeds."""
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from app.catalog import ical
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


# action in the URL -> (operation, the input beyond bookingId, what the member is told)
ACTIONS = {
    "cancel": ("CancelBooking", lambda f: {"reason": f.get("reason", "")}, N_("The booking is cancelled.")),
    "approve": ("ApproveBooking", lambda f: {}, N_("The booking is confirmed.")),
    "reject": ("RejectBooking", lambda f: {"reason": f.get("reason", "")}, N_("The request is turned down.")),
    "complete": ("CompleteBooking", lambda f: {}, N_("The booking is completed and paid.")),
    "no-show": ("MarkNoShow", lambda f: {}, N_("The booking is marked as a no-show.")),
    "check-out": ("CheckOutBooking", lambda f: {"conditionNote": f.get("note", "")}, N_("The resource is handed over.")),
    "cancel-series": ("CancelBookingSeries", lambda f: {}, N_("This date and the following ones are cancelled.")),
    "return": ("ReturnBooking", lambda f: {"conditionNote": f.get("note", ""), "damageReported": f.get("damage") == "on"},
               N_("The return is recorded.")),
}


@bp.route("/bookings/<booking_id>/<action>", methods=["POST"])
@login_required
def booking_action(booking_id: str, action: str):
    if action not in ACTIONS:
        abort(404)
    operation, extra, done = ACTIONS[action]
    target = safe_next(request.form.get("next", ""), "catalog.my_bookings")
    _flash_errors(submit(operation, {"bookingId": booking_id, **extra(request.form)}, done=gettext(done), then=target))
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
