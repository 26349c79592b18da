"""Pages of the federation: the peers and this hub's key (admin, treasurer), reconciliation
(treasurer), and a member's payment to an organisation of a peer hub."""
import uuid

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app import permissions
from app.api.execution import OperationFailed
from app.web import format_money
from app.web.forms import form_status, submit
from app.web.pages import Result, mutate, query

bp = Blueprint("federation", __name__)

PEER_FIELDS = ("hubId", "name", "baseUrl", "publicKey", "rate", "limitGranted")


def _peer_action(form) -> Result:
    """A form of the peers page: register a peer, change one, or reconcile."""
    action = form.get("action")
    if action == "register" and permissions.is_admin(current_user):
        return submit("RegisterPeer", {key: form[key].strip() for key in PEER_FIELDS if form.get(key, "").strip()},
                      done=lambda r: gettext("%(name)s registered.", name=r["peer"]["name"]), then=url_for("federation.peers"))
    if action == "update" and permissions.is_admin(current_user):
        change = {key: form[key].strip() for key in ("rate", "limitGranted") if form.get(key, "").strip()}
        if form.get("status") in ("ACTIVE", "SUSPENDED"):
            change["status"] = form["status"]
        return submit("UpdatePeer", {"peerId": form.get("peerId", ""), **change},
                      done=lambda r: gettext("%(name)s changed.", name=r["peer"]["name"]), then=url_for("federation.peers"))
    if action == "reconcile":
        return mutate("ReconcilePeers", {})
    abort(403)


@bp.route("/federation/peers", methods=["GET", "POST"])
@login_required
def peers():
    if not permissions.is_treasurer(current_user):
        abort(403)
    result = _peer_action(request.form) if request.method == "POST" else None
    data = query("FederationPeers")
    reports = result["reports"] if result is not None and result.ok and "reports" in result.payload else None
    return render_template(
        "federation/peers.html", data=data, result=result, reports=reports,
        values=request.form if result is not None and not result.ok else {},
    ), form_status(result)


@bp.route("/federation/pay", methods=["GET", "POST"])
@login_required
def pay():
    peers = query("PayablePeers")["payablePeers"]
    peer_id = request.values.get("peer") or (peers[0]["id"] if peers else None)
    peer = next((p for p in peers if p["id"] == peer_id), None)
    if peer_id and peer is None:
        abort(404)
    result = None
    if request.method == "POST":
        form = request.form
        result = submit(
            "PayMemberOfPeer",
            {"peerId": peer_id, "toAccountRef": form.get("toAccountRef", ""), "amount": form.get("amount", ""),
             "memo": form.get("memo", ""), "idempotencyKey": form.get("key") or None},
            done=lambda r: paid_message(r["interHubTransfer"]), then=url_for("federation.pay", peer=peer_id),
        )
    search = request.args.get("search", "")
    directory, unreachable = directory_for_page(peer, search)
    return render_template(
        "federation/pay.html", peers=peers, peer=peer, directory=directory, search=search, unreachable=unreachable,
        chosen=request.values.get("to", ""), result=result, key=str(uuid.uuid4()),
        values=request.form if result is not None else {}, history=query("MyInterHubTransfers")["interHubTransfers"],
    ), form_status(result)


def directory_for_page(peer, search: str) -> tuple[list, str | None]:
    """The organisations of the chosen peer hub matching `search`, and why not if it does not
    answer (the page stays, saying so)."""
    if peer is None:
        return [], None
    try:
        return query("PeerPay", peerId=peer["id"], search=search or None)["peerDirectory"], None
    except OperationFailed as exc:
        return [], exc.errors[0].message


def paid_message(transfer: dict) -> str:
    if transfer["state"] == "COMMITTED":
        return gettext("%(amount)s paid to %(payee)s (%(hub)s).", amount=format_money(transfer["amount"]),
                       payee=transfer["remoteLabel"], hub=transfer["peerName"])
    return gettext("The payment to %(payee)s is on its way: %(hub)s has not confirmed it yet. Your credit stays on hold "
                   "until it does.", payee=transfer["remoteLabel"], hub=transfer["peerName"])
