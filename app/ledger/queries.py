"""Read-side SQL of the ledger: the lists and look-ups that pages, resolvers, commands and tests
share, so that a visibility or ordering rule is written once. Plain functions of a session
(and the viewer when the answer depends on them), returning statements or rows."""
import datetime as dt
import enum
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.ledger.services.policy import limit_use_sql, near_limit_sql
from models import Account, AccountKind, AccountStatus, CreditLimitChange, Member, Organization, Posting, Transfer, TransferKind


class AccountOrder(enum.Enum):
    NAME = "NAME"
    BALANCE_ASC = "BALANCE_ASC"
    BALANCE_DESC = "BALANCE_DESC"
    LIMIT_USE_DESC = "LIMIT_USE_DESC"


def _name_contains(column, search: Optional[str]):
    """`column` contains `search`, ignoring case; None when there is nothing to search."""
    if not search or not search.strip():
        return None
    return sa.func.lower(column).contains(search.strip().lower(), autoescape=True)


def treasurer_accounts(
    warning_level: int,
    *,
    near_limit: Optional[bool] = None,
    kind: Optional[AccountKind] = None,
    search: Optional[str] = None,
    order_by: AccountOrder = AccountOrder.NAME,
) -> sa.Select:
    """Every account, for the treasurer: past the warning level or not, of one kind, by name."""
    stmt = sa.select(Account)
    near = near_limit_sql(warning_level)
    if near_limit is True:
        stmt = stmt.where(near)
    elif near_limit is False:
        stmt = stmt.where(~near)
    if kind is not None:
        stmt = stmt.where(Account.kind == kind)
    found = _name_contains(Account.name, search)
    if found is not None:
        stmt = stmt.where(found)
    order = {
        AccountOrder.NAME: [Account.name],
        AccountOrder.BALANCE_ASC: [Account.balance],
        AccountOrder.BALANCE_DESC: [Account.balance.desc()],
        AccountOrder.LIMIT_USE_DESC: [limit_use_sql().desc(), Account.balance],
    }[order_by]
    return stmt.order_by(*order, Account.id)


# An account can be paid when it is open and not one of the hub's system accounts.
_PAYABLE = (Account.status == AccountStatus.OPEN, Account.kind != AccountKind.SYSTEM)


def _with_people(stmt: sa.Select) -> sa.Select:
    """Joins an account to its organisation and to the member behind it (its owner, or its
    organisation's manager): at most one of each per account."""
    return stmt.outerjoin(Organization, Organization.id == Account.organization_id).outerjoin(
        Member, sa.or_(Member.id == Account.member_id, Member.id == Organization.manager_id)
    )


def payable_account(session: so.Session, account_id: int) -> Optional[tuple[Account, Optional[str]]]:
    """An account anyone signed in may pay, with its organisation's town; None if it cannot be paid."""
    row = session.execute(
        sa.select(Account, Organization.town)
        .outerjoin(Organization, Organization.id == Account.organization_id)
        .where(Account.id == account_id, *_PAYABLE)
    ).first()
    return None if row is None else (row[0], row[1])


def payees(own_account_id: Optional[int], search: Optional[str] = None) -> sa.Select:
    """The accounts a member may pay (not their own), by name: the account's, or that of the
    member behind it."""
    stmt = _with_people(sa.select(Account)).where(*_PAYABLE).order_by(Account.name, Account.id)
    if own_account_id is not None:
        stmt = stmt.where(Account.id != own_account_id)
    by_account, by_member = _name_contains(Account.name, search), _name_contains(Member.name, search)
    if by_account is not None:
        stmt = stmt.where(sa.or_(by_account, by_member))
    return stmt


def payee_details(session: so.Session, account_ids: Iterable[int]) -> dict[int, tuple[Optional[str], Optional[str]]]:
    """(town, name of the member behind it) of each account, in one query."""
    ids = set(account_ids)
    if not ids:
        return {}
    rows = session.execute(
        _with_people(sa.select(Account.id, Organization.town, Member.name)).where(Account.id.in_(ids))
    )
    return {account_id: (town, contact) for account_id, town, contact in rows}


def account_transfers(account_id: int) -> sa.Select:
    """The transfers touching an account, newest first. Not a set-off run: it moves no balance
    and is one entry for all its accounts (its amount is the whole run's), so it is read on
    the statement, as the account's two lines of it."""
    return (
        sa.select(Transfer)
        .join(Posting, Posting.transfer_id == Transfer.id)
        .where(Posting.account_id == account_id, Transfer.kind != TransferKind.CLEARING)
        .order_by(Posting.id.desc())
    )


def limit_histories(
    session: so.Session, account_ids: Iterable[int]
) -> dict[int, list[tuple[CreditLimitChange, Optional[str]]]]:
    """The changes of the limits of each account, newest first, with who made them: one query
    for all the accounts."""
    ids = set(account_ids)
    found: dict[int, list[tuple[CreditLimitChange, Optional[str]]]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.execute(
        sa.select(CreditLimitChange, Member.name)
        .outerjoin(Member, Member.id == CreditLimitChange.changed_by_id)
        .where(CreditLimitChange.account_id.in_(ids))
        .order_by(CreditLimitChange.id.desc())
    )
    for change, name in rows:
        found[change.account_id].append((change, name))
    return found


def transfers_by_id(session: so.Session, ids: Iterable[int]) -> dict[int, Transfer]:
    ids = set(ids)
    return {t.id: t for t in session.scalars(sa.select(Transfer).where(Transfer.id.in_(ids)))} if ids else {}


def reversals_of(session: so.Session, ids: Iterable[int]) -> dict[int, Transfer]:
    """The entries reversing each of the transfers `ids`, by the id of the transfer they undo."""
    ids = set(ids)
    return {r.reverses_id: r for r in session.scalars(sa.select(Transfer).where(Transfer.reverses_id.in_(ids)))} if ids else {}


def organization_accounts(session: so.Session, organization_ids: Iterable[int]) -> dict[int, Account]:
    ids = set(organization_ids)
    return {a.organization_id: a for a in session.scalars(sa.select(Account).where(Account.organization_id.in_(ids)))} if ids else {}


def journal(since: dt.datetime, until: dt.datetime) -> sa.Select:
    """Every journal entry of the hub written in [since, until), oldest first."""
    return (
        sa.select(Transfer)
        .where(Transfer.created_at >= since, Transfer.created_at < until)
        .order_by(Transfer.created_at, Transfer.id)
    )


def postings_of(session: so.Session, transfer_ids: Iterable[int]) -> dict[int, list[Posting]]:
    """The postings of each entry, in one query."""
    ids = set(transfer_ids)
    found: dict[int, list[Posting]] = {i: [] for i in ids}
    if ids:
        for posting in session.scalars(sa.select(Posting).where(Posting.transfer_id.in_(ids)).order_by(Posting.id)):
            found[posting.transfer_id].append(posting)
    return found
