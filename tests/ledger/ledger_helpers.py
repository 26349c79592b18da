"""Arranging ledger fixtures: members with accounts, committed so that other threads see them."""
import sqlalchemy as sa

from app.ledger.services import accounts
from models import Account, CreditLimitChange, Hold, Member, Notification, Posting, Transfer


def member_and_account(session, email):
    member = session.scalar(sa.select(Member).where(Member.email == email))
    return member, accounts.paying_account(session, member)


def account_state(session, account_id):
    account = session.get(Account, account_id, populate_existing=True)
    return account.balance, account.on_hold, account.credit_limit


def snapshot(session):
    """Everything a refused operation must leave untouched."""
    session.expire_all()
    return (
        sorted(session.execute(sa.select(Account.id, Account.balance, Account.on_hold, Account.credit_limit, Account.status)).all()),
        session.scalar(sa.select(sa.func.count()).select_from(Transfer)),
        session.scalar(sa.select(sa.func.count()).select_from(Posting)),
        sorted(session.execute(sa.select(Hold.id, Hold.status)).all()),
        session.scalar(sa.select(sa.func.count()).select_from(CreditLimitChange)),
        session.scalar(sa.select(sa.func.count()).select_from(Notification)),
    )
