"""The ledger as a whole: its totals for the treasurer, and the invariants the tests and
`flask ledger check` verify."""
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.ledger.services.policy import get_settings, near_limit_sql
from models import Account, AccountKind, Hold, HoldStatus, Posting, Transfer


@dataclass
class LedgerSummary:
    sum_of_balances: int
    total_positive: int
    total_negative: int
    total_on_hold: int
    total_credit_limits: int
    account_count: int
    transfer_count: int
    near_limit_count: int
    over_limit_count: int


def ledger_summary(session: so.Session) -> LedgerSummary:
    warning = get_settings(session).warning_level_percent
    row = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Account.balance), 0),
            sa.func.coalesce(sa.func.sum(sa.case((Account.balance > 0, Account.balance), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((Account.balance < 0, Account.balance), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(Account.on_hold), 0),
            sa.func.coalesce(sa.func.sum(
                sa.case((Account.kind != AccountKind.SYSTEM, Account.credit_limit), else_=0)
            ), 0),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((near_limit_sql(warning), 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case(
                (Account.balance + Account.credit_limit - Account.on_hold < 0, 1), else_=0
            )), 0),
        )
    ).one()
    transfers = session.scalar(sa.select(sa.func.count()).select_from(Transfer))
    return LedgerSummary(
        sum_of_balances=int(row[0]), total_positive=int(row[1]), total_negative=int(row[2]),
        total_on_hold=int(row[3]), total_credit_limits=int(row[4]), account_count=row[5],
        transfer_count=transfers, near_limit_count=int(row[6]), over_limit_count=int(row[7]),
    )


def invariant_violations(session: so.Session) -> list[str]:
    """What is wrong with the ledger, if anything: run by the tests and `flask ledger check`."""
    problems = []
    total = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Account.balance), 0)))
    if total != 0:
        problems.append(f"sum of balances is {total}, not 0")
    posted = (
        sa.select(Posting.account_id, sa.func.sum(Posting.amount).label("total"))
        .group_by(Posting.account_id)
        .subquery()
    )
    for account_id, balance, total in session.execute(
        sa.select(Account.id, Account.balance, sa.func.coalesce(posted.c.total, 0))
        .outerjoin(posted, posted.c.account_id == Account.id)
        .where(Account.balance != sa.func.coalesce(posted.c.total, 0))
    ):
        problems.append(f"account {account_id}: balance {balance} but postings sum to {total}")
    for transfer_id, total in session.execute(
        sa.select(Posting.transfer_id, sa.func.sum(Posting.amount))
        .group_by(Posting.transfer_id)
        .having(sa.func.sum(Posting.amount) != 0)
    ):
        problems.append(f"transfer {transfer_id}: postings sum to {total}")
    # Every entry has lines (an entry without postings would be a payment that moved nothing).
    for (transfer_id,) in session.execute(
        sa.select(Transfer.id).where(~sa.exists().where(Posting.transfer_id == Transfer.id))
    ):
        problems.append(f"transfer {transfer_id}: no postings")
    # balance_after is the running balance of the account, in posting order.
    running = sa.select(
        Posting.id,
        Posting.account_id,
        Posting.balance_after,
        sa.func.sum(Posting.amount).over(partition_by=Posting.account_id, order_by=Posting.id).label("running"),
    ).subquery()
    for posting_id, account_id, after, expected in session.execute(
        sa.select(running.c.id, running.c.account_id, running.c.balance_after, running.c.running)
        .where(running.c.balance_after != running.c.running)
        .limit(20)
    ):
        problems.append(f"posting {posting_id} of account {account_id}: balance after {after}, running sum {expected}")
    held = (
        sa.select(Hold.account_id, sa.func.sum(Hold.amount).label("total"))
        .where(Hold.status == HoldStatus.ACTIVE)
        .group_by(Hold.account_id)
        .subquery()
    )
    for account_id, on_hold, total in session.execute(
        sa.select(Account.id, Account.on_hold, sa.func.coalesce(held.c.total, 0))
        .outerjoin(held, held.c.account_id == Account.id)
        .where(Account.on_hold != sa.func.coalesce(held.c.total, 0))
    ):
        problems.append(f"account {account_id}: on hold {on_hold} but active holds sum to {total}")
    return problems


def accounts_over_limit(session: so.Session) -> list[int]:
    """Accounts whose available credit is negative (only legitimate after a lowered limit)."""
    return list(
        session.scalars(
            sa.select(Account.id).where(Account.balance + Account.credit_limit - Account.on_hold < 0)
        )
    )
