"""Posting a clearing run into the ledger, in one transaction with the run's decision.

How a posted set-off is recorded in the ledger (so that it can be audited like any entry):
one CLEARING transfer per debtor -> creditor pair of the run, from the debtor to the creditor
for the total cleared on that pair's invoices, with its two postings; its idempotency key
"clearing:<run>:<debtor>-<creditor>" ties it to the run's lines (clearing_lines: run, invoice,
outstanding before, amount cleared). Because the cleared amounts form a circulation, the
postings of the run sum to zero on every account, so no balance changes and
`balance == sum(postings)` still holds. The whole set (run status, invoice reductions,
transfers, postings) is written in one database transaction: nobody ever sees a part of it,
and each posting's `balance_after` is the running balance along the run, back to the
account's unchanged balance at its last posting.
(One entry per pair rather than per invoice: the same audit trail with half the rows, which
keeps a 100,000-invoice run within seconds.)

A run of CREDIT_TRANSFERS posts real INVOICE transfers through the ledger, within limits.
"""
import json
from collections import defaultdict
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import N_, DomainError, ErrorCode
from app.invoices.services import reduce_outstanding
from app.ledger import services as ledger
from app.ledger.memos import system_memo
from app.ledger.services.journal import db_time
from app.treasury import bulk
from models import Account, InvoicePayment, InvoiceStatus, Member, TransferKind, UTCDateTime, utcnow

Progress = Callable[[int, int], None]  # (rows just done, rows in all)

# A settlement planned on balances that have changed since (app.treasury.runs checks first;
# a payment refused while posting, by a concurrent change, says the same).
STALE_SETTLEMENT = N_(
    "Balances changed since this proposal: %(names)s can no longer pay or receive their part. Propose a new settlement."
)


def post_set_off(session: so.Session, actor: Member, run_id: int, lines, progress: Optional[Progress]) -> None:
    """Three set-based writes: the invoices reduced in one UPDATE ... FROM the run's lines,
    then the entries and their postings computed here and inserted in bulk (COPY on
    PostgreSQL), each posting with its running balance."""
    pairs: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])  # amount, invoices
    net: dict[int, int] = defaultdict(int)
    for _, debtor, creditor, _, amount in lines:
        pair = pairs[debtor, creditor]
        pair[0] += amount
        pair[1] += 1
        net[debtor] -= amount
        net[creditor] += amount
    if any(net.values()):
        # Cannot happen with the solver's output; refuse rather than move a balance.
        raise RuntimeError(f"clearing run {run_id} is not a circulation")
    total = len(lines) + 3 * len(pairs)

    # Lock the accounts (ascending ids, like the ledger): no transfer moves their balances
    # while the postings copy them into balance_after.
    balances = dict(session.execute(
        sa.select(Account.id, Account.balance).where(Account.id.in_(list(net))).order_by(Account.id).with_for_update()
    ).all())
    now = utcnow()
    reduced = session.execute(_REDUCE_INVOICES, {"run": run_id, "now": now})
    if reduced.rowcount != len(lines):  # a concurrent change slipped in after the check
        raise DomainError(ErrorCode.STALE, "Invoices changed while posting: propose a new clearing.", "runId")
    if progress:
        progress(len(lines), total)

    entry_ids = bulk.reserve_ids(session, "transfers", len(pairs))
    created_at = db_time(session, now)
    ordered = sorted(pairs.items())
    memos = {count: json.dumps(system_memo("clearing", run=run_id, invoices=count)) for _, count in pairs.values()}
    bulk.insert_rows(session, "transfers", _ENTRY_COLUMNS, (
        (entry_id, TransferKind.CLEARING.value, debtor, creditor, amount, 0, "", memos[count], actor.id, actor.id,
         f"clearing:{run_id}:{debtor}-{creditor}", created_at)
        for entry_id, ((debtor, creditor), (amount, count)) in zip(entry_ids, ordered, strict=True)
    ))
    if progress:
        progress(len(pairs), total)

    # Within the run an account goes down and back up (a circulation: it ends where it
    # started): each posting's balance_after is its balance plus the run's postings so far.
    posting_ids = iter(bulk.reserve_ids(session, "postings", 2 * len(pairs)))
    rows = []
    for entry_id, ((debtor, creditor), (amount, _)) in zip(entry_ids, ordered, strict=True):
        for account_id, delta in ((debtor, -amount), (creditor, amount)):
            balances[account_id] += delta
            rows.append((next(posting_ids), entry_id, account_id, delta, balances[account_id], created_at))
    bulk.insert_rows(session, "postings", _POSTING_COLUMNS, rows)
    if progress:
        progress(2 * len(pairs), total)
    session.expire_all()


# One CLEARING entry per debtor -> creditor pair of the run, for the sum cleared on that pair's
# invoices (their detail is in clearing_lines), keyed "clearing:<run>:<debtor>-<creditor>"; the
# treasurer who posts the run is both its initiator and its actor.
_ENTRY_COLUMNS = (
    "id", "kind", "from_account_id", "to_account_id", "amount", "fee", "memo", "system_memo", "initiator_id",
    "actor_id", "idempotency_key", "created_at",
)
_POSTING_COLUMNS = ("id", "transfer_id", "account_id", "amount", "balance_after", "created_at")
# Each invoice of the run, from the outstanding the proposal saw (unchanged: checked first and
# guarded here) to what is left; paid off, it is closed.
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
