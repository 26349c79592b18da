"""/federation/v1/invoices/* and /federation/v1/joint-runs/*: what a peer hub asks about the
invoices between our members and its members, and about the joint clearing runs of both hubs.
Signed like every message between hubs (app.federation.endpoints.signed)."""
from flask import Blueprint

from app.extensions import csrf
from app.federation import invoices, joint_peer, joint_runs
from app.federation.endpoints import signed
from app.federation.participant import check_uuid

bp = Blueprint("federation_invoices_api", __name__, url_prefix="/federation/v1")
csrf.exempt(bp)


@bp.route("/invoices/receive", methods=["POST"])
@signed
def receive_invoice(session, peer, payload):
    return 200, invoices.receive(session, peer, payload)


@bp.route("/invoices/answer", methods=["POST"])
@signed
def invoice_answered(session, peer, payload):
    return 200, invoices.answered(session, peer, payload)


@bp.route("/joint-runs/propose", methods=["POST"])
@signed
def joint_run_proposed(session, peer, payload):
    return 200, joint_peer.proposed(session, peer, payload)


@bp.route("/joint-runs/answer", methods=["POST"])
@signed
def joint_run_answered(session, peer, payload):
    return 200, joint_peer.answered(session, peer, payload)


@bp.route("/joint-runs/<uuid>/debts", methods=["GET"])
@signed
def joint_run_debts(session, peer, payload, uuid):
    return 200, joint_peer.debts(session, peer, uuid)


@bp.route("/joint-runs/prepare", methods=["POST"])
@signed
def joint_run_prepare(session, peer, payload):
    return 200, joint_peer.prepare(session, peer, payload)


@bp.route("/joint-runs/commit", methods=["POST"])
@signed
def joint_run_commit(session, peer, payload):
    return joint_peer.decide(session, peer, payload.get("uuid"), commit=True)


@bp.route("/joint-runs/abort", methods=["POST"])
@signed
def joint_run_abort(session, peer, payload):
    return joint_peer.decide(session, peer, payload.get("uuid"), commit=False)


@bp.route("/joint-runs/<uuid>", methods=["GET"])
@signed
def joint_run_status(session, peer, payload, uuid):
    uuid = check_uuid(uuid)
    return 200, joint_runs.status(joint_runs.find(session, peer, uuid), uuid)
