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
from collections import defaultdict
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import N_, DomainError, ErrorCode
from app.invoices.services import reduce_outstanding
from app.ledger import services as ledger
from app.ledger.memos import system_memo
from models import Account, InvoicePayment, InvoiceStatus, Member, TransferKind, UTCDateTime, utcnow

CHUNK = 5000  # rows per bulk statement; also the progress bar's step
Progress = Callable[[int, int], None]  # (rows just done, rows in all)


def chunks(rows: list, by=None):
    """Slices of about CHUNK rows; with `by`, rows sharing by(row) stay in one slice (rows
    sorted by it), so a slice can be selected again in SQL as a range of that key."""
    start = 0
    while start < len(rows):
        end = min(start + CHUNK, len(rows))
        if by is not None:
            while end < len(rows) and by(rows[end]) == by(rows[end - 1]):
                end += 1
        yield rows[start:end]
        start = end



def post_set_off(session: so.Session, actor: Member, run_id: int, lines, progress: Optional[Progress]) -> None:
    net: dict[int, int] = defaultdict(int)
    for line in lines:
        net[line.debtor_account_id] -= line.amount
        net[line.creditor_account_id] += line.amount
    if any(net.values()):
        # Cannot happen with the solver's output; refuse rather than move a balance.
        raise RuntimeError(f"clearing run {run_id} is not a circulation")

    # Lock the accounts (ascending ids, like the ledger): no transfer moves their balances
    # while the postings copy them into balance_after.
    session.execute(sa.select(Account.id).where(Account.id.in_(list(net))).order_by(Account.id).with_for_update()).all()
    params = {"run": run_id, "now": utcnow(), "actor": actor.id, "key": f"clearing:{run_id}:"}
    postgres = session.get_bind().dialect.name == "postgresql"
    # Set-based statements, one set per slice of debtors: the rows never travel through
    # Python, which keeps a 100,000-invoice run to seconds on PostgreSQL.
    lines = sorted(lines, key=lambda line: (line.debtor_account_id, line.creditor_account_id, line.invoice_id))
    for chunk in chunks(lines, by=lambda line: line.debtor_account_id):
        bounds = {**params, "lo": chunk[0].debtor_account_id, "hi": chunk[-1].debtor_account_id}
        reduced = session.execute(_REDUCE_INVOICES, bounds)
        if reduced.rowcount != len(chunk):  # a concurrent change slipped in after the check
            raise DomainError(ErrorCode.STALE, "Invoices changed while posting: propose a new clearing.", "runId")
        if postgres:
            session.execute(_PG_INSERT_ENTRIES_AND_POSTINGS, bounds)
        else:
            session.execute(_INSERT_ENTRIES, bounds)
            session.execute(_INSERT_POSTINGS, {**bounds, "side": "debtor"})
            session.execute(_INSERT_POSTINGS, {**bounds, "side": "creditor"})
        if progress:
            progress(len(chunk), len(lines))
    session.execute(_RUNNING_BALANCES, {"actor": actor.id, "pattern": f"clearing:{run_id}:%"})
    session.expire_all()


# One CLEARING entry per debtor -> creditor pair of the run, for the sum cleared on that
# pair's invoices (their detail is in clearing_lines), keyed "clearing:<run>:<debtor>-<creditor>".
# A settlement planned on balances that have changed since (app.treasury.runs checks first;
# a payment refused while posting, by a concurrent change, says the same).
STALE_SETTLEMENT = N_(
    "Balances changed since this proposal: %(names)s can no longer pay or receive their part. Propose a new settlement."
)
_LINES = "FROM clearing_lines l WHERE l.run_id = :run AND l.debtor_account_id BETWEEN :lo AND :hi"
_PAIR_KEY = ":key || l.debtor_account_id || '-' || l.creditor_account_id"
_REDUCE_INVOICES = sa.text(
    "UPDATE invoices SET outstanding = l.outstanding_before - l.amount,"
    " status = CASE WHEN l.amount = l.outstanding_before THEN 'PAID' ELSE 'ACCEPTED' END,"
    " closed_at = CASE WHEN l.amount = l.outstanding_before THEN :now ELSE invoices.closed_at END "
    + _LINES
    + " AND invoices.id = l.invoice_id AND invoices.outstanding = l.outstanding_before AND invoices.status = 'ACCEPTED'"
).bindparams(sa.bindparam("now", type_=UTCDateTime()))
# The entry's memo is the hub's: app.ledger.memos' "clearing" with the run and the number of
# invoices, as JSON text (PostgreSQL wants it cast to its JSON type; SQLite stores the text).
_CLEARING_MEMO = "'{\"key\": \"clearing\", \"args\": {\"run\": ' || :run || ', \"invoices\": ' || count(*) || '}}'"


def _select_entries(system_memo: str) -> str:
    return (
        "SELECT 'CLEARING', l.debtor_account_id, l.creditor_account_id, sum(l.amount), 0, '', " + system_memo
        + ", :actor, :actor, " + _PAIR_KEY + ", :now " + _LINES
        + " GROUP BY l.debtor_account_id, l.creditor_account_id ORDER BY l.debtor_account_id, l.creditor_account_id"
    )


# The treasurer who posts the run is both its initiator and its actor.
_ENTRY_COLUMNS = (
    "kind, from_account_id, to_account_id, amount, fee, memo, system_memo, initiator_id, actor_id, idempotency_key,"
    " created_at"
)
_INSERT_ENTRIES = sa.text(f"INSERT INTO transfers ({_ENTRY_COLUMNS}) " + _select_entries(_CLEARING_MEMO)).bindparams(
    sa.bindparam("now", type_=UTCDateTime())
)
# balance_after is first the account's balance (the run, a circulation, leaves it unchanged),
# then _RUNNING_BALANCES makes it the running balance along the run's postings, as for any entry.
_INSERT_POSTINGS = sa.text(
    "INSERT INTO postings (transfer_id, account_id, amount, balance_after, created_at)"
    " SELECT t.id, a.id, CASE WHEN :side = 'debtor' THEN -t.amount ELSE t.amount END, a.balance, :now"
    " FROM (SELECT DISTINCT l.debtor_account_id, l.creditor_account_id " + _LINES + ") l"
    " JOIN transfers t ON t.initiator_id = :actor AND t.idempotency_key = " + _PAIR_KEY
    + " JOIN accounts a ON a.id = CASE WHEN :side = 'debtor' THEN t.from_account_id ELSE t.to_account_id END"
    " ORDER BY t.id"
).bindparams(sa.bindparam("now", type_=UTCDateTime()))
# PostgreSQL: entries and postings in one statement (a data-modifying CTE), joining the new
# entries in memory instead of looking each one up again.
_PG_INSERT_ENTRIES_AND_POSTINGS = sa.text(
    f"WITH entries AS (INSERT INTO transfers ({_ENTRY_COLUMNS}) " + _select_entries(f"CAST({_CLEARING_MEMO} AS JSON)")
    + " RETURNING id, from_account_id, to_account_id, amount)"
    " INSERT INTO postings (transfer_id, account_id, amount, balance_after, created_at)"
    " SELECT e.id, a.id, CASE WHEN a.id = e.from_account_id THEN -e.amount ELSE e.amount END, a.balance, :now"
    " FROM entries e JOIN accounts a ON a.id = e.from_account_id OR a.id = e.to_account_id"
    " ORDER BY e.id, a.id <> e.from_account_id"
).bindparams(sa.bindparam("now", type_=UTCDateTime()))


# Within the run an account goes down and back up: each posting's balance_after is the balance
# before the run plus the run's postings on that account so far (in posting order).
_RUNNING_BALANCES = sa.text(
    "UPDATE postings SET balance_after = postings.balance_after + r.so_far"
    " FROM (SELECT p.id, sum(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.id) AS so_far"
    "       FROM postings p JOIN transfers t ON t.id = p.transfer_id"
    "       WHERE t.initiator_id = :actor AND t.idempotency_key LIKE :pattern) r"
    " WHERE postings.id = r.id"
)


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
