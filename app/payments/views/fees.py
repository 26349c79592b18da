"""Membership fees: the organisation's status and renewal date, paying it by card; the admin
sets each fee and the hub's setting; the treasurer records fees paid by bank transfer."""
from flask import abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from app.payments.views.cards import card_or_receipt
from app.payments.views.common import bp
from app.web.forms import form_status, submit
from app.web.pages import query


@bp.route("/membership", methods=["GET", "POST"])
@login_required
def fees():
    result = None
    here = url_for("payments.fees")
    if request.method == "POST":
        action = request.form.get("action")
        organization_id = request.form.get("organization_id", "")
        if action == "pay":
            result = submit("PayMembershipFee", {"organizationId": organization_id}, done=None, then=card_or_receipt)
        elif action == "set":
            result = submit("SetMembershipFee", {
                "organizationId": organization_id, "amount": request.form.get("amount", "").strip(),
            }, done=gettext("The membership fee is set."), then=here)
        elif action == "record":
            result = submit("RecordMembershipFee", {
                "organizationId": organization_id, "reference": request.form.get("reference", ""),
            }, done=gettext("The fee payment is recorded."), then=here)
        elif action == "settings":
            result = submit("UpdatePaymentSettings", {
                "feeOverdueBlocksBookings": request.form.get("blocks") == "on",
                "feeGraceDays": _int(request.form.get("grace_days")),
            }, done=gettext("Settings saved."), then=here)
        else:
            abort(400)
    return render_template("payments/fees.html", data=query("MembershipFees"), result=result, form=request.form), form_status(result)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
