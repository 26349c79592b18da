"""The payee's hub in a payment between hubs (the participant of the two-phase protocol).

prepare: the peer's mirror account holds the amount (within the credit granted to the peer,
counting its other prepared payments), or the payment is refused; commit: the hold becomes a
transfer from the mirror account to the payee; abort: the hold is released. Each step is
idempotent by the payment's uuid: a message delivered twice gets the first answer. A peer only
ever moves credit out of its own mirror account, into an open member or organisation account."""
import re
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from app.federation import invoice_links
from app.hub import MAX_AMOUNT, MEMO_LENGTH
from app.ledger.memos import system_memo
from app.ledger.services.holds import capture_hold, place_hold, release_hold
from models import (
    Account,
    AccountKind,
    AccountStatus,
    InterHubState,
    InterHubTransfer,
    PeerHub,
    PeerStatus,
    TransferDirection,
    TransferKind,
    TransferRole,
)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PAYEE_KINDS = (AccountKind.ORGANIZATION, AccountKind.MEMBER)


def check_uuid(value: Any) -> str:
    if not isinstance(value, str) or not UUID.fullmatch(value):
        raise DomainError(ErrorCode.INVALID, "A payment between hubs is named by a UUID.", "uuid")
    return value


def _amount(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "An amount must be positive.", field)
    return value


def _text(value: Any, field: str, length: int) -> str:
    if not isinstance(value, str) or len(value) > length:
        raise DomainError(ErrorCode.INVALID, "This text is too long.", field)
    return value.strip()


def answer(record: Optional[InterHubTransfer], uuid: str) -> dict:
    """What this side says of a payment: its state (UNKNOWN if never prepared here)."""
    if record is None:
        return {"uuid": uuid, "state": "UNKNOWN", "failure": None}
    return {"uuid": uuid, "state": record.state.value, "failure": record.failure}


def find(session: so.Session, peer: PeerHub, uuid: str, lock: bool = False) -> Optional[InterHubTransfer]:
    query = sa.select(InterHubTransfer).where(InterHubTransfer.peer_id == peer.id, InterHubTransfer.uuid == uuid)
    return session.scalar(query.with_for_update() if lock else query)


def payee(session: so.Session, ref: Any) -> Account:
    """The account a peer's member pays: an open member or organisation account, nothing else."""
    account = session.get(Account, int(ref)) if isinstance(ref, str) and ref.isdigit() and len(ref) < 10 else None
    if account is None or account.kind not in PAYEE_KINDS or account.status != AccountStatus.OPEN:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "toAccountRef")
    return account


def prepare(session: so.Session, peer: PeerHub, data: dict) -> dict:
    """Phase one on this side. A refusal (limit, suspended peer) is recorded as ABORTED, so
    a retry or a late commit of the same uuid gets the same refusal."""
    uuid = check_uuid(data.get("uuid"))
    earlier = find(session, peer, uuid)
    if earlier is not None:
        return answer(earlier, uuid)
    account = payee(session, data.get("to_account_ref"))
    record = InterHubTransfer(
        uuid=uuid, peer_id=peer.id, role=TransferRole.PARTICIPANT, direction=TransferDirection.IN,
        local_account_id=account.id,
        remote_account_ref=_text(data.get("from_account_ref", ""), "fromAccountRef", 40),
        remote_label=_text(data.get("from_label", ""), "fromLabel", 160),
        amount=_amount(data.get("amount"), "amount"), remote_amount=_amount(data.get("source_amount"), "sourceAmount"),
        memo=_text(data.get("memo", ""), "memo", MEMO_LENGTH), state=InterHubState.PREPARED,
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except sa.exc.IntegrityError:
        # The same prepare delivered twice at once: the other delivery recorded it first.
        return answer(find(session, peer, uuid), uuid)
    try:
        with session.begin_nested():  # a refused invoice undoes the hold
            _hold(session, peer, record, account)
            invoice_links.reserve_named(session, peer, record, data.get("invoice_uuid"))
    except DomainError as exc:
        record.state, record.failure = InterHubState.ABORTED, exc.code.value
    session.flush()
    return answer(record, uuid)


def _hold(session: so.Session, peer: PeerHub, record: InterHubTransfer, account: Account) -> None:
    if peer.status != PeerStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "Payments with %(hub)s are suspended.", hub=peer.name)
    if account.balance_cap is not None and account.balance + record.amount > account.balance_cap:
        raise DomainError(ErrorCode.BALANCE_CAP_EXCEEDED, "The payee's account would go above its cap.")
    mirror = session.get(Account, peer.account_id)
    memo = system_memo("peer_payment_in", party=record.remote_label, hub=peer.name)
    record.hold_id = place_hold(session, None, mirror, record.amount, record.memo, system_memo=memo).id


def decide(session: so.Session, peer: PeerHub, uuid: str, commit: bool) -> tuple[int, dict]:
    """Phase two on this side: do what the coordinator decided. The same decision again is
    answered as done; the opposite one, after the fact, is a conflict (409)."""
    uuid = check_uuid(uuid)
    record = find(session, peer, uuid, lock=True)
    if record is None:
        # Never prepared here (the prepare was lost): nothing to undo, nothing to commit.
        return (200, answer(None, uuid)) if not commit else (404, {**answer(None, uuid), "error": "NOT_FOUND"})
    if record.state == InterHubState.PREPARED:
        if commit:
            entry = capture_hold(
                session, None, record.hold_id, to_account_id=record.local_account_id, kind=TransferKind.PAYMENT,
            )
            record.state, record.transfer_id = InterHubState.COMMITTED, entry.id
            invoice_links.paid(session, record, entry.id)
        else:
            release_hold(session, record.hold_id)
            invoice_links.restore(session, record)
            record.state = InterHubState.ABORTED
        session.flush()
    wanted = InterHubState.COMMITTED if commit else InterHubState.ABORTED
    if record.state != wanted:
        return 409, {**answer(record, uuid), "error": "CONFLICT"}
    return 200, answer(record, uuid)
