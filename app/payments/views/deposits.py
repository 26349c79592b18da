"""A booking's deposit: what is held, why and until when; the borrower secures it on their
card, the owner releases or claims it, the treasurer captures a claim."""
from flask import abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from app.payments.views.cards import card_or_receipt
from app.payments.views.common import bp
from app.web.forms import form_status, submit
from app.web.pages import query


@bp.route("/bookings/<booking_id>/deposit", methods=["GET", "POST"])
@login_required
def deposit(booking_id: str):
    result = None
    here = url_for("payments.deposit", booking_id=booking_id)
    if request.method == "POST":
        action = request.form.get("action")
        if action == "authorize":
            result = submit("AuthorizeDeposit", {"bookingId": booking_id}, done=None, then=card_or_receipt)
        elif action == "release":
            result = submit("ReleaseDeposit", {"bookingId": booking_id}, done=gettext("The deposit is released."), then=here)
        elif action == "claim":
            result = submit("ClaimDeposit", {
                "bookingId": booking_id, "amount": request.form.get("amount", "").strip(), "reason": request.form.get("reason", ""),
            }, done=gettext("Your claim is sent to the treasurer."), then=here)
        elif action == "capture":
            result = submit("CaptureDeposit", {
                "bookingId": booking_id, "amount": request.form.get("amount", "").strip() or None,
            }, done=gettext("The deposit is captured for the owner."), then=here)
        else:
            abort(400)
    data = query("BookingDeposit", id=booking_id)
    if data["node"] is None:
        abort(404)
    return render_template(
        "payments/deposit.html", data=data, booking=data["node"], result=result, form=request.form,
    ), form_status(result)
