"""The invoices page: my invoices to pay and to collect, and the form to bill another account."""
import datetime as dt
import secrets

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import permissions
from app.errors import N_
from app.hub import hub_today
from app.web.forms import form_status, submit
from app.web.pages import Result, query

bp = Blueprint("invoices", __name__)

# action -> (mutation, message once done)
INVOICE_ACTIONS = {
    "accept": ("AcceptInvoice", N_("Invoice No. %(number)s accepted.")),
    "reject": ("RejectInvoice", N_("Invoice No. %(number)s rejected.")),
    "cancel": ("CancelInvoice", N_("Invoice No. %(number)s cancelled.")),
}

# Each status -> (the word members read, its badge's class): the one table every page shows.
INVOICE_STATUSES = {
    "ISSUED": (_l("Waiting for answer"), "warn"), "ACCEPTED": (_l("Accepted"), ""), "REJECTED": (_l("Rejected"), "bad"),
    "PAID": (_l("Paid"), "ok"), "CANCELLED": (_l("Cancelled"), ""),
}


@bp.app_template_global()
def invoice_statuses() -> dict:
    return INVOICE_STATUSES


@bp.route("/invoices", methods=["GET", "POST"])
@login_required
def invoices():
    issue_result = action_result = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "issue":
            issue_result = _issue(request.form)
        elif action in INVOICE_ACTIONS or action == "pay":
            action_result = _act(action, request.form)
        else:
            abort(400)
    return render_template(
        "invoices/invoices.html",
        data=query("Invoices", first=50),
        disputed=query("DisputedInvoices", first=50)["disputed"] if permissions.is_treasurer(current_user) else None,
        issue_result=issue_result,
        action_result=action_result,
        form=request.form,
        today=hub_today(),
        new_key=secrets.token_urlsafe(16),
    ), form_status(issue_result, action_result)


def _issue(form) -> Result:
    due = form.get("due_date", "").strip()
    try:
        due_date = dt.date.fromisoformat(due).isoformat() if due else None
    except ValueError:
        return Result.invalid({"dueDate": gettext("Enter a date such as 2026-12-31.")})
    data = {
        "debtorAccountId": form.get("debtor_account_id", ""),
        "amount": form.get("amount", "").strip(),
        "memo": form.get("memo", ""),
        "dueDate": due_date,
    }
    return submit(
        "IssueInvoice", data, then=url_for("invoices.invoices"),
        done=lambda result: gettext("Invoice No. %(number)s sent.", number=result["invoice"]["number"]),
    )


def _act(action: str, form) -> Result:
    if action == "pay":
        data = {
            "invoiceId": form.get("invoice_id", ""),
            "amount": form.get("amount", "").strip() or None,
            "idempotencyKey": form.get("idempotency_key") or None,
        }
        return submit("PayInvoice", data, done=_paid, then=url_for("invoices.invoices"))
    operation, message = INVOICE_ACTIONS[action]
    return submit(
        operation, {"invoiceId": form.get("invoice_id", "")}, then=url_for("invoices.invoices"),
        done=lambda result: gettext(message, number=result["invoice"]["number"]),
    )


def _paid(result: Result) -> str:
    invoice = result["invoice"]
    if invoice["status"] == "PAID":
        return gettext("Invoice No. %(number)s is paid.", number=invoice["number"])
    return gettext("Payment recorded on invoice No. %(number)s.", number=invoice["number"])


# --- The treasurer's register and an invoice's page ------------------------------------------

REGISTER_STATUSES = {
    "open": ["ISSUED", "ACCEPTED"], "ISSUED": ["ISSUED"], "ACCEPTED": ["ACCEPTED"], "REJECTED": ["REJECTED"],
    "PAID": ["PAID"], "CANCELLED": ["CANCELLED"], "all": None,
}
REGISTER_AGES = (30, 60, 90)


@bp.route("/treasury/invoices")
@login_required
def register():
    """Every invoice of the hub, filtered by status, age and lateness (the treasurer)."""
    if not permissions.is_treasurer(current_user):
        abort(403)
    status = request.args.get("status", "open")
    age = request.args.get("age", "")
    if status not in REGISTER_STATUSES or (age and (not age.isdigit() or int(age) not in REGISTER_AGES)):
        abort(400)
    overdue = request.args.get("overdue") == "1"
    data = query(
        "InvoiceRegister", status=REGISTER_STATUSES[status], overdue=True if overdue else None,
        olderThanDays=int(age) if age else None, first=50, after=request.args.get("after") or None,
    )
    filters = {"status": status, "age": age, "overdue": overdue}
    args = {k: v for k, v in request.args.items() if k != "after"}
    next_url = url_for("invoices.register", **args, after=data["invoices"]["pageInfo"]["endCursor"])
    return render_template(
        "invoices/register.html", invoices=data["invoices"], filters=filters, ages=REGISTER_AGES, next_url=next_url
    )


@bp.route("/invoices/<invoice_id>", methods=["GET", "POST"])
@login_required
def invoice(invoice_id: str):
    """An invoice with its history; the creditor or the treasurer cancels it, the treasurer
    corrects it, each with a reason."""
    result = None
    here = url_for("invoices.invoice", invoice_id=invoice_id)
    if request.method == "POST":
        action, form = request.form.get("action"), request.form
        if action == "cancel":
            result = submit(
                "CancelInvoice", {"invoiceId": invoice_id, "reason": form.get("reason", "")}, then=here,
                done=lambda done: gettext("Invoice No. %(number)s cancelled.", number=done["invoice"]["number"]),
            )
        elif action == "correct":
            result = _correct(invoice_id, form, here)
        else:
            abort(400)
    data = query("InvoiceDetail", id=invoice_id)
    if data["node"] is None:
        abort(404)
    return render_template(
        "invoices/invoice.html", i=data["node"], peer_invoice=data["peerInvoice"], result=result, form=request.form,
        action=request.form.get("action"),
    ), form_status(result)


def _correct(invoice_id: str, form, here: str) -> Result:
    due = form.get("due_date", "").strip()
    try:
        due_date = dt.date.fromisoformat(due).isoformat() if due else None
    except ValueError:
        return Result.invalid({"dueDate": gettext("Enter a date such as 2026-12-31.")})
    data = {
        "invoiceId": invoice_id, "reason": form.get("reason", ""),
        "amount": form.get("amount", "").strip() or None, "dueDate": due_date, "memo": form.get("memo"),
    }
    return submit(
        "CorrectInvoice", data, then=here,
        done=lambda done: gettext("Invoice No. %(number)s corrected.", number=done["invoice"]["number"]),
    )


@bp.app_template_filter("date_only")
def date_only(value) -> str:
    """An ISO date from the API in the member's locale (26 nov. 2026)."""
    if not value:
        return ""
    return format_date(dt.date.fromisoformat(value) if isinstance(value, str) else value, "medium")
