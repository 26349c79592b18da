"""One booking's page: where a notice about it leads, for its booker and the resource's
managers (anyone else reads it as not found), with the actions each may take now."""
from flask import abort, render_template
from flask_login import login_required

from app.catalog.views.common import bp
from app.web.pages import query


@bp.route("/bookings/<booking_id>")
@login_required
def booking_page(booking_id: str):
    data = query("BookingDetail", id=booking_id)
    booking = data["node"]
    if not booking or "status" not in booking:
        abort(404)
    return render_template("catalog/booking.html", b=booking, is_booker=booking["booker"]["id"] == data["viewer"]["id"])
