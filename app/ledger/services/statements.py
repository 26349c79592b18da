"""Statements: the postings of an account over a period, and the period's totals."""
import datetime as dt
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import Account, Posting, Transfer, TransferKind


def statement_query(
    account_id: int,
    since: Optional[dt.datetime] = None,
    until: Optional[dt.datetime] = None,
    kind: Optional[TransferKind] = None,
) -> sa.Select:
    """The postings of an account, oldest first, in [since, until) and of one kind if given."""
    stmt = sa.select(Posting).where(Posting.account_id == account_id)
    if since is not None:
        stmt = stmt.where(Posting.created_at >= since)
    if until is not None:
        stmt = stmt.where(Posting.created_at < until)
    if kind is not None:
        stmt = stmt.join(Transfer, Transfer.id == Posting.transfer_id).where(Transfer.kind == kind)
    return stmt.order_by(Posting.id)


def counterparty_id(kind: TransferKind, from_id: int, to_id: int, account_id: int) -> Optional[int]:
    """The other account of an entry on one account's line: the payee on the payer's line,
    the payer on every other (the payee's, the commons' fee). A set-off run has none: it is
    one entry for all its accounts (app.treasury.posting)."""
    if kind == TransferKind.CLEARING:
        return None
    return to_id if account_id == from_id else from_id


@dataclass
class StatementTotals:
    opening: int
    closing: int
    credits: int
    debits: int
    count: int


def statement_totals(
    session: so.Session,
    account_id: int,
    since: Optional[dt.datetime] = None,
    until: Optional[dt.datetime] = None,
    kind: Optional[TransferKind] = None,
) -> StatementTotals:
    """Opening and closing balance of the period (all kinds), and the period's credits and
    debits (of the chosen kind)."""

    def balance_before(moment: Optional[dt.datetime]) -> int:
        if moment is None:
            return 0
        return session.scalar(
            sa.select(Posting.balance_after)
            .where(Posting.account_id == account_id, Posting.created_at < moment)
            .order_by(Posting.id.desc())
            .limit(1)
        ) or 0

    opening = balance_before(since)
    if until is None:
        closing = session.scalar(sa.select(Account.balance).where(Account.id == account_id)) or 0
    else:
        closing = balance_before(until)
    lines = statement_query(account_id, since, until, kind).subquery()
    credits, debits, count = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((lines.c.amount > 0, lines.c.amount), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((lines.c.amount < 0, -lines.c.amount), else_=0)), 0),
            sa.func.count(),
        )
    ).one()
    return StatementTotals(opening=opening, closing=closing, credits=int(credits), debits=int(debits), count=count)

