"""Pages of the trade between hubs beyond payments: a member's invoices with members of peer
hubs (bill an organisation of a peer's directory, answer and pay what is owed here), and the
treasurer's joint clearing runs (propose, answer a peer's proposal, run, the report)."""
import uuid

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app import permissions
from app.federation.views import directory_for_page, paid_message
from app.web import format_money
from app.web.forms import form_status, submit
from app.web.pages import query

bp = Blueprint("federation_exchange", __name__)


def _invoice_action(form, peer_id):
    """A form of the invoices page: bill a peer's organisation, answer or pay an invoice."""
    action, invoice_id = form.get("action"), form.get("invoiceId", "")
    back = url_for("federation_exchange.invoices")
    if action == "issue":
        return submit(
            "IssuePeerInvoice",
            {"peerId": peer_id, "debtorRef": form.get("debtorRef", ""), "amount": form.get("amount", ""),
             "memo": form.get("memo", ""), "dueDate": form.get("dueDate") or None},
            done=lambda r: gettext("Invoice No. %(number)s sent to %(debtor)s (%(hub)s).",
                                   number=r["peerInvoice"]["invoice"]["number"], debtor=r["peerInvoice"]["remoteLabel"],
                                   hub=r["peerInvoice"]["peerName"]),
            then=back,
        )
    if action in ("accept", "reject"):
        return submit("AcceptInvoice" if action == "accept" else "RejectInvoice", {"invoiceId": invoice_id},
                      done=gettext("Your answer was sent to the creditor's hub."), then=back)
    if action == "pay":
        return submit("PayPeerInvoice", {"invoiceId": invoice_id, "amount": form.get("amount") or None,
                                         "idempotencyKey": form.get("key") or None},
                      done=lambda r: paid_message(r["interHubTransfer"]), then=back)
    abort(400)


@bp.route("/federation/invoices", methods=["GET", "POST"])
@login_required
def invoices():
    data = query("PeerInvoices")
    peers = data["payablePeers"]
    peer_id = request.values.get("peer") or (peers[0]["id"] if peers else None)
    peer = next((p for p in peers if p["id"] == peer_id), None)
    if peer_id and peer is None:
        abort(404)
    result = _invoice_action(request.form, peer_id) if request.method == "POST" else None
    search = request.args.get("search", "")
    directory, unreachable = directory_for_page(peer, search)
    return render_template(
        "federation/invoices.html", peers=peers, peer=peer, directory=directory, search=search, unreachable=unreachable,
        chosen=request.values.get("to", ""), result=result, key=str(uuid.uuid4()),
        values=request.form if result is not None else {}, invoices=data["peerInvoices"]["nodes"],
    ), form_status(result)


RUN_ACTIONS = {"accept": "AcceptJointRun", "decline": "DeclineJointRun", "run": "ExecuteJointRun"}


def _run_action(form):
    back = url_for("federation_exchange.joint_runs")
    if form.get("action") == "propose":
        return submit("ProposeJointRun", {"peerId": form.get("peerId", "")},
                      done=lambda r: gettext("Joint run proposed to %(hub)s: its treasurer accepts it there.",
                                             hub=r["jointRun"]["peerName"]), then=back)
    operation = RUN_ACTIONS.get(form.get("action"))
    if operation is None:
        abort(400)
    return submit(operation, {"jointRunId": form.get("jointRunId", "")}, done=lambda r: _run_done(r["jointRun"]), then=back)


def _run_done(run: dict) -> str:
    if run["state"] == "COMMITTED":
        return gettext("Joint run with %(hub)s posted: %(cleared)s cleared, %(beyond)s of it beyond what each hub "
                       "clears alone.", hub=run["peerName"], cleared=format_money(run["cleared"]),
                       beyond=format_money(run["clearedBeyondAlone"]))
    if run["state"] == "ACCEPTED":
        return gettext("Accepted: %(hub)s may now run it.", hub=run["peerName"])
    if run["state"] == "ABORTED":
        return gettext("Declined: %(hub)s was told.", hub=run["peerName"])
    return gettext("The joint run with %(hub)s is between two phases: reconciliation will finish it.", hub=run["peerName"])


@bp.route("/federation/joint-runs", methods=["GET", "POST"])
@login_required
def joint_runs():
    if not permissions.is_treasurer(current_user):
        abort(403)
    result = _run_action(request.form) if request.method == "POST" else None
    data = query("JointRuns")
    return render_template(
        "federation/joint_runs.html", peers=[p for p in data["peers"] if p["status"] == "ACTIVE"],
        runs=data["jointRuns"]["nodes"], result=result,
    ), form_status(result)
