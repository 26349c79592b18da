"""The treasurer's payments: every euro movement with its Stripe id, its ledger entry and its
reconciliation; a CSV for the accountant; recording bank transfers. (The list is the
treasurer's: for anyone else its query answers FORBIDDEN, which the page turns into a 403.)"""
import csv
import datetime as dt
import io
from decimal import Decimal

from flask import Response, abort, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import login_required

from app.hub import hub_zone
from app.payments.views.common import KIND_LABELS, METHOD_LABELS, RECONCILIATION_LABELS, STATUS_LABELS, bp
from app.web.forms import form_status, submit
from app.web.pages import query


def _filters() -> dict:
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    if (status and status not in STATUS_LABELS) or (kind and kind not in KIND_LABELS):
        abort(400)
    return {"status": [status] if status else None, "kind": [kind] if kind else None}


@bp.route("/treasury/payments", methods=["GET", "POST"])
@login_required
def payments():
    result = None
    if request.method == "POST":
        result = submit("RecordBankTransfer", {
            "accountId": request.form.get("account_id", ""),
            "amount": request.form.get("amount", "").strip(),
            "direction": request.form.get("direction", ""),
            "reference": request.form.get("reference", ""),
        }, then=url_for("payments.payments"), done=lambda r: gettext(
            "Bank transfer No. %(number)s recorded.", number=r["payment"]["number"]))
    filters = _filters()
    data = query("Payments", first=50, after=request.args.get("after"), **filters)
    return render_template(
        "payments/payments.html", data=data, result=result, form=request.form,
        status=request.args.get("status", ""), kind=request.args.get("kind", ""),
    ), form_status(result)


@bp.route("/treasury/payments.csv")
@login_required
def payments_csv():
    """Every payment matching the filters, for the accountant: UTF-8 with a BOM, `;` between
    fields and decimal commas for a French reader (as the statements' CSV)."""
    filters = _filters()
    rows, after = [], None
    while True:
        page = query("Payments", first=100, after=after, **filters)["payments"]
        rows += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    french = str(get_locale()).startswith("fr")

    def number(value) -> str:
        if value is None:
            return ""
        text = f"{Decimal(value['amount']):.2f}"
        return text.replace(".", ",") if french else text

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([
        gettext("No."), gettext("Date"), gettext("Type"), gettext("Status"), gettext("Method"), gettext("Account"),
        gettext("Amount (EUR)"), gettext("Refunded (EUR)"), gettext("Credits"), gettext("Stripe id"),
        gettext("Bank reference"), gettext("Ledger entry"), gettext("Reconciliation"),
    ])
    for p in rows:
        when = dt.datetime.fromisoformat(p["createdAt"]).astimezone(hub_zone())
        writer.writerow([
            p["number"], when.strftime("%Y-%m-%d %H:%M"), KIND_LABELS[p["kind"]], STATUS_LABELS[p["status"]],
            METHOD_LABELS[p["method"]], (p["account"] or {}).get("name", ""), number(p["amount"]),
            number(p["refundedAmount"]), number(p["credits"]), p["stripeId"] or "", p["reference"],
            (p["transfer"] or {}).get("id", ""), RECONCILIATION_LABELS[p["reconciliation"]],
        ])
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"), mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="paiements.csv"'},
    )
