"""Transfers and multi-leg entries: the payee's checks, the hub's fee, idempotency keys."""
import uuid
from dataclasses import dataclass
from typing import Optional

import sqlalchemy.orm as so

from app.database import execute
from app.errors import DomainError, ErrorCode
from app.hub import KEY_LENGTH
from app.ledger.services.accounts import system_account
from app.ledger.services.journal import SQL, atomic, check_amount, check_memo, enter, insert_entry, record_entry
from app.ledger.services.policy import FEE_KINDS, fee_for, get_settings
from app.ledger.services.spending import authorize_spending
from app.notices import events as notices
from app.permissions import Right
from models import COMMONS, Account, AccountKind, AccountStatus, Member, Transfer, TransferKind


@dataclass(frozen=True)
class _Payee:
    id: int
    kind: str
    name: str
    status: str
    # The hub's fee policy, read with the payee: fee_for takes this row as its settings.
    transfer_fee_bps: int
    transfer_fee_min: int


def _by_key(session: so.Session, initiator_id: Optional[int], key: Optional[str]) -> Optional[Transfer]:
    if key is None:
        return None
    found = execute(session, SQL["by_key"], {"initiator_id": initiator_id, "key": key}).fetchone()
    return None if found is None else session.get(Transfer, found[0])


def _same_request(earlier: Transfer, from_account_id: int, to_account_id: int, amount: int, kind: TransferKind) -> Transfer:
    if (earlier.from_account_id, earlier.to_account_id, earlier.amount, earlier.kind) != (
        from_account_id, to_account_id, amount, kind
    ):
        raise DomainError(
            ErrorCode.INVALID,
            "This idempotency key was already used for another transfer.",
            "idempotencyKey",
        )
    return earlier


def entry_fee(session: so.Session, kind: TransferKind, amount: int, *accounts, settings=None) -> int:
    if kind not in FEE_KINDS or any(a.kind in (AccountKind.SYSTEM, AccountKind.SYSTEM.value) for a in accounts):
        return 0
    return fee_for(settings or get_settings(session), amount)


def payee_of(session: so.Session, to_account_id: int, from_account_id: int):
    """The payee's id, kind, name and status (one light query: no ORM object needed)."""
    to_account = None
    # Ids are 32-bit integers on PostgreSQL: a larger one names no account.
    if isinstance(to_account_id, int) and not isinstance(to_account_id, bool) and 0 < to_account_id < 2**31:
        row = execute(session, SQL["payee"], {"account_id": to_account_id}).fetchone()
        to_account = _Payee(*row) if row else None
    if to_account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "toAccountId")
    if to_account.id == from_account_id:
        raise DomainError(ErrorCode.INVALID, "You cannot pay your own account.", "toAccountId")
    if to_account.status != AccountStatus.OPEN.value:
        raise DomainError(ErrorCode.INVALID_STATE, "The account %(name)s is closed.", "toAccountId", name=to_account.name)
    return to_account


def transfer(
    session: so.Session,
    actor: Member,
    *,
    from_account: Account,
    to_account_id: int,
    amount: int,
    memo: str = "",
    system_memo: Optional[dict] = None,
    kind: TransferKind = TransferKind.PAYMENT,
    idempotency_key: Optional[str] = None,
    check_permission: bool = True,
    right: Right = Right.PAY,
) -> Transfer:
    """Move `amount` from `from_account` to another account, plus the hub's fee if any.
    The same idempotency key from the same member returns the first transfer.

    The hot path of the hub, kept to the statements the database needs, in three round trips
    on PostgreSQL (journal.enter): the payee; the entry (a taken key answers the retry) with
    the two guarded UPDATEs; the postings with the payee's notice. A refusal undoes what was
    applied and deletes the entry, so no savepoint is needed.

    `check_permission`: the actor must hold `right` on the paying account, within their
    spending caps (app.ledger.services.spending); off for what the hub itself collects."""
    check_amount(amount)
    if check_permission:
        try:
            authorize_spending(session, actor, from_account, right, amount)
        except DomainError as exc:
            # A retry of a payment that used up the cap is answered, not refused.
            earlier = _by_key(session, actor.id, idempotency_key) if exc.code == ErrorCode.SPENDING_CAP_EXCEEDED else None
            if earlier is None:
                raise
            return _same_request(earlier, from_account.id, to_account_id, amount, kind)
    memo = check_memo(memo)
    if idempotency_key is not None and not 0 < len(idempotency_key) <= KEY_LENGTH:
        raise DomainError(ErrorCode.INVALID, "An idempotency key has 1 to 100 characters.", "idempotencyKey")
    from_id = from_account.id
    try:
        to_account = payee_of(session, to_account_id, from_id)
    except DomainError:
        # A retry is answered even if the payee was closed since the first request.
        earlier = _by_key(session, actor.id, idempotency_key)
        if earlier is not None:
            return _same_request(earlier, from_id, to_account_id, amount, kind)
        raise
    if kind == TransferKind.PAYMENT and to_account.kind == AccountKind.SYSTEM.value:
        # A member pays members; the hub's own accounts are moved by its rules (fees,
        # settlements), never paid directly: as payee() and issueInvoice, they do not exist.
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "toAccountId")
    fee = entry_fee(session, kind, amount, from_account, to_account, settings=to_account)
    commons_id = system_account(session, COMMONS).id if fee else None
    values = dict(
        kind=kind, from_account_id=from_id, to_account_id=to_account.id, amount=amount, fee=fee,
        memo=memo, system_memo=system_memo, initiator_id=actor.id, idempotency_key=idempotency_key,
    )
    legs = [(from_id, -(amount + fee)), (to_account.id, amount)]
    if fee:
        legs.append((commons_id, fee))
    also = [notices.payment_received(session, values, from_account.name, to_account.name)] if kind == TransferKind.PAYMENT else []
    entry = enter(session, values, legs, also)
    if entry is None:
        # The key is taken: by an earlier request, or by a concurrent one that committed
        # while this insert waited on the unique index.
        earlier = _by_key(session, actor.id, idempotency_key)
        if earlier is None:
            raise DomainError(ErrorCode.CONFLICT, "This transfer conflicts with another one; try again.")
        return _same_request(earlier, from_id, to_account.id, amount, kind)
    return entry


def journal_entry(
    session: so.Session,
    actor: Optional[Member],
    *,
    kind: TransferKind,
    legs: list[tuple[int, int]],
    memo: str = "",
    system_memo: Optional[dict] = None,
    check_limits: bool = True,
    idempotency_key: Optional[str] = None,
) -> Transfer:
    """A multi-leg entry (a clearing run, an adjustment): `legs` are (account id, signed
    amount) summing to zero. The entry's from/to name its largest debit and credit."""
    if not legs or sum(amount for _, amount in legs) != 0 or any(amount == 0 for _, amount in legs):
        raise DomainError(ErrorCode.INVALID, "The lines of an entry must be non-zero and sum to zero.")
    debit = min(legs, key=lambda leg: leg[1])
    credit = max(legs, key=lambda leg: leg[1])
    total = sum(amount for _, amount in legs if amount > 0)
    check_amount(total)
    with atomic(session):
        entry = insert_entry(
            session,
            dict(
                kind=kind, from_account_id=debit[0], to_account_id=credit[0], amount=total,
                memo=check_memo(memo), system_memo=system_memo, initiator_id=actor.id if actor else None,
                idempotency_key=idempotency_key,
            ),
        )
        if entry is None:
            earlier = _by_key(session, actor.id if actor else None, idempotency_key)
            if earlier is None:
                raise DomainError(ErrorCode.CONFLICT, "This transfer conflicts with another one; try again.")
            return earlier
        return record_entry(session, entry, legs, check_limits=check_limits)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex

