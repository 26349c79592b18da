"""Holds reserve credit for a booking or a job until captured into a transfer or released."""
import datetime as dt
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from app.ledger.services.accounts import system_account
from app.ledger.services.journal import Change, atomic, check_amount, check_memo, insert_entry, post, record_entry
from app.ledger.services.posting import entry_fee, payee_of
from models import COMMONS, Account, Hold, HoldStatus, Member, Transfer, TransferKind, utcnow

log = logging.getLogger("alveole.ledger")


def place_hold(
    session: so.Session,
    actor: Optional[Member],
    account: Account,
    amount: int,
    memo: str = "",
    expires_at: Optional[dt.datetime] = None,
    system_memo: Optional[dict] = None,
) -> Hold:
    """Reserve credit on an account; refused with CREDIT_LIMIT_EXCEEDED like a transfer.
    `actor` None: the hub itself holds (a peer hub's payment on its mirror account)."""
    check_amount(amount)
    memo = check_memo(memo)
    with atomic(session):
        post(session, {account.id: Change(hold=amount)})
        hold = Hold(
            account_id=account.id, amount=amount, memo=memo, system_memo=system_memo,
            initiator_id=actor.id if actor else None,
            expires_at=expires_at,
        )
        session.add(hold)
        session.flush()
    return hold


def _locked_hold(session: so.Session, hold_id: int) -> Hold:
    # FOR UPDATE serialises a capture and a release of the same hold on PostgreSQL; the
    # second one then reads the first one's status. SQLite has one writer at a time anyway.
    hold = session.get(Hold, hold_id, with_for_update=True, populate_existing=True)
    if hold is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This hold does not exist.")
    if hold.status != HoldStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "This hold is no longer active.")
    return hold


def _active_hold(session: so.Session, hold_id: int) -> Hold:
    hold = _locked_hold(session, hold_id)
    if hold.expires_at is not None and hold.expires_at <= utcnow():
        raise DomainError(ErrorCode.INVALID_STATE, "This hold has expired.")
    return hold


def capture_hold(
    session: so.Session,
    actor: Optional[Member],
    hold_id: int,
    *,
    to_account_id: int,
    amount: Optional[int] = None,
    kind: TransferKind = TransferKind.BOOKING,
    memo: str = "",
    system_memo: Optional[dict] = None,
) -> Transfer:
    """Turn a hold into a transfer of `amount` (at most the hold's) and release the rest."""
    with atomic(session):
        hold = _active_hold(session, hold_id)
        amount = hold.amount if amount is None else amount
        check_amount(amount)
        if amount > hold.amount:
            raise DomainError(ErrorCode.INVALID, "A capture takes between 0 and the amount on hold.", "amount")
        payer = session.get(Account, hold.account_id)
        payee = payee_of(session, to_account_id, hold.account_id)
        fee = entry_fee(session, kind, amount, payer, payee)
        entry = insert_entry(
            session,
            dict(
                kind=kind,
                from_account_id=hold.account_id,
                to_account_id=payee.id,
                amount=amount,
                fee=fee,
                memo=check_memo(memo or hold.memo),
                system_memo=system_memo or hold.system_memo,
                initiator_id=actor.id if actor else None,
                # Who spent: the member who placed the hold (the booker), not who captures it.
                actor_id=hold.initiator_id,
            ),
        )
        legs = [(hold.account_id, -(amount + fee)), (payee.id, amount)]
        if fee:
            legs.append((system_account(session, COMMONS).id, fee))
        record_entry(session, entry, legs, holds={hold.account_id: -hold.amount})
        hold.status = HoldStatus.CAPTURED
        hold.settled_at = utcnow()
        hold.transfer_id = entry.id
        session.flush()
    return entry


def release_hold(session: so.Session, hold_id: int, status: HoldStatus = HoldStatus.RELEASED) -> Hold:
    with atomic(session):
        hold = _locked_hold(session, hold_id)
        # Releasing only raises `available`: no limit to check, and allowed on a closed account.
        post(session, {hold.account_id: Change(hold=-hold.amount)}, check_limits=False, require_open=False)
        hold.status = status
        hold.settled_at = utcnow()
        session.flush()
    return hold


def expire_holds(session: so.Session, now: Optional[dt.datetime] = None) -> int:
    """Release the holds past their expiry. A hold captured or released meanwhile (by a
    concurrent request) is skipped, not an error."""
    now = now or utcnow()
    ids = session.scalars(
        sa.select(Hold.id).where(Hold.status == HoldStatus.ACTIVE, Hold.expires_at <= now).order_by(Hold.id)
    ).all()
    expired = 0
    for hold_id in ids:
        try:
            release_hold(session, hold_id, HoldStatus.EXPIRED)
        except DomainError:
            continue
        expired += 1
    if expired:
        log.info("%s expired holds released", expired)
    return expired

