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
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit, permissions
from app.errors import DomainError, ErrorCode
from app.ledger import services as ledger
from app.notices import events as notices
from app.treasury import bulk, posting, queries
from app.treasury.clearing import Debt, solve_columns
from app.treasury.posting import Progress
from models import (
    Account,
    AccountStatus,
    ClearingLine,
    ClearingMethod,
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


MAX_PASSES = 5  # over the open invoices, each pass paying with what the previous ones brought


@dataclass
class _Position:
    """An account as a settlement plan sees it, step after step."""

    balance: int
    available: int  # balance + credit limit - on hold
    cap: Optional[int]
    open: bool


def _positions(session: so.Session, account_ids) -> dict[int, _Position]:
    rows = session.execute(
        sa.select(Account.id, Account.balance, Account.credit_limit, Account.on_hold, Account.balance_cap, Account.status)
        .where(Account.id.in_(account_ids))
    ).all()
    return {
        r.id: _Position(r.balance, r.balance + r.credit_limit - r.on_hold, r.balance_cap, r.status == AccountStatus.OPEN)
        for r in rows
    }


def _payable(positions: dict[int, _Position], settings, debtor: int, creditor: int, wanted: int) -> int:
    """The most of `wanted` the debtor can pay the creditor now, within the debtor's credit
    limit (the hub's fee included) and the creditor's cap: the ledger's own rules."""
    payer, payee = positions[debtor], positions[creditor]
    if not (payer.open and payee.open):
        return 0
    pay = min(wanted, _affordable(settings, payer.available))
    if payee.cap is not None:
        pay = min(pay, max(0, payee.cap - payee.balance))
    return max(pay, 0)


def _affordable(settings, budget: int) -> int:
    """The largest payment whose amount plus the hub's fee fits in `budget`."""
    pay = budget
    for _ in range(4):
        if pay <= 0 or pay + ledger.fee_for(settings, pay) <= budget:
            break
        pay = budget - ledger.fee_for(settings, pay)
    return pay if pay > 0 and pay + ledger.fee_for(settings, pay) <= budget else 0


def _pay(positions: dict[int, _Position], settings, debtor: int, creditor: int, amount: int) -> None:
    cost = amount + ledger.fee_for(settings, amount)
    positions[debtor].balance -= cost
    positions[debtor].available -= cost
    positions[creditor].balance += amount
    positions[creditor].available += amount


def plan_credit_transfers(session: so.Session, debts: list[Debt]) -> list[tuple[Debt, int]]:
    """The payments that settle what can be settled now, in the order they must be posted:
    oldest due first, each invoice paid once, as much as its debtor can. Credit received from
    an earlier payment counts for the receiver's later ones, so a few passes go further than
    one; posting replays exactly this sequence, so a plan made on unchanged balances posts."""
    positions = _positions(session, {d.debtor for d in debts} | {d.creditor for d in debts})
    settings = ledger.get_settings(session)
    steps: list[tuple[Debt, int]] = []
    paid: set[int] = set()
    # Whole invoices first, while payments received make more of them payable; then what
    # is left, in part.
    for whole_only in (True, False):
        for _ in range(MAX_PASSES):
            before = len(steps)
            for d in debts:
                if d.invoice_id in paid:
                    continue
                pay = _payable(positions, settings, d.debtor, d.creditor, d.amount)
                if pay > 0 and (pay == d.amount or not whole_only):
                    _pay(positions, settings, d.debtor, d.creditor, pay)
                    steps.append((d, pay))
                    paid.add(d.invoice_id)
            if len(steps) == before:
                break
    return steps


def blocked_accounts(session: so.Session, lines) -> list[str]:
    """Replay a settlement's payments (debtor, creditor, amount), in order, on today's
    balances: the names of the accounts that can no longer pay or receive their part."""
    positions = _positions(session, {x.debtor_account_id for x in lines} | {x.creditor_account_id for x in lines})
    settings = ledger.get_settings(session)
    blocked: set[int] = set()
    for line in lines:
        if _payable(positions, settings, line.debtor_account_id, line.creditor_account_id, line.amount) < line.amount:
            payer = positions[line.debtor_account_id]
            blocked.add(line.debtor_account_id if payer.available < line.amount or not payer.open else line.creditor_account_id)
        else:  # a payment that cannot happen brings nothing to the accounts after it
            _pay(positions, settings, line.debtor_account_id, line.creditor_account_id, line.amount)
    return list(session.scalars(sa.select(Account.name).where(Account.id.in_(blocked)).order_by(Account.name)))


def propose_clearing(
    session: so.Session,
    actor: Member,
    method: ClearingMethod = ClearingMethod.SET_OFF,
    progress: Optional[Progress] = None,
) -> ClearingRun:
    """Compute a clearing of all accepted, outstanding invoices and store it as a proposal."""
    _require_treasurer(actor)
    # Plain rows, not Debts: a set-off reads ~10^5 invoices and hands the solver columns.
    rows = session.connection().execute(queries.open_debts()).all()
    if method == ClearingMethod.SET_OFF:
        cleared_ids, parts, _ = solve_columns(*([row[i] for row in rows] for i in range(4)))
        cleared = dict(zip(cleared_ids.tolist(), parts.tolist(), strict=True))
        ordered = [row for row in rows if row[0] in cleared]
    else:
        # Lines are stored in the order the payments must be posted (their ids follow it).
        steps = plan_credit_transfers(session, [Debt(*row) for row in rows])
        cleared = {d.invoice_id: amount for d, amount in steps}
        ordered = [(d.invoice_id, d.debtor, d.creditor, d.amount) for d, _ in steps]
    run = record_run(session, actor, rows, ordered, cleared, method, progress)
    log.info(
        "clearing run %s proposed by member %s (%s): %s of %s cleared on %s invoice(s)",
        run.id, actor.id, method.value, run.cleared, run.gross_before, run.invoice_count,
    )
    return run


def record_run(
    session: so.Session, actor: Member, rows, ordered, cleared: dict[int, int],
    method: ClearingMethod = ClearingMethod.SET_OFF, progress: Optional[Progress] = None,
) -> ClearingRun:
    """Store a proposal: the run, its lines (`ordered`, the debts it clears as (invoice id,
    debtor, creditor, outstanding) rows in posting order, each by `cleared[invoice id]`) and
    each account's position before and after over all the open debts `rows`.
    (Also how a joint run between hubs records this hub's part, app.federation.)"""
    run = ClearingRun(
        method=method,
        status=ClearingRunStatus.PROPOSED,
        gross_before=sum(row[3] for row in rows),
        cleared=sum(cleared.values()),
        invoice_count=len(cleared),
        proposed_by_id=actor.id,
    )
    session.add(run)
    session.flush()
    bulk.insert_rows(session, "clearing_lines", _LINE_COLUMNS, (
        (run.id, invoice_id, debtor, creditor, outstanding, cleared[invoice_id])
        for invoice_id, debtor, creditor, outstanding in ordered
    ))
    if progress:
        progress(len(ordered), len(ordered))
    _insert_positions(session, run.id, rows, cleared)
    return run


_LINE_COLUMNS = ("run_id", "invoice_id", "debtor_account_id", "creditor_account_id", "outstanding_before", "amount")


def _insert_positions(session: so.Session, run_id: int, rows, cleared: dict[int, int]) -> None:
    """Each account's payable and receivable, before the run and cleared by it."""
    positions: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for invoice_id, debtor, creditor, amount in rows:
        done = cleared.get(invoice_id, 0)
        payer, payee = positions[debtor], positions[creditor]
        payer[0] += amount
        payer[2] += done
        payee[1] += amount
        payee[3] += done
    bulk.insert_rows(session, "clearing_positions", (
        "run_id", "account_id", "payable_before", "receivable_before", "payable_cleared", "receivable_cleared"
    ), ((run_id, account_id, *p) for account_id, p in sorted(positions.items())))


# --- Staleness, discard ---------------------------------------------------------------------


def is_stale(session: so.Session, run: ClearingRun) -> bool:
    if run.status != ClearingRunStatus.PROPOSED:
        return False
    return bool(posting.stale_invoice_ids(session, run.id, limit=1))


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
    audit.record(session, actor, "clearing.discarded", run, {"status": "PROPOSED"}, {"status": run.status})
    log.info("clearing run %s discarded by member %s", run.id, actor.id)
    return run


# --- Posting --------------------------------------------------------------------------------


def post_clearing(session: so.Session, actor: Member, run_id: int, progress: Optional[Progress] = None) -> ClearingRun:
    """Post a proposal. Only flushes: the caller's transaction makes it all-or-nothing."""
    _require_treasurer(actor)
    run = _decide(session, actor, run_id, ClearingRunStatus.POSTED)
    if run.method != ClearingMethod.SET_OFF:  # a set-off's guarded UPDATE checks as it goes
        posting.refuse_if_stale(session, run_id)
    lines = session.connection().execute(
        sa.select(
            ClearingLine.invoice_id,
            ClearingLine.debtor_account_id,
            ClearingLine.creditor_account_id,
            ClearingLine.outstanding_before,
            ClearingLine.amount,
        )
        .where(ClearingLine.run_id == run_id)
        .order_by(ClearingLine.id)  # a settlement's payments, in the order planned
    ).all()
    if run.method == ClearingMethod.SET_OFF:
        posting.post_set_off(session, actor, run_id, lines, progress)
    else:
        blocked = blocked_accounts(session, lines)
        if blocked:
            raise DomainError(ErrorCode.STALE, posting.STALE_SETTLEMENT, "runId", names=", ".join(blocked))
        posting.post_credit_transfers(session, actor, run_id, lines, progress)
    session.flush()
    session.refresh(run)
    if run.method == ClearingMethod.SET_OFF:
        log.info("clearing run %s posted by member %s: %s cleared on %s invoice(s)", run.id, actor.id, run.cleared, run.invoice_count)
    else:
        log.info("settlement run %s posted by member %s: %s paid on %s invoice(s)", run.id, actor.id, run.cleared, run.invoice_count)
    notices.clearing_posted(session, run, lines)
    audit.record(session, actor, "clearing.posted", run, {"status": "PROPOSED"}, {"status": run.status, "cleared": run.cleared})
    return run
