"""A member of this hub pays a member of a peer hub: this hub coordinates the two phases.

1. `start`: the payer's right and caps are checked as for any payment, their credit is held
   and the payment recorded PREPARING, committed (in the caller's transaction).
2. `drive`: ask the peer to prepare (its mirror account holds the amount); then record the
   decision (COMMITTING if the peer prepared, else ABORTING) and commit it *before* telling
   the peer; then tell it; once it acknowledged, capture the hold into the peer's mirror
   account (COMMITTED) or release it (ABORTED).

Every message carries the payment's uuid, so a lost answer is retried safely; a payment left
between phases (a crash, an unreachable peer) is finished by `app.federation.reconcile`.
The protocol's steps commit in sessions of their own (`new_session`): no transaction stays
open while a peer is asked."""
import logging
import uuid as uuidlib
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from app.federation import client, invoice_links
from app.federation.participant import check_uuid
from app.federation.peers import active_peer, to_peer_units
from app.hub import MEMO_LENGTH
from app.ledger.memos import system_memo
from app.ledger.services.accounts import paying_account
from app.ledger.services.holds import capture_hold, place_hold, release_hold
from app.ledger.services.journal import check_amount
from app.ledger.services.spending import authorize_spending
from app.permissions import Right
from models import (
    Account,
    InterHubState,
    InterHubTransfer,
    Member,
    PeerHub,
    PeerInvoice,
    TransferDirection,
    TransferKind,
    TransferRole,
)

log = logging.getLogger("alveole.federation")

SessionFactory = Callable[[], so.Session]
ATTEMPTS = 2  # each message is sent again once when its answer is lost


def start(
    session: so.Session, actor: Member, *, peer_id: int, to_account_ref: str, to_label: str, amount: int,
    memo: str = "", uuid: Optional[str] = None,
) -> InterHubTransfer:
    """Phase zero, in the caller's transaction: hold the payer's credit, record PREPARING.
    The same `uuid` from the same member again returns the first payment."""
    peer = active_peer(session, peer_id)
    uuid = check_uuid(uuid) if uuid else str(uuidlib.uuid4())
    earlier = session.scalar(
        sa.select(InterHubTransfer).where(InterHubTransfer.peer_id == peer.id, InterHubTransfer.uuid == uuid)
    )
    if earlier is not None:
        if earlier.actor_id != actor.id or earlier.amount != amount:
            raise DomainError(ErrorCode.INVALID, "This idempotency key was already used for another transfer.", "idempotencyKey")
        return earlier
    check_amount(amount)
    to_account_ref, to_label, memo = (to_account_ref or "").strip(), (to_label or "").strip(), (memo or "").strip()
    if not to_account_ref.isdigit() or len(to_account_ref) > 9:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "toAccountRef")
    if len(memo) > MEMO_LENGTH:
        raise DomainError(ErrorCode.INVALID, "The memo is limited to 500 characters.", "memo")
    payer = paying_account(session, actor)
    if payer is None:
        raise DomainError(ErrorCode.FORBIDDEN, "You cannot pay from this account.")
    authorize_spending(session, actor, payer, Right.PAY, amount)
    hold = place_hold(
        session, actor, payer, amount, memo,
        system_memo=system_memo("peer_payment_out", party=to_label[:160] or to_account_ref, hub=peer.name),
    )
    record = InterHubTransfer(
        uuid=uuid, peer_id=peer.id, role=TransferRole.COORDINATOR, direction=TransferDirection.OUT,
        local_account_id=payer.id, remote_account_ref=to_account_ref, remote_label=to_label[:160],
        amount=amount, remote_amount=to_peer_units(peer, amount), memo=memo, state=InterHubState.PREPARING,
        hold_id=hold.id, actor_id=actor.id,
    )
    session.add(record)
    session.flush()
    return record


def send(peer: PeerHub, method: str, endpoint: str, payload: Optional[dict] = None) -> Optional[dict]:
    """The peer's signed answer, or None when there is none (sent again once first). A
    refusal is an answer, except a refused signature (401): a copy of our message delivered
    before this one, or a clock off; that is no answer about the payment."""
    for attempt in range(ATTEMPTS):
        try:
            return client.call(peer, method, endpoint, payload)
        except client.PeerRefused as exc:
            if exc.status != 401:
                return {"state": "REFUSED", "failure": exc.code, "status": exc.status}
            log.warning("%s refused our signature on %s: %s", peer.hub_id, endpoint, exc.message)
        except client.PeerUnreachable:
            log.info("no answer from %s to %s (attempt %s)", peer.hub_id, endpoint, attempt + 1)
    return None


def _prepare_message(record: InterHubTransfer, payer: Account) -> dict:
    return {
        "uuid": record.uuid, "from_account_ref": str(payer.id), "from_label": payer.name,
        "to_account_ref": record.remote_account_ref, "amount": record.remote_amount,
        "source_amount": record.amount, "memo": record.memo,
    }


def _locked(session: so.Session, transfer_id: int) -> InterHubTransfer:
    return session.get(InterHubTransfer, transfer_id, with_for_update=True, populate_existing=True)


def decide(new_session: SessionFactory, transfer_id: int, commit: bool, failure: Optional[str] = None) -> InterHubState:
    """Record the decision, once: a payment already decided keeps its decision."""
    with new_session() as session:
        record = _locked(session, transfer_id)
        if record.state == InterHubState.PREPARING:
            record.state = InterHubState.COMMITTING if commit else InterHubState.ABORTING
            record.failure = failure
            session.commit()
        return record.state


def finish(new_session: SessionFactory, transfer_id: int) -> InterHubState:
    """After the peer acknowledged the decision: capture or release the payer's hold."""
    with new_session() as session:
        record = _locked(session, transfer_id)
        peer = session.get(PeerHub, record.peer_id)
        if record.state == InterHubState.COMMITTING:
            entry = capture_hold(session, None, record.hold_id, to_account_id=peer.account_id, kind=TransferKind.PAYMENT)
            record.state, record.transfer_id = InterHubState.COMMITTED, entry.id
            invoice_links.paid(session, record, entry.id)
        elif record.state == InterHubState.ABORTING:
            release_hold(session, record.hold_id)
            invoice_links.restore(session, record)
            record.state = InterHubState.ABORTED
        session.commit()
        return record.state


def push(new_session: SessionFactory, transfer_id: int) -> InterHubState:
    """Tell the peer the recorded decision; finish here once it acknowledged."""
    with new_session() as session:
        record = session.get(InterHubTransfer, transfer_id)
        peer = session.get(PeerHub, record.peer_id)
        session.expunge_all()
    if record.state not in (InterHubState.COMMITTING, InterHubState.ABORTING):
        return record.state
    commit = record.state == InterHubState.COMMITTING
    said = send(peer, "POST", "transfers/commit" if commit else "transfers/abort", {"uuid": record.uuid})
    if said is None:
        return record.state
    # A peer that never saw the prepare (UNKNOWN) has nothing to abort.
    done = said.get("state") in (("COMMITTED",) if commit else ("ABORTED", "UNKNOWN"))
    if not done:
        # The peer holds the other outcome: a bug or a tampered database; left for the treasurer.
        log.error("peer %s answered %s to the decision on payment %s", peer.hub_id, said, record.uuid)
        return record.state
    return finish(new_session, transfer_id)


def drive(new_session: SessionFactory, transfer_id: int) -> InterHubState:
    """Phases one and two for a payment recorded PREPARING (see the module's docstring)."""
    with new_session() as session:
        record = session.get(InterHubTransfer, transfer_id)
        peer = session.get(PeerHub, record.peer_id)
        message = _prepare_message(record, session.get(Account, record.local_account_id))
        if record.invoice_id is not None:
            message["invoice_uuid"] = session.scalar(
                sa.select(PeerInvoice.uuid).where(PeerInvoice.invoice_id == record.invoice_id)
            )
        state = record.state
    if state == InterHubState.PREPARING:
        said = send(peer, "POST", "transfers/prepare", message)
        prepared = said is not None and said.get("state") == "PREPARED"
        # No answer: abort (presumed abort), the peer releases whatever it may have held.
        failure = None if prepared else (said or {}).get("failure") or ("UNREACHABLE" if said is None else "REFUSED")
        decide(new_session, transfer_id, prepared, failure)
    return push(new_session, transfer_id)


def pay_member_of_peer(new_session: SessionFactory, actor_id: int, **payment) -> int:
    """The whole payment, as a member asks for it: `start` committed, then `drive`. Returns
    the payment's id; its state says how it ended (COMMITTING or ABORTING: not finished yet,
    `reconcile` will). A refusal of `start` raises DomainError and changes nothing."""
    with new_session() as session:
        record = start(session, session.get(Member, actor_id), **payment)
        transfer_id = record.id
        session.commit()
    drive(new_session, transfer_id)
    return transfer_id
