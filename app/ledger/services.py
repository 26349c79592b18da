"""The rules of the mutual-credit ledger.

Every change of balances goes through `_post`, which updates the account rows in ascending id
order (so concurrent entries never deadlock) with guarded UPDATEs: a debit only applies while
`balance + credit_limit - on_hold` stays >= 0, a credit only while the balance stays under its
cap. PostgreSQL re-checks the guard against the latest committed row, and SQLite runs one
writer at a time (BEGIN IMMEDIATE), so no limit is breached whatever the concurrency.
"""
import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from models import (
    COMMONS,
    EURO_SETTLEMENT,
    Account,
    AccountKind,
    AccountStatus,
    CreditLimitChange,
    Hold,
    HoldStatus,
    HubSettings,
    Member,
    Organization,
    Posting,
    Role,
    Transfer,
    TransferKind,
    utcnow,
)

# Kinds on which the hub's transfer fee is charged (never on corrections or clearing).
FEE_KINDS = {TransferKind.PAYMENT, TransferKind.BOOKING, TransferKind.SKILL, TransferKind.INVOICE}
SYSTEM_ACCOUNTS = {
    COMMONS: "Commun du pôle",
    EURO_SETTLEMENT: "Règlements en euros",
}
# The settlement account mirrors the euros received: it may go as far below zero as needed.
SETTLEMENT_CREDIT_LIMIT = 10**14


# --- Accounts ------------------------------------------------------------------------------


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
    accounts = {}
    for code, name in SYSTEM_ACCOUNTS.items():
        account = session.scalar(sa.select(Account).where(Account.system_code == code))
        if account is None:
            limit = SETTLEMENT_CREDIT_LIMIT if code == EURO_SETTLEMENT else 0
            account = Account(kind=AccountKind.SYSTEM, name=name, system_code=code, credit_limit=limit)
            session.add(account)
            session.flush()
        accounts[code] = account
    return accounts


def system_account(session: so.Session, code: str) -> Account:
    account = session.scalar(sa.select(Account).where(Account.system_code == code))
    return account if account is not None else ensure_system_accounts(session)[code]


def paying_account(session: so.Session, member: Member) -> Optional[Account]:
    """The account a member pays from: the organisation's when they manage one, else their own."""
    managed = session.scalar(
        sa.select(Account)
        .join(Organization, Organization.id == Account.organization_id)
        .where(Organization.manager_id == member.id)
    )
    if managed is not None:
        return managed
    return session.scalar(sa.select(Account).where(Account.member_id == member.id))


def can_use(session: so.Session, member: Member, account: Account) -> bool:
    """A member spends from their own account and, as manager, from their organisation's."""
    if account.member_id is not None:
        return account.member_id == member.id
    if account.organization_id is not None:
        return session.scalar(
            sa.select(Organization.manager_id).where(Organization.id == account.organization_id)
        ) == member.id
    return False


def can_see(session: so.Session, member: Member, account: Account) -> bool:
    return member.role in (Role.TREASURER, Role.ADMIN) or can_use(session, member, account)


def get_settings(session: so.Session) -> HubSettings:
    settings = session.get(HubSettings, 1)
    if settings is None:
        settings = HubSettings(id=1, transfer_fee_bps=0, transfer_fee_min=0, warning_level_percent=80)
        session.add(settings)
        session.flush()
    return settings


def fee_for(settings: HubSettings, amount: int) -> int:
    if settings.transfer_fee_bps == 0 and settings.transfer_fee_min == 0:
        return 0
    proportional = (amount * settings.transfer_fee_bps + 5000) // 10000  # rounded half up
    return max(proportional, settings.transfer_fee_min)


def limit_use_percent(account: Account) -> Optional[int]:
    """How much of its credit limit an account uses (holds included), in percent."""
    used = account.on_hold - account.balance
    if account.credit_limit <= 0:
        return 100 if used > 0 else None
    return max(0, used * 100 // account.credit_limit)


# --- Posting -------------------------------------------------------------------------------


@dataclass
class _Change:
    balance: int = 0
    hold: int = 0


def _post(session: so.Session, changes: dict[int, _Change], check_limits: bool = True) -> dict[int, int]:
    """Apply the changes to the accounts, in ascending id order, each as one guarded UPDATE.
    Returns the new balance of each account. Raises DomainError (and the caller's savepoint
    rolls back what was applied) when a guard refuses."""
    now = utcnow()
    balances = {}
    for account_id in sorted(changes):
        change = changes[account_id]
        available_after = Account.balance + change.balance + Account.credit_limit - (Account.on_hold + change.hold)
        stmt = (
            sa.update(Account)
            .where(Account.id == account_id, Account.status == AccountStatus.OPEN)
            .values(
                balance=Account.balance + change.balance,
                on_hold=Account.on_hold + change.hold,
                last_activity_at=now,
            )
            .returning(Account.balance)
            .execution_options(synchronize_session=False)
        )
        spends = change.balance - change.hold < 0
        if check_limits and spends:
            stmt = stmt.where(available_after >= 0)
        if change.balance > 0:
            stmt = stmt.where(
                sa.or_(Account.balance_cap.is_(None), Account.balance + change.balance <= Account.balance_cap)
            )
        new_balance = session.execute(stmt).scalar_one_or_none()
        if new_balance is None:
            _explain_refusal(session, account_id, change)
        balances[account_id] = new_balance
    # The rows changed behind the ORM's back: reload them when next read.
    for account_id in changes:
        if (account := session.identity_map.get(so.Session.identity_key(Account, account_id))) is not None:
            session.expire(account)
    return balances


def _explain_refusal(session: so.Session, account_id: int, change: _Change):
    account = session.get(Account, account_id, populate_existing=True)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "toAccountId")
    if account.status != AccountStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, "The account %(name)s is closed.", name=account.name)
    if change.balance > 0:
        raise DomainError(
            ErrorCode.BALANCE_CAP_EXCEEDED,
            "This would take %(name)s above its maximum balance.",
            "amount",
            name=account.name,
        )
    raise DomainError(
        ErrorCode.CREDIT_LIMIT_EXCEEDED,
        "Not enough credit available: %(available)s available.",
        "amount",
        available=format_amount(max(account.available, 0)),
    )


def format_amount(minor_units: int) -> str:
    sign = "-" if minor_units < 0 else ""
    units, cents = divmod(abs(minor_units), 100)
    return f"{sign}{units}.{cents:02d}"


def _journal(
    session: so.Session,
    transfer: Transfer,
    legs: Iterable[tuple[int, int]],
    holds: dict[int, int] | None = None,
    check_limits: bool = True,
) -> Transfer:
    """Record `transfer` with its postings (account id, signed amount) after applying them."""
    changes: dict[int, _Change] = {}
    for account_id, amount in legs:
        changes.setdefault(account_id, _Change()).balance += amount
    for account_id, hold_delta in (holds or {}).items():
        changes.setdefault(account_id, _Change()).hold += hold_delta
    assert sum(c.balance for c in changes.values()) == 0, "postings must sum to zero"
    balances = _post(session, changes, check_limits)
    session.add_all(
        Posting(transfer_id=transfer.id, account_id=account_id, amount=change.balance, balance_after=balances[account_id])
        for account_id, change in sorted(changes.items())
        if change.balance != 0
    )
    session.flush()
    return transfer


def _insert_transfer(session: so.Session, transfer: Transfer) -> Optional[Transfer]:
    """Insert the entry before touching any balance, so that a second request with the same
    idempotency key waits on the unique index and then finds the first one. Returns the
    earlier transfer when the key was already used."""
    if transfer.idempotency_key is not None:
        earlier = _by_key(session, transfer.initiator_id, transfer.idempotency_key)
        if earlier is not None:
            return earlier
    try:
        with session.begin_nested():
            session.add(transfer)
            session.flush()
    except sa.exc.IntegrityError:
        earlier = _by_key(session, transfer.initiator_id, transfer.idempotency_key)
        if earlier is None:
            raise
        return earlier
    return None


def _by_key(session: so.Session, initiator_id: Optional[int], key: Optional[str]) -> Optional[Transfer]:
    if key is None:
        return None
    return session.scalar(
        sa.select(Transfer).where(Transfer.initiator_id == initiator_id, Transfer.idempotency_key == key)
    )


def _same_request(earlier: Transfer, transfer: Transfer) -> Transfer:
    if (earlier.from_account_id, earlier.to_account_id, earlier.amount) != (
        transfer.from_account_id,
        transfer.to_account_id,
        transfer.amount,
    ):
        raise DomainError(
            ErrorCode.INVALID,
            "This idempotency key was already used for another transfer.",
            "idempotencyKey",
        )
    return earlier


def transfer(
    session: so.Session,
    actor: Member,
    *,
    from_account: Account,
    to_account_id: int,
    amount: int,
    memo: str = "",
    kind: TransferKind = TransferKind.PAYMENT,
    idempotency_key: Optional[str] = None,
    check_permission: bool = True,
) -> Transfer:
    """Move `amount` from `from_account` to another account, plus the hub's fee if any.
    The same idempotency key from the same member returns the first transfer."""
    if check_permission and not can_use(session, actor, from_account):
        raise DomainError(ErrorCode.FORBIDDEN, "You cannot pay from this account.")
    if amount <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", "amount")
    to_account = session.get(Account, to_account_id)
    if to_account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "toAccountId")
    if to_account.id == from_account.id:
        raise DomainError(ErrorCode.INVALID, "You cannot pay your own account.", "toAccountId")
    if to_account.status != AccountStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, "The account %(name)s is closed.", "toAccountId", name=to_account.name)
    charged = kind in FEE_KINDS and AccountKind.SYSTEM not in (from_account.kind, to_account.kind)
    fee = fee_for(get_settings(session), amount) if charged else 0
    entry = Transfer(
        kind=kind,
        from_account_id=from_account.id,
        to_account_id=to_account.id,
        amount=amount,
        fee=fee,
        memo=memo.strip(),
        initiator_id=actor.id,
        idempotency_key=idempotency_key,
    )
    earlier = _insert_transfer(session, entry)
    if earlier is not None:
        return _same_request(earlier, entry)
    legs = [(from_account.id, -(amount + fee)), (to_account.id, amount)]
    if fee:
        legs.append((system_account(session, COMMONS).id, fee))
    return _journal(session, entry, legs)


def reverse_transfer(session: so.Session, actor: Member, transfer_id: int, memo: str = "") -> Transfer:
    """A new entry that undoes every posting of the original, linked both ways; once only."""
    original = session.get(Transfer, transfer_id, with_for_update=True)
    if original is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This transfer does not exist.", "transferId")
    if original.kind == TransferKind.REVERSAL:
        raise DomainError(ErrorCode.INVALID_STATE, "A reversal cannot itself be reversed.", "transferId")
    if session.scalar(sa.select(Transfer.id).where(Transfer.reverses_id == original.id)):
        raise DomainError(ErrorCode.INVALID_STATE, "This transfer was already reversed.", "transferId")
    legs = session.execute(
        sa.select(Posting.account_id, Posting.amount).where(Posting.transfer_id == original.id)
    ).all()
    entry = Transfer(
        kind=TransferKind.REVERSAL,
        from_account_id=original.to_account_id,
        to_account_id=original.from_account_id,
        amount=original.amount,
        fee=original.fee,
        memo=memo.strip() or f"Annulation du virement n° {original.id}",
        initiator_id=actor.id,
        reverses_id=original.id,
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except sa.exc.IntegrityError:
        raise DomainError(ErrorCode.INVALID_STATE, "This transfer was already reversed.", "transferId")
    return _journal(session, entry, [(account_id, -amount) for account_id, amount in legs])


# --- Holds ---------------------------------------------------------------------------------


def place_hold(
    session: so.Session,
    actor: Member,
    account: Account,
    amount: int,
    memo: str = "",
    expires_at: Optional[dt.datetime] = None,
) -> Hold:
    """Reserve credit on an account; refused with CREDIT_LIMIT_EXCEEDED like a transfer."""
    if amount <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", "amount")
    _post(session, {account.id: _Change(hold=amount)})
    hold = Hold(account_id=account.id, amount=amount, memo=memo, initiator_id=actor.id, expires_at=expires_at)
    session.add(hold)
    session.flush()
    return hold


def _active_hold(session: so.Session, hold_id: int) -> Hold:
    hold = session.get(Hold, hold_id, with_for_update=True, populate_existing=True)
    if hold is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This hold does not exist.")
    if hold.status != HoldStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "This hold is no longer active.")
    if hold.expires_at is not None and hold.expires_at <= utcnow():
        raise DomainError(ErrorCode.INVALID_STATE, "This hold has expired.")
    return hold


def capture_hold(
    session: so.Session,
    actor: Member,
    hold_id: int,
    *,
    to_account_id: int,
    amount: Optional[int] = None,
    kind: TransferKind = TransferKind.BOOKING,
    memo: str = "",
) -> Transfer:
    """Turn a hold into a transfer of `amount` (at most the hold's) and release the rest."""
    hold = _active_hold(session, hold_id)
    amount = hold.amount if amount is None else amount
    if amount <= 0 or amount > hold.amount:
        raise DomainError(ErrorCode.INVALID, "A capture takes between 0 and the amount on hold.", "amount")
    charged = kind in FEE_KINDS
    fee = fee_for(get_settings(session), amount) if charged else 0
    entry = Transfer(
        kind=kind,
        from_account_id=hold.account_id,
        to_account_id=to_account_id,
        amount=amount,
        fee=fee,
        memo=memo or hold.memo,
        initiator_id=actor.id,
    )
    session.add(entry)
    session.flush()
    legs = [(hold.account_id, -(amount + fee)), (to_account_id, amount)]
    if fee:
        legs.append((system_account(session, COMMONS).id, fee))
    _journal(session, entry, legs, holds={hold.account_id: -hold.amount})
    hold.status = HoldStatus.CAPTURED
    hold.settled_at = utcnow()
    hold.transfer_id = entry.id
    session.flush()
    return entry


def release_hold(session: so.Session, hold_id: int, status: HoldStatus = HoldStatus.RELEASED) -> Hold:
    hold = session.get(Hold, hold_id, with_for_update=True, populate_existing=True)
    if hold is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This hold does not exist.")
    if hold.status != HoldStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "This hold is no longer active.")
    _post(session, {hold.account_id: _Change(hold=-hold.amount)}, check_limits=False)
    hold.status = status
    hold.settled_at = utcnow()
    session.flush()
    return hold


def expire_holds(session: so.Session, now: Optional[dt.datetime] = None) -> int:
    now = now or utcnow()
    ids = session.scalars(
        sa.select(Hold.id).where(Hold.status == HoldStatus.ACTIVE, Hold.expires_at <= now).order_by(Hold.id)
    ).all()
    for hold_id in ids:
        release_hold(session, hold_id, HoldStatus.EXPIRED)
    return len(ids)


# --- Limits --------------------------------------------------------------------------------


def set_credit_limit(session: so.Session, actor: Member, account_id: int, new_limit: int, reason: str = "") -> Account:
    """The treasurer sets how far below zero an account may go. A limit below what the account
    already uses is allowed: it then blocks further spending (available < 0) until it recovers."""
    if actor.role not in (Role.TREASURER, Role.ADMIN):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can change credit limits.")
    if new_limit < 0:
        raise DomainError(ErrorCode.INVALID, "A credit limit cannot be negative.", "creditLimit")
    account = session.get(Account, account_id, with_for_update=True, populate_existing=True)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "accountId")
    session.add(
        CreditLimitChange(
            account_id=account.id, old_limit=account.credit_limit, new_limit=new_limit,
            reason=reason.strip(), changed_by_id=actor.id,
        )
    )
    account.credit_limit = new_limit
    session.flush()
    return account


# --- Checks --------------------------------------------------------------------------------


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
