"""Signed messages between hubs. A request carries four headers:

    Alveole-Hub        the sender's hub id
    Alveole-Timestamp  unix seconds
    Alveole-Nonce      128 random bits, hex
    Alveole-Signature  base64 Ed25519 over "METHOD\\npath\\ntimestamp\\nnonce\\nsha256(body) hex"

and is refused when the peer is unknown, the signature wrong, the timestamp more than WINDOW
seconds off, or the nonce already seen from that peer (a replay). An answer is signed the same
way over "ANSWER <status>" and the request's nonce, so an answer cannot be forged, nor an old
one replayed for another request."""
import base64
import binascii
import datetime as dt
import hashlib
import secrets
import time
from typing import Mapping, Optional

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so
from cryptography.exceptions import InvalidSignature

from app.federation import keys
from models import PeerHub, PeerNonce, utcnow

WINDOW = 300  # seconds a signed message stays valid; nonces are kept that long
HUB, TIMESTAMP, NONCE, SIGNATURE = "Alveole-Hub", "Alveole-Timestamp", "Alveole-Nonce", "Alveole-Signature"


class SignatureRefused(Exception):
    """Why a message is refused: said in the 401 answer, logged, never acted on."""


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join((method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()


def _signed(method: str, path: str, nonce: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = keys.private_key().sign(canonical(method, path, timestamp, nonce, body))
    return {HUB: keys.hub_id(), TIMESTAMP: timestamp, NONCE: nonce, SIGNATURE: base64.b64encode(signature).decode()}


def sign_request(method: str, path: str, body: bytes) -> dict[str, str]:
    return _signed(method, path, secrets.token_hex(16), body)


def sign_answer(status: int, path: str, request_nonce: str, body: bytes) -> dict[str, str]:
    return _signed(f"ANSWER {status}", path, request_nonce, body)


def _check(public_key: str, headers: Mapping[str, str], method: str, path: str, body: bytes, now: float) -> None:
    timestamp, nonce, signature = headers.get(TIMESTAMP, ""), headers.get(NONCE, ""), headers.get(SIGNATURE, "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > WINDOW:
        raise SignatureRefused("timestamp missing or outside the window")
    if len(nonce) != 32 or any(c not in "0123456789abcdef" for c in nonce):
        raise SignatureRefused("bad nonce")
    try:
        raw = base64.b64decode(signature, validate=True)
        keys.decode_public(public_key).verify(raw, canonical(method, path, timestamp, nonce, body))
    except (binascii.Error, ValueError, InvalidSignature) as exc:
        raise SignatureRefused("bad signature") from exc


def verify_request(
    session: so.Session, method: str, path: str, headers: Mapping[str, str], body: bytes, now: Optional[float] = None
) -> PeerHub:
    """The peer that signed this request, after recording its nonce; SignatureRefused if not
    a fresh message of a known peer."""
    peer = session.scalar(sa.select(PeerHub).where(PeerHub.hub_id == headers.get(HUB, "")))
    if peer is None:
        raise SignatureRefused("unknown peer")
    _check(peer.public_key, headers, method, path, body, time.time() if now is None else now)
    remember_nonce(session, peer, headers[NONCE])
    return peer


def remember_nonce(session: so.Session, peer: PeerHub, nonce: str) -> None:
    """Record a nonce; SignatureRefused if this peer sent it before (within the window).
    Concurrent deliveries of one message meet on the unique index: one of them wins."""
    session.execute(sa.delete(PeerNonce).where(PeerNonce.created_at < utcnow() - dt.timedelta(seconds=2 * WINDOW)))
    try:
        with session.begin_nested():
            session.add(PeerNonce(peer_id=peer.id, nonce=nonce))
            session.flush()
    except sa.exc.IntegrityError as exc:
        raise SignatureRefused("nonce already seen: a replay") from exc


def verify_answer(
    peer: PeerHub, status: int, path: str, request_nonce: str, headers: Mapping[str, str], body: bytes
) -> None:
    """SignatureRefused unless `peer` signed this answer to our request `request_nonce`."""
    if headers.get(HUB) != peer.hub_id or headers.get(NONCE) != request_nonce:
        raise SignatureRefused("answer from another hub or to another request")
    _check(peer.public_key, headers, f"ANSWER {status}", path, body, time.time())
