"""Clearing runs: the treasurer proposes, reviews, then posts or discards.

Two methods share the same proposal/posting cycle:

- SET_OFF, the multilateral set-off (MTCS): `solve_clearing` finds the largest circulation of
  debt within the accepted invoices; posting it reduces those invoices and changes no balance.
- CREDIT_TRANSFERS, "clearing with mutual credit": what remains is paid by credit transfers
  from debtors that have available credit (oldest due first); posting runs real INVOICE
  transfers through the ledger, within limits.

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

A proposal is STALE once any of its invoices no longer has the status (ACCEPTED) and the
outstanding it had when proposed; posting then refuses with code STALE.
"""
from collections import defaultdict
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.errors import DomainError, ErrorCode
from app.ledger import services as ledger
from app.treasury.clearing import Debt, solve_clearing
from app.treasury.invoices import reduce_outstanding
from models import (
    Account,
    AccountStatus,
    ClearingLine,
    ClearingMethod,
    ClearingPosition,
    ClearingRun,
    ClearingRunStatus,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    Member,
    TransferKind,
    UTCDateTime,
    utcnow,
)

CHUNK = 5000  # rows per bulk statement; also the progress bar's step
Progress = Callable[[int, int], None]  # (rows just done, rows in all)


def _require_treasurer(actor: Member) -> None:
    if not permissions.is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can run a clearing.")


def _chunks(rows: list, by=None):
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


# --- Proposal ----------------------------------------------------------------------------------


def open_debts(session: so.Session) -> list[Debt]:
    """Every accepted invoice with something outstanding, as the solver's input."""
    rows = session.execute(
        sa.select(Invoice.id, Invoice.debtor_account_id, Invoice.creditor_account_id, Invoice.outstanding)
        .where(Invoice.status == InvoiceStatus.ACCEPTED, Invoice.outstanding > 0)
        .order_by(Invoice.due_date, Invoice.id)
    ).all()
    return [Debt(invoice_id=i, debtor=d, creditor=c, amount=a) for i, d, c, a in rows]


def plan_credit_transfers(session: so.Session, debts: list[Debt]) -> dict[int, int]:
    """How much of each debt its debtor can pay now, oldest due first. Credits received from a
    payment count for the receiver's own later payments, so a few passes go further than one."""
    account_ids = {d.debtor for d in debts} | {d.creditor for d in debts}
    rows = session.execute(
        sa.select(Account.id, Account.balance, Account.credit_limit, Account.on_hold, Account.balance_cap, Account.status)
        .where(Account.id.in_(account_ids))
    ).all()
    balance = {r.id: r.balance for r in rows}
    available = {r.id: r.balance + r.credit_limit - r.on_hold for r in rows}
    cap = {r.id: r.balance_cap for r in rows}
    is_open = {r.id: r.status == AccountStatus.OPEN for r in rows}
    settings = ledger.get_settings(session)
    paid: dict[int, int] = defaultdict(int)
    for _ in range(3):
        progress = False
        for d in debts:
            left = d.amount - paid[d.invoice_id]
            if left <= 0 or not (is_open[d.debtor] and is_open[d.creditor]):
                continue
            pay = _affordable(settings, min(left, available[d.debtor]))
            if cap[d.creditor] is not None:
                pay = min(pay, max(0, cap[d.creditor] - balance[d.creditor]))
            if pay <= 0:
                continue
            cost = pay + ledger.fee_for(settings, pay)
            available[d.debtor] -= cost
            balance[d.debtor] -= cost
            available[d.creditor] += pay
            balance[d.creditor] += pay
            paid[d.invoice_id] += pay
            progress = True
        if not progress:
            break
    return {k: v for k, v in paid.items() if v > 0}


def _affordable(settings, budget: int) -> int:
    """The largest payment whose amount plus the hub's fee fits in `budget`."""
    pay = budget
    for _ in range(4):
        if pay <= 0 or pay + ledger.fee_for(settings, pay) <= budget:
            break
        pay = budget - ledger.fee_for(settings, pay)
    return pay if pay > 0 and pay + ledger.fee_for(settings, pay) <= budget else 0


def propose_clearing(
    session: so.Session,
    actor: Member,
    method: ClearingMethod = ClearingMethod.SET_OFF,
    progress: Optional[Progress] = None,
) -> ClearingRun:
    """Compute a clearing of all accepted, outstanding invoices and store it as a proposal."""
    _require_treasurer(actor)
    debts = open_debts(session)
    if method == ClearingMethod.SET_OFF:
        cleared = solve_clearing(debts).cleared
    else:
        cleared = plan_credit_transfers(session, debts)
    gross_before = sum(d.amount for d in debts)
    run = ClearingRun(
        method=method,
        status=ClearingRunStatus.PROPOSED,
        gross_before=gross_before,
        cleared=sum(cleared.values()),
        invoice_count=len(cleared),
        proposed_by_id=actor.id,
    )
    session.add(run)
    session.flush()

    lines = [
        {
            "run_id": run.id,
            "invoice_id": d.invoice_id,
            "debtor_account_id": d.debtor,
            "creditor_account_id": d.creditor,
            "outstanding_before": d.amount,
            "amount": cleared[d.invoice_id],
        }
        for d in debts
        if d.invoice_id in cleared
    ]
    for chunk in _chunks(lines):
        _insert_lines(session, chunk)
        if progress:
            progress(len(chunk), len(lines))

    positions: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for d in debts:
        done = cleared.get(d.invoice_id, 0)
        positions[d.debtor][0] += d.amount
        positions[d.debtor][2] += done
        positions[d.creditor][1] += d.amount
        positions[d.creditor][3] += done
    if positions:
        session.execute(
            sa.insert(ClearingPosition.__table__),
            [
                {
                    "run_id": run.id,
                    "account_id": account_id,
                    "payable_before": p[0],
                    "receivable_before": p[1],
                    "payable_cleared": p[2],
                    "receivable_cleared": p[3],
                }
                for account_id, p in sorted(positions.items())
            ],
        )
    session.flush()
    return run


_LINE_COLUMNS = ("run_id", "invoice_id", "debtor_account_id", "creditor_account_id", "outstanding_before", "amount")
_PG_INSERT_LINES = sa.text(
    "INSERT INTO clearing_lines (" + ", ".join(_LINE_COLUMNS) + ")"
    " SELECT * FROM unnest(CAST(:run_id AS integer[]), CAST(:invoice_id AS integer[]), CAST(:debtor_account_id AS integer[]),"
    " CAST(:creditor_account_id AS integer[]), CAST(:outstanding_before AS bigint[]), CAST(:amount AS bigint[]))"
)


def _insert_lines(session: so.Session, rows: list[dict]) -> None:
    """Many lines at once: as arrays in one statement on PostgreSQL (ten times faster than
    a multi-row VALUES), as an executemany on SQLite (already fast in-process)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_INSERT_LINES, {c: [r[c] for r in rows] for c in _LINE_COLUMNS})
    else:
        session.execute(sa.insert(ClearingLine.__table__), rows)


# --- Staleness, discard ---------------------------------------------------------------------


def _changed_lines(session: so.Session, run_id: int) -> sa.Select:
    return (
        sa.select(ClearingLine.invoice_id)
        .join(Invoice, Invoice.id == ClearingLine.invoice_id)
        .where(
            ClearingLine.run_id == run_id,
            sa.or_(Invoice.status != InvoiceStatus.ACCEPTED, Invoice.outstanding != ClearingLine.outstanding_before),
        )
    )


def stale_invoice_ids(session: so.Session, run_id: int, limit: int = 20) -> list[int]:
    return list(session.scalars(_changed_lines(session, run_id).order_by(ClearingLine.invoice_id).limit(limit)))


def stale_run_ids(session: so.Session, run_ids: list[int]) -> set[int]:
    """Which of these proposals went stale, in one query (for a page of runs)."""
    if not run_ids:
        return set()
    return set(
        session.scalars(
            sa.select(ClearingLine.run_id)
            .join(Invoice, Invoice.id == ClearingLine.invoice_id)
            .where(
                ClearingLine.run_id.in_(run_ids),
                sa.or_(Invoice.status != InvoiceStatus.ACCEPTED, Invoice.outstanding != ClearingLine.outstanding_before),
            )
            .distinct()
        )
    )


def is_stale(session: so.Session, run: ClearingRun) -> bool:
    if run.status != ClearingRunStatus.PROPOSED:
        return False
    return bool(stale_invoice_ids(session, run.id, limit=1))


def _get_run(session: so.Session, run_id: int) -> ClearingRun:
    run = session.get(ClearingRun, run_id, populate_existing=True)
    if run is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This clearing run does not exist.", "runId")
    return run


def _decide(session: so.Session, actor: Member, run_id: int, status: ClearingRunStatus) -> ClearingRun:
    """Move a run out of PROPOSED with a guarded UPDATE: of two concurrent decisions, one wins."""
    run = _get_run(session, run_id)
    result = session.execute(
        sa.update(ClearingRun)
        .where(ClearingRun.id == run.id, ClearingRun.status == ClearingRunStatus.PROPOSED)
        .values(status=status.value, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(ErrorCode.INVALID_STATE, "This clearing run was already posted or discarded.", "runId")
    session.expire(run)
    return run


def discard_clearing(session: so.Session, actor: Member, run_id: int) -> ClearingRun:
    _require_treasurer(actor)
    run = _decide(session, actor, run_id, ClearingRunStatus.DISCARDED)
    session.refresh(run)
    return run


# --- Posting --------------------------------------------------------------------------------


def post_clearing(session: so.Session, actor: Member, run_id: int, progress: Optional[Progress] = None) -> ClearingRun:
    """Post a proposal. Only flushes: the caller's transaction makes it all-or-nothing."""
    _require_treasurer(actor)
    run = _decide(session, actor, run_id, ClearingRunStatus.POSTED)
    stale = stale_invoice_ids(session, run_id, limit=5)
    if stale:
        raise DomainError(
            ErrorCode.STALE,
            "Invoices changed since this proposal (%(ids)s): propose a new clearing.",
            "runId",
            ids=", ".join(f"n° {i}" for i in stale),
        )
    lines = session.execute(
        sa.select(
            ClearingLine.invoice_id,
            ClearingLine.debtor_account_id,
            ClearingLine.creditor_account_id,
            ClearingLine.outstanding_before,
            ClearingLine.amount,
        )
        .where(ClearingLine.run_id == run_id)
        .order_by(ClearingLine.invoice_id)
    ).all()
    if run.method == ClearingMethod.SET_OFF:
        _post_set_off(session, actor, run_id, lines, progress)
    else:
        _post_credit_transfers(session, actor, run_id, lines, progress)
    session.flush()
    session.refresh(run)
    return run


def _post_set_off(session: so.Session, actor: Member, run_id: int, lines, progress: Optional[Progress]) -> None:
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
    params = {"run": run_id, "now": utcnow(), "actor": actor.id,
              "memo": f"Compensation multilatérale n° {run_id}", "key": f"clearing:{run_id}:"}
    postgres = session.get_bind().dialect.name == "postgresql"
    # Set-based statements, one set per slice of debtors: the rows never travel through
    # Python, which keeps a 100,000-invoice run to seconds on PostgreSQL.
    lines = sorted(lines, key=lambda line: (line.debtor_account_id, line.creditor_account_id, line.invoice_id))
    for chunk in _chunks(lines, by=lambda line: line.debtor_account_id):
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
_LINES = "FROM clearing_lines l WHERE l.run_id = :run AND l.debtor_account_id BETWEEN :lo AND :hi"
_PAIR_KEY = ":key || l.debtor_account_id || '-' || l.creditor_account_id"
_REDUCE_INVOICES = sa.text(
    "UPDATE invoices SET outstanding = l.outstanding_before - l.amount,"
    " status = CASE WHEN l.amount = l.outstanding_before THEN 'PAID' ELSE 'ACCEPTED' END,"
    " closed_at = CASE WHEN l.amount = l.outstanding_before THEN :now ELSE invoices.closed_at END "
    + _LINES
    + " AND invoices.id = l.invoice_id AND invoices.outstanding = l.outstanding_before AND invoices.status = 'ACCEPTED'"
).bindparams(sa.bindparam("now", type_=UTCDateTime()))
_SELECT_ENTRIES = (
    "SELECT 'CLEARING', l.debtor_account_id, l.creditor_account_id, sum(l.amount), 0,"
    " :memo || ' — ' || count(*) || ' facture(s)', :actor, " + _PAIR_KEY + ", :now "
    + _LINES
    + " GROUP BY l.debtor_account_id, l.creditor_account_id ORDER BY l.debtor_account_id, l.creditor_account_id"
)
_ENTRY_COLUMNS = "kind, from_account_id, to_account_id, amount, fee, memo, initiator_id, idempotency_key, created_at"
_INSERT_ENTRIES = sa.text(f"INSERT INTO transfers ({_ENTRY_COLUMNS}) " + _SELECT_ENTRIES).bindparams(
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
    f"WITH entries AS (INSERT INTO transfers ({_ENTRY_COLUMNS}) " + _SELECT_ENTRIES
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


def _post_credit_transfers(session: so.Session, actor: Member, run_id: int, lines, progress: Optional[Progress]) -> None:
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
                memo=f"Règlement en crédits n° {run_id} — facture n° {line.invoice_id}",
                kind=TransferKind.INVOICE,
                idempotency_key=f"settlement:{run_id}:{line.invoice_id}",
                check_permission=False,
            )
        except DomainError as exc:
            if exc.code in (ErrorCode.CREDIT_LIMIT_EXCEEDED, ErrorCode.BALANCE_CAP_EXCEEDED, ErrorCode.INVALID_STATE):
                raise DomainError(
                    ErrorCode.STALE,
                    "Balances changed since this proposal: %(name)s can no longer pay. Propose a new settlement.",
                    "runId",
                    name=debtor.name,
                ) from exc
            raise
        session.add(InvoicePayment(invoice_id=line.invoice_id, transfer_id=entry.id, amount=line.amount, run_id=run_id))
        if progress:
            progress(1, len(lines))
    session.flush()
