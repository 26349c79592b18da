"""The monthly period close: every account's statement of a finished month, written once and
never changed. Months are closed in order, each after the one before it, from the month of
the ledger's first entry; a month is cut at midnight in the hub's time zone."""
import datetime as dt
import logging
from collections import defaultdict
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit
from app.errors import DomainError, ErrorCode
from app.hub import hub_today, hub_zone
from app.ledger.memos import line_memo
from app.ledger.services.statements import counterparty_id
from app.treasury.reports import _midnight, _require_treasurer, add_months, month_start
from models import Account, AccountStatement, Member, PeriodClose, Posting, Transfer, TransferKind

log = logging.getLogger("alveole.treasury")


def month_text(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(value: str) -> dt.date:
    year, month = value.split("-")
    return dt.date(int(year), int(month), 1)


def next_month_to_close(session: so.Session, today: Optional[dt.date] = None) -> dt.date:
    """The month to close next: the one after the last closed; before any close, the month of
    the ledger's first entry (or last month, when nothing was ever posted). It may not be over
    yet: then nothing can be closed today."""
    last = session.scalar(sa.select(sa.func.max(PeriodClose.period_start)))
    if last is not None:
        return add_months(last, 1)
    first_posting = session.scalar(sa.select(sa.func.min(Posting.created_at)))
    if first_posting is None:
        return add_months(month_start(today or hub_today()), -1)
    return month_start(first_posting.astimezone(hub_zone()).date())


def close_period(session: so.Session, actor: Member, period_start: dt.date, today: Optional[dt.date] = None) -> PeriodClose:
    """Write every account's statement for a finished month, once: opening balance, totals in
    and out, closing balance, and the month's lines with their counterparty as they were."""
    _require_treasurer(actor)
    today = today or hub_today()
    period_start = month_start(period_start)
    period_end = add_months(period_start, 1)
    if session.scalar(sa.select(PeriodClose.id).where(PeriodClose.period_start == period_start)):
        raise DomainError(ErrorCode.CONFLICT, "This month is already closed.", "month")
    if period_end > today:
        raise DomainError(ErrorCode.INVALID_STATE, "A month can only be closed once it is over.", "month")
    expected = next_month_to_close(session, today)
    if period_start > expected:
        raise DomainError(
            ErrorCode.INVALID_STATE, "Months are closed in order: close %(month)s first.", "month", month=month_text(expected)
        )
    if period_start < expected:  # before the ledger's first entry, or a gap the treasurer skipped
        raise DomainError(ErrorCode.INVALID_STATE, "There is nothing to close before %(month)s.", "month", month=month_text(expected))
    close = PeriodClose(period_start=period_start, period_end=period_end, closed_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(close)
            session.flush()
    except sa.exc.IntegrityError:  # closed concurrently
        raise DomainError(ErrorCode.CONFLICT, "This month is already closed.", "month") from None
    rows = _statements(session, close)
    if rows:
        session.execute(sa.insert(AccountStatement.__table__), rows)
    session.flush()
    audit.record(session, actor, "period.closed", close, None, {"period_start": period_start, "statements": len(rows)})
    log.info("period %s closed by member %s: %s statement(s)", month_text(period_start), actor.id, len(rows))
    return close


def _statements(session: so.Session, close: PeriodClose) -> list[dict]:
    lo, hi = _midnight(close.period_start), _midnight(close.period_end)
    opening = dict(
        session.execute(
            sa.select(Posting.account_id, sa.func.sum(Posting.amount)).where(Posting.created_at < lo).group_by(Posting.account_id)
        ).all()
    )
    names = dict(session.execute(sa.select(Account.id, Account.name)).all())
    lines: dict[int, list] = defaultdict(list)
    for posting_id, account_id, created_at, kind, memo, system, amount, balance_after, source, target in session.execute(
        sa.select(
            Posting.id, Posting.account_id, Posting.created_at, Transfer.kind, Transfer.memo, Transfer.system_memo,
            Posting.amount, Posting.balance_after, Transfer.from_account_id, Transfer.to_account_id,
        )
        .join(Transfer, Transfer.id == Posting.transfer_id)
        .where(Posting.created_at >= lo, Posting.created_at < hi)
        .order_by(Posting.account_id, Posting.id)
    ):
        other = counterparty_id(TransferKind(kind), source, target, account_id)
        # A memo the hub wrote is kept as its key and arguments, shown in the reader's language.
        system = line_memo(system, amount)
        memo = [memo, system] if system else memo
        lines[account_id].append(
            [posting_id, created_at.isoformat(), TransferKind(kind).value, memo, amount, balance_after, names.get(other, "")]
        )
    rows = []
    for account_id, name in sorted(names.items()):
        entries = lines.get(account_id, [])
        total_in = sum(e[4] for e in entries if e[4] > 0)
        total_out = -sum(e[4] for e in entries if e[4] < 0)
        start_balance = int(opening.get(account_id) or 0)
        rows.append({
            "close_id": close.id, "account_id": account_id, "account_name": name, "opening_balance": start_balance,
            "total_in": total_in, "total_out": total_out, "closing_balance": start_balance + total_in - total_out,
            "entry_count": len(entries), "lines": entries,
        })
    return rows
