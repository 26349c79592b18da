"""Peer hubs: the admin registers one (its address, its public key, the rate between the two
credits and the credit granted to it) and this hub opens its mirror account; the credit granted
is that account's credit limit, changed like any other (with its history)."""
import re
from decimal import Decimal, InvalidOperation
from typing import Optional
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app import audit
from app.errors import DomainError, ErrorCode
from app.federation import keys
from app.hub import MAX_AMOUNT
from app.ledger.services.policy import set_credit_limit
from app.permissions import is_admin
from models import PEER_CODE_PREFIX, Account, AccountKind, Member, PeerHub, PeerStatus

HUB_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,29}")
MAX_RATE = Decimal(1000)


def check_hub_id(hub_id: str) -> str:
    hub_id = (hub_id or "").strip()
    if not HUB_ID.fullmatch(hub_id):
        raise DomainError(
            ErrorCode.INVALID, "A hub id has 2 to 30 lower-case letters, digits or dashes.", "hubId"
        )
    return hub_id


def check_rate(rate) -> Decimal:
    """Units of the peer's credit per one of ours: positive, at most 6 decimals."""
    try:
        value = Decimal(str(rate).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or not 0 < value <= MAX_RATE or value != value.quantize(Decimal("0.000001")):
        raise DomainError(ErrorCode.INVALID, "A rate is a positive number up to 1000, with at most 6 decimals.", "rate")
    return value.normalize()


def check_limit(limit: int) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit < MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "A credit limit cannot be negative.", "limitGranted")
    return limit


def _check_url(base_url: str) -> str:
    base_url = (base_url or "").strip().rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or len(base_url) > 300:
        raise DomainError(ErrorCode.INVALID, "Enter the peer's address, such as https://alveole.example.org.", "baseUrl")
    return base_url


def _check_key(public_key: str) -> str:
    try:
        return keys.encode_public(keys.decode_public(public_key or ""))
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID, "A public key is the peer's base64 Ed25519 key (44 characters).", "publicKey"
        ) from None


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not 0 < len(name) <= 160:
        raise DomainError(ErrorCode.INVALID, "Give the peer a name of 1 to 160 characters.", "name")
    return name


def register_peer(
    session: so.Session, actor: Member, *, hub_id: str, name: str, base_url: str, public_key: str,
    rate="1", limit_granted: int = 0,
) -> PeerHub:
    """The admin registers a peer hub and opens its mirror account."""
    if not is_admin(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the administrator can register a peer hub.")
    hub_id = check_hub_id(hub_id)
    if hub_id == keys.hub_id():
        raise DomainError(ErrorCode.INVALID, "This is this hub's own id.", "hubId")
    name, base_url, public_key = _check_name(name), _check_url(base_url), _check_key(public_key)
    rate, limit_granted = check_rate(rate), check_limit(limit_granted)
    try:
        with session.begin_nested():
            account = Account(
                kind=AccountKind.SYSTEM, name=name, system_code=PEER_CODE_PREFIX + hub_id, credit_limit=limit_granted
            )
            session.add(account)
            session.flush()
            peer = PeerHub(
                hub_id=hub_id, name=name, base_url=base_url, public_key=public_key, rate=str(rate), account_id=account.id,
                status=PeerStatus.ACTIVE,
            )
            session.add(peer)
            session.flush()
    except sa.exc.IntegrityError:
        raise DomainError(ErrorCode.CONFLICT, "A peer hub with this id is already registered.", "hubId") from None
    audit.record(session, actor, "federation.peer_registered", peer, None, {
        "hub_id": hub_id, "base_url": base_url, "rate": str(rate), "limit_granted": limit_granted,
    })
    return peer


def update_peer(
    session: so.Session, actor: Member, peer_id: int, *, rate=None, limit_granted: Optional[int] = None,
    status: Optional[PeerStatus] = None, base_url: Optional[str] = None, public_key: Optional[str] = None,
) -> PeerHub:
    """The admin changes a peer's rate, credit, address or key, or suspends it (a suspended
    peer neither pays nor is paid; transfers already prepared still finish)."""
    if not is_admin(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the administrator can change a peer hub.")
    peer = session.get(PeerHub, peer_id, with_for_update=True)
    if peer is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This peer hub does not exist.", "peerId")
    before = _audited(peer)
    if rate is not None:
        peer.rate = str(check_rate(rate))
    if base_url is not None:
        peer.base_url = _check_url(base_url)
    if public_key is not None:
        peer.public_key = _check_key(public_key)
    if status is not None:
        peer.status = PeerStatus(status)
    if limit_granted is not None:
        set_credit_limit(session, actor, peer.account_id, check_limit(limit_granted), reason=f"peer {peer.hub_id}")
    after = _audited(peer)
    changed = [key for key in after if after[key] != before[key]]
    if changed:
        audit.record(session, actor, "federation.peer_updated", peer,
                     {key: before[key] for key in changed}, {key: after[key] for key in changed})
    session.flush()
    return peer


def _audited(peer: PeerHub) -> dict:
    """What the audit trail keeps of a peer's settings (its credit is the mirror account's limit,
    audited as a credit limit)."""
    return {"rate": peer.rate, "base_url": peer.base_url, "public_key": peer.public_key, "status": peer.status.value}


def peers(session: so.Session) -> list[PeerHub]:
    return list(session.scalars(sa.select(PeerHub).order_by(PeerHub.name)))


def active_peer(session: so.Session, peer_id: int) -> PeerHub:
    """A peer members may pay: NOT_FOUND if unknown, INVALID_STATE if suspended."""
    peer = session.get(PeerHub, peer_id) if isinstance(peer_id, int) else None
    if peer is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This peer hub does not exist.", "peerId")
    if peer.status != PeerStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "Payments with %(hub)s are suspended.", "peerId", hub=peer.name)
    return peer


def to_peer_units(peer: PeerHub, amount: int) -> int:
    """An amount of ours in the peer's minor units, rounded half up (at least one unit)."""
    return max(int((Decimal(amount) * Decimal(peer.rate)).to_integral_value(rounding="ROUND_HALF_UP")), 1)
