"""/federation/v1/: what peer hubs ask this hub, in signed JSON (app.federation.signing).
Not pages: a peer is the caller, so no CSRF token and no member session. A request that is not
a fresh, correctly signed message of a known peer is refused (401) and does nothing; every
answer is signed, for the request it answers."""
import functools
import json
import logging

import sqlalchemy as sa
from flask import Blueprint, Response, request

from app.database import begin_write, get_session
from app.errors import DomainError, ErrorCode
from app.extensions import csrf
from app.federation import directory, participant, signing
from app.federation.mirror import mirror_view
from models import InterHubTransfer, PeerHub

log = logging.getLogger("alveole.federation")

bp = Blueprint("federation_api", __name__, url_prefix="/federation/v1")
csrf.exempt(bp)

ERROR_STATUS = {ErrorCode.INVALID: 400, ErrorCode.NOT_FOUND: 404}


def _answer(status: int, data: dict) -> Response:
    body = json.dumps(data, sort_keys=True).encode()
    response = Response(body, status=status, mimetype="application/json")
    nonce = request.headers.get(signing.NONCE, "")
    if len(nonce) == 32:
        response.headers.update(signing.sign_answer(status, request.script_root + request.path, nonce, body))
    response.headers["Cache-Control"] = "no-store"
    return response


def signed(view):
    """Verify the peer's signature, run the view with the peer and the request's JSON, commit
    once; a DomainError becomes a 4xx answer and undoes the view's writes."""

    @functools.wraps(view)
    def wrapper(**kwargs):
        session = get_session()
        begin_write(session)
        body = request.get_data()
        try:
            peer = signing.verify_request(
                session, request.method, request.script_root + request.path, request.headers, body
            )
        except signing.SignatureRefused as exc:
            session.rollback()
            log.warning("federation request refused from %s: %s", request.headers.get(signing.HUB, "?"), exc)
            return _answer(401, {"error": "UNAUTHENTICATED", "message": str(exc)})
        try:
            payload = json.loads(body) if body else {}
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError:
            session.commit()  # the nonce is spent all the same
            return _answer(400, {"error": "INVALID", "message": "a JSON object is expected"})
        try:
            with session.begin_nested():
                status, data = view(session, peer, payload, **kwargs)
        except DomainError as exc:
            status, data = ERROR_STATUS.get(exc.code, 409), {"error": exc.code.value, "message": exc.message}
        session.commit()
        return _answer(status, data)

    return wrapper


@bp.route("/directory", methods=["GET"])
def public_directory():
    """Public: the organisations a peer's member may pay (no signature needed to ask)."""
    session = get_session()
    return _answer(200, {"organizations": directory.public_directory(session)})


@bp.route("/transfers/prepare", methods=["POST"])
@signed
def prepare(session, peer, payload):
    return 200, participant.prepare(session, peer, payload)


@bp.route("/transfers/commit", methods=["POST"])
@signed
def commit(session, peer, payload):
    return participant.decide(session, peer, payload.get("uuid"), commit=True)


@bp.route("/transfers/abort", methods=["POST"])
@signed
def abort(session, peer, payload):
    return participant.decide(session, peer, payload.get("uuid"), commit=False)


@bp.route("/transfers/<uuid>", methods=["GET"])
@signed
def status(session, peer, payload, uuid):
    uuid = participant.check_uuid(uuid)
    record = session.scalar(
        sa.select(InterHubTransfer).where(InterHubTransfer.peer_id == peer.id, InterHubTransfer.uuid == uuid)
    )
    return 200, participant.answer(record, uuid)


@bp.route("/mirror", methods=["GET"])
@signed
def mirror(session, peer: PeerHub, payload):
    return 200, mirror_view(session, peer)
