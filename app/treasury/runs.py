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
    debts = open_debts(session)
    if method == ClearingMethod.SET_OFF:
        cleared = solve_clearing(debts).cleared
        ordered = [d for d in debts if d.invoice_id in cleared]
    else:
        # Lines are stored in the order the payments must be posted (their ids follow it).
        steps = plan_credit_transfers(session, debts)
        cleared = {d.invoice_id: amount for d, amount in steps}
        ordered = [d for d, _ in steps]
    run = record_run(session, actor, debts, ordered, cleared, method, progress)
    log.info(
        "clearing run %s proposed by member %s (%s): %s of %s cleared on %s invoice(s)",
        run.id, actor.id, method.value, run.cleared, run.gross_before, run.invoice_count,
    )
    return run


def record_run(
    session: so.Session, actor: Member, debts: list[Debt], ordered: list[Debt], cleared: dict[int, int],
    method: ClearingMethod = ClearingMethod.SET_OFF, progress: Optional[Progress] = None,
) -> ClearingRun:
    """Store a proposal: the run, its lines (`ordered`, the debts it clears, in posting
    order, each by `cleared[invoice id]`) and each account's position before and after.
    (Also how a joint run between hubs records this hub's part, app.federation.)"""
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
        for d in ordered
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
    return run


_LINE_COLUMNS = ("run_id", "invoice_id", "debtor_account_id", "creditor_account_id", "outstanding_before", "amount")
_PG_INSERT_LINES = sa.text(
    "INSERT INTO clearing_lines (" + ", ".join(_LINE_COLUMNS) + ")"
    " SELECT r, i, d, c, o, a FROM unnest(CAST(:run_id AS integer[]), CAST(:invoice_id AS integer[]),"
    " CAST(:debtor_account_id AS integer[]), CAST(:creditor_account_id AS integer[]), CAST(:outstanding_before AS bigint[]),"
    " CAST(:amount AS bigint[])) WITH ORDINALITY AS u(r, i, d, c, o, a, n) ORDER BY n"
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
    return run
