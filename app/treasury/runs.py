"""Clearing runs: the treasurer proposes, reviews, then posts or discards.

Two methods share the same proposal/posting cycle:

- SET_OFF, the multilateral set-off (MTCS): `solve_clearing` finds the largest circulation of
  debt within the accepted invoices; posting it reduces those invoices and changes no balance.
- CREDIT_TRANSFERS, "clearing with mutual credit": what remains is paid by credit transfers
  from debtors that have available credit (oldest due first); posting runs real INVOICE
  transfers through the ledger, within limits.

How a posted run is written into the ledger: app.treasury.posting.

A proposal is STALE once any of its invoices no longer has the status (ACCEPTED) and the
outstanding it had when proposed; posting then refuses with code STALE.
"""
import logging
from collections import defaultdict
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import permissions
from app.errors import DomainError, ErrorCode
from app.ledger import services as ledger
from app.notices import events as notices
from app.treasury import posting, queries
from app.treasury.clearing import Debt, solve_clearing
from app.treasury.posting import Progress
from models import (
    Account,
    AccountStatus,
    ClearingLine,
    ClearingMethod,
    ClearingPosition,
    ClearingRun,
    ClearingRunStatus,
    Member,
    utcnow,
)

log = logging.getLogger("alveole.treasury")


def _require_treasurer(actor: Member) -> None:
    if not permissions.is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can run a clearing.")


# --- Proposal ----------------------------------------------------------------------------------


def open_debts(session: so.Session) -> list[Debt]:
    """Every accepted invoice with something outstanding, as the solver's input."""
    rows = session.execute(queries.open_debts()).all()
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
    for chunk in posting.chunks(lines):
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
    log.info(
        "clearing run %s proposed by member %s (%s): %s of %s cleared on %s invoice(s)",
        run.id, actor.id, method.value, run.cleared, run.gross_before, run.invoice_count,
    )
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


def stale_invoice_ids(session: so.Session, run_id: int, limit: int = 20) -> list[int]:
    return list(session.scalars(queries.changed_invoice_ids(run_id).limit(limit)))


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
    log.info("clearing run %s discarded by member %s", run.id, actor.id)
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
        posting.post_set_off(session, actor, run_id, lines, progress)
    else:
        posting.post_credit_transfers(session, actor, run_id, lines, progress)
    session.flush()
    session.refresh(run)
    if run.method == ClearingMethod.SET_OFF:
        log.info("clearing run %s posted by member %s: %s cleared on %s invoice(s)", run.id, actor.id, run.cleared, run.invoice_count)
    else:
        log.info("settlement run %s posted by member %s: %s paid on %s invoice(s)", run.id, actor.id, run.cleared, run.invoice_count)
    notices.clearing_posted(session, run, lines)
    return run
