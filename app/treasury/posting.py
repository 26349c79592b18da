"""Posting a clearing run into the ledger, in one transaction with the run's decision.

How a posted set-off is recorded in the ledger (so that it can be audited like any entry):
ONE CLEARING journal entry for the run, keyed "clearing:<run>", with two postings on each
account the run touches: minus what the run cleared of the invoices the account owed, plus
what it cleared of the invoices owed to it. Because the cleared amounts form a circulation,
the two are equal: no balance changes and `balance == sum(postings)` still holds; each
posting's `balance_after` is the running balance (down, then back up to the unchanged
balance). The entry's amount is the run's total cleared, as for any multi-leg entry (the sum
of its credits). The detail, invoice by invoice, is in clearing_lines (run, invoice,
outstanding before, amount cleared). The whole set (run status, invoice reductions, entry,
postings) is written in one database transaction: nobody ever sees a part of it.
(One entry per run rather than one per debtor -> creditor pair: the same audit trail in two
rows per account, ~6,400 for a 3,200-firm economy instead of ~146,000 entries and postings
with their index and foreign-key work, so that a 100,000-invoice run posts within seconds.)

A run of CREDIT_TRANSFERS posts real INVOICE transfers through the ledger, within limits.
"""
from collections import defaultdict
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import db_time, literal_ids
from app.errors import N_, DomainError, ErrorCode
from app.invoices.services import reduce_outstanding
from app.ledger import services as ledger
from app.ledger.memos import system_memo
from app.ledger.services.journal import insert_entry
from app.treasury import bulk, queries
from models import Account, InvoicePayment, InvoiceStatus, Member, TransferKind, UTCDateTime, utcnow

Progress = Callable[[int, int], None]  # (rows just done, rows in all)

# A settlement planned on balances that have changed since (app.treasury.runs checks first;
# a payment refused while posting, by a concurrent change, says the same).
STALE_SETTLEMENT = N_(
    "Balances changed since this proposal: %(names)s can no longer pay or receive their part. Propose a new settlement."
)


def stale_invoice_ids(session: so.Session, run_id: int, limit: int) -> list[int]:
    return list(session.scalars(queries.changed_invoice_ids(run_id).limit(limit)))


def refuse_if_stale(session: so.Session, run_id: int) -> None:
    stale = stale_invoice_ids(session, run_id, limit=5)
    if stale:
        raise DomainError(
            ErrorCode.STALE,
            "Invoices changed since this proposal (%(ids)s): propose a new clearing.",
            "runId",
            ids=", ".join(f"n° {i}" for i in stale),
        )


def post_set_off(session: so.Session, actor: Member, run_id: int, lines, progress: Optional[Progress]) -> None:
    """Three writes: the invoices reduced in one guarded UPDATE ... FROM the run's lines (it
    refuses a stale run), the run's entry, then its postings computed here and inserted in
    bulk (COPY on PostgreSQL), each with its running balance."""
    owed: dict[int, int] = defaultdict(int)  # what the run cleared of the invoices each account owes
    due: dict[int, int] = defaultdict(int)  # ... and of the invoices owed to it
    for _, debtor, creditor, _, amount in lines:
        owed[debtor] += amount
        due[creditor] += amount
    if owed != due:
        # Cannot happen with the solver's output; refuse rather than move a balance.
        raise RuntimeError(f"clearing run {run_id} is not a circulation")
    accounts = sorted(owed)
    if not accounts:  # nothing to clear: no entry (it would move nothing)
        return
    total = len(lines) + 1 + 2 * len(accounts)

    # Lock the accounts (ascending ids, like the ledger): no transfer moves their balances
    # while the postings copy them into balance_after.
    balances = dict(session.execute(
        sa.select(Account.id, Account.balance).where(Account.id.in_(literal_ids(accounts))).order_by(Account.id)
        .with_for_update()
    ).all())
    now = utcnow()
    # The UPDATE's guard is the staleness check (one pass over the invoices, not two); when an
    # invoice changed, it is undone and the changed ones are named.
    reduction = session.begin_nested()
    if session.execute(_REDUCE_INVOICES, {"run": run_id, "now": now}).rowcount != len(lines):
        reduction.rollback()
        refuse_if_stale(session, run_id)
        # Changed while posting, and back since: still not what the proposal saw.
        raise DomainError(ErrorCode.STALE, "Invoices changed while posting: propose a new clearing.", "runId")
    reduction.commit()
    if progress:
        progress(len(lines), total)

    # journal_entry's conventions: the amount is the sum of the credits (the run's total
    # cleared), from/to its largest debit and credit. Every account is debited and credited
    # alike, so "to" is the largest credit of another account (an entry joins two accounts).
    source = max(accounts, key=owed.__getitem__)
    target = max((a for a in accounts if a != source), key=due.__getitem__)
    entry = insert_entry(session, dict(
        kind=TransferKind.CLEARING, from_account_id=source, to_account_id=target, amount=sum(due.values()),
        system_memo=system_memo("clearing", run=run_id, invoices=len(lines)), initiator_id=actor.id,
        idempotency_key=f"clearing:{run_id}", created_at=now,
    ))
    if entry is None:  # the run is decided once (runs._decide): its key cannot be taken
        raise RuntimeError(f"clearing run {run_id} is already in the ledger")
    if progress:
        progress(1, total)

    # Two postings an account: down by what it owed, back up by what it was owed, to its
    # unchanged balance (the lines stay in clearing_lines; this is their sum per account).
    # Ids follow the insertion order, so balance_after is the running balance.
    created_at = db_time(session, now)
    bulk.insert_rows(session, "postings", _POSTING_COLUMNS, (
        row
        for account_id in accounts
        for row in (
            (entry.id, account_id, -owed[account_id], balances[account_id] - owed[account_id], created_at),
            (entry.id, account_id, due[account_id], balances[account_id], created_at),
        )
    ))
    if progress:
        progress(2 * len(accounts), total)
    session.expire_all()


_POSTING_COLUMNS = ("transfer_id", "account_id", "amount", "balance_after", "created_at")

# Each invoice of the run, from the outstanding the proposal saw (the guard: unchanged since)
# to what is left; paid off, it is closed.
_REDUCE_INVOICES = sa.text(
    "UPDATE invoices SET outstanding = l.outstanding_before - l.amount,"
    " status = CASE WHEN l.amount = l.outstanding_before THEN 'PAID' ELSE 'ACCEPTED' END,"
    " closed_at = CASE WHEN l.amount = l.outstanding_before THEN :now ELSE invoices.closed_at END"
    # In invoice order: the rows are then visited as they lie on disk (2 to 4 times faster on
    # SQLite than in the order of another index).
    " FROM (SELECT invoice_id, outstanding_before, amount FROM clearing_lines WHERE run_id = :run ORDER BY invoice_id) l"
    " WHERE invoices.id = l.invoice_id AND invoices.outstanding = l.outstanding_before AND invoices.status = 'ACCEPTED'"
).bindparams(sa.bindparam("now", type_=UTCDateTime()))


def post_credit_transfers(session: so.Session, actor: Member, run_id: int, lines, progress: Optional[Progress]) -> None:
    """Real payments through the ledger: each one within the debtor's limit, or the whole run
    is refused (balances moved since the proposal)."""
    for line in lines:
        reduce_outstanding(session, line.invoice_id, (InvoiceStatus.ACCEPTED,), line.amount)
        debtor = session.get(Account, line.debtor_account_id)
        try:
            entry = ledger.transfer(
                session,
                actor,
                from_account=debtor,
                to_account_id=line.creditor_account_id,
                amount=line.amount,
                system_memo=system_memo("credit_settlement", run=run_id, invoice=line.invoice_id),
                kind=TransferKind.INVOICE,
                idempotency_key=f"settlement:{run_id}:{line.invoice_id}",
                check_permission=False,
            )
        except DomainError as exc:
            if exc.code in (ErrorCode.CREDIT_LIMIT_EXCEEDED, ErrorCode.BALANCE_CAP_EXCEEDED, ErrorCode.INVALID_STATE):
                raise DomainError(ErrorCode.STALE, STALE_SETTLEMENT, "runId", names=debtor.name) from exc
            raise
        session.add(InvoicePayment(invoice_id=line.invoice_id, transfer_id=entry.id, amount=line.amount, run_id=run_id))
        if progress:
            progress(1, len(lines))
