"""Accounts: opening them, the system accounts, the account a member pays from, closing."""
import logging
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app import audit
from app.errors import DomainError, ErrorCode
from app.permissions import is_treasurer
from models import COMMONS, EURO_SETTLEMENT, Account, AccountKind, AccountStatus, Member, MemberRights, Organization

log = logging.getLogger("alveole.ledger")


SYSTEM_ACCOUNTS = {
    COMMONS: "Commun du pôle",
    EURO_SETTLEMENT: "Règlements en euros",
}
# The settlement account mirrors the euros received: it may go as far below zero as needed.
SETTLEMENT_CREDIT_LIMIT = 10**14


def open_organization_account(session: so.Session, organization: Organization, credit_limit: int = 0) -> Account:
    account = Account(
        kind=AccountKind.ORGANIZATION,
        name=organization.name,
        organization_id=organization.id,
        credit_limit=credit_limit,
    )
    session.add(account)
    session.flush()
    return account


def open_member_account(session: so.Session, member: Member, credit_limit: int = 0) -> Account:
    account = Account(
        kind=AccountKind.MEMBER, name=member.name, member_id=member.id, credit_limit=credit_limit
    )
    session.add(account)
    session.flush()
    return account


def ensure_system_accounts(session: so.Session) -> dict[str, Account]:
    """The system accounts, created if missing. Two requests creating them at once is safe:
    the loser of the unique system_code finds the winner's row."""
    accounts = {}
    for code, name in SYSTEM_ACCOUNTS.items():
        account = session.scalar(sa.select(Account).where(Account.system_code == code))
        if account is None:
            limit = SETTLEMENT_CREDIT_LIMIT if code == EURO_SETTLEMENT else 0
            try:
                with session.begin_nested():
                    account = Account(kind=AccountKind.SYSTEM, name=name, system_code=code, credit_limit=limit)
                    session.add(account)
                    session.flush()
            except sa.exc.IntegrityError:
                account = session.scalar(sa.select(Account).where(Account.system_code == code))
                if account is None:
                    raise
        accounts[code] = account
    return accounts


def system_account(session: so.Session, code: str) -> Account:
    account = session.scalar(sa.select(Account).where(Account.system_code == code))
    return account if account is not None else ensure_system_accounts(session)[code]


def paying_account(session: so.Session, member: Member) -> Optional[Account]:
    """The account a member pays from: their organisation's when they manage it or hold a
    right to spend from it, else their own."""
    return paying_accounts(session, [member.id]).get(member.id)


def paying_accounts(session: so.Session, member_ids: Iterable[int]) -> dict[int, Account]:
    """paying_account of many members at once, in three queries at most."""
    ids = set(member_ids)
    found: dict[int, Account] = {}
    managed = session.execute(
        sa.select(Organization.manager_id, Account)
        .join(Organization, Organization.id == Account.organization_id)
        .where(Organization.manager_id.in_(ids))
        .order_by(Account.id)
    ) if ids else []
    for manager_id, account in managed:
        found.setdefault(manager_id, account)
    rest = ids - found.keys()
    if rest:
        granted = session.execute(
            sa.select(MemberRights.member_id, Account)
            .join(Member, sa.and_(Member.id == MemberRights.member_id, Member.organization_id == MemberRights.organization_id))
            .join(Account, Account.organization_id == MemberRights.organization_id)
            .where(
                MemberRights.member_id.in_(rest),
                sa.or_(MemberRights.can_book, MemberRights.can_pay, MemberRights.can_handle_invoices),
            )
        )
        for member_id, account in granted:
            found[member_id] = account
    own = ids - found.keys()
    if own:
        for account in session.scalars(sa.select(Account).where(Account.member_id.in_(own))):
            found[account.member_id] = account
    return found


def close_account(session: so.Session, actor: Member, account_id: int) -> Account:
    """The treasurer closes an empty account (balance 0, nothing on hold): it then neither
    pays nor receives. One guarded UPDATE, so a concurrent payment cannot slip in between."""
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can close an account.")
    closed = session.execute(
        sa.update(Account)
        .where(
            Account.id == account_id,
            Account.status == AccountStatus.OPEN,
            Account.kind != AccountKind.SYSTEM,
            Account.balance == 0,
            Account.on_hold == 0,
        )
        .values(status=AccountStatus.CLOSED)
        .returning(Account.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    account = session.get(Account, account_id, populate_existing=True)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "accountId")
    if closed is None:
        if account.status == AccountStatus.CLOSED:
            raise DomainError(ErrorCode.INVALID_STATE, "The account %(name)s is closed.", "accountId", name=account.name)
        raise DomainError(
            ErrorCode.INVALID_STATE, "Only an open member account with a zero balance and nothing on hold can be closed.", "accountId"
        )
    audit.record(session, actor, "ledger.account_closed", account, {"status": AccountStatus.OPEN}, {"status": account.status},
                 subject=account.member_id)
    log.info("account %s closed by member %s", account.id, actor.id)
    return account
