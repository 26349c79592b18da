"""Corrections: a reversing entry undoes a transfer, never an edit or a delete."""
import logging

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit
from app.errors import DomainError, ErrorCode
from app.ledger.memos import system_memo
from app.ledger.services.journal import atomic, check_memo, insert_entry, record_entry
from app.permissions import is_treasurer
from models import Member, Posting, Transfer, TransferKind

log = logging.getLogger("alveole.ledger")


def reverse_transfer(session: so.Session, actor: Member, transfer_id: int, memo: str = "") -> Transfer:
    """A new entry that undoes every posting of the original, linked both ways; once only.
    It respects credit limits like any entry: a payee who already spent the money must be
    brought back within limits first."""
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can reverse a transfer.")
    memo = check_memo(memo)
    original = session.get(Transfer, transfer_id, populate_existing=True) if isinstance(transfer_id, int) else None
    if original is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This transfer does not exist.", "transferId")
    if original.kind == TransferKind.REVERSAL:
        raise DomainError(ErrorCode.INVALID_STATE, "A reversal cannot itself be reversed.", "transferId")
    if original.kind == TransferKind.CLEARING:
        # One entry of a set-off alone would move balances that the whole run leaves unchanged.
        raise DomainError(
            ErrorCode.INVALID_STATE, "A clearing entry belongs to its run and cannot be reversed alone.", "transferId"
        )
    legs = session.execute(
        sa.select(Posting.account_id, Posting.amount).where(Posting.transfer_id == original.id).order_by(Posting.id)
    ).all()
    with atomic(session):
        # The unique reverses_id settles a race between two treasurers: one entry wins.
        entry = insert_entry(
            session,
            dict(
                kind=TransferKind.REVERSAL,
                from_account_id=original.to_account_id,
                to_account_id=original.from_account_id,
                amount=original.amount,
                fee=original.fee,
                memo=memo,
                system_memo=None if memo else system_memo("reversal", transfer=original.id),
                initiator_id=actor.id,
                reverses_id=original.id,
            ),
        )
        if entry is None:
            raise DomainError(ErrorCode.INVALID_STATE, "This transfer was already reversed.", "transferId")
        record_entry(session, entry, [(account_id, -amount) for account_id, amount in legs])
    audit.record(
        session, actor, "ledger.transfer_reversed", original, {"amount": original.amount, "reversed_by": None},
        {"amount": original.amount, "reversed_by": entry.id}, reason=memo,
    )
    log.info("transfer %s of %s reversed by transfer %s (member %s)", original.id, original.amount, entry.id, actor.id)
    return entry

