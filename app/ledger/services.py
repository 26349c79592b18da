"""The rules of the mutual-credit ledger.

Every change of balances goes through `_post`, which updates the account rows in ascending id
order (so concurrent entries never deadlock) with guarded UPDATEs: a debit only applies while
`balance + credit_limit - on_hold` stays >= 0, a credit only while the balance stays under its
cap. PostgreSQL re-checks the guard against the latest committed row (READ COMMITTED re-reads
the row it waited for), and SQLite runs one writer at a time (BEGIN IMMEDIATE), so no limit is
breached whatever the concurrency.

Each operation runs in its own savepoint: a refusal half-way (the second leg of a transfer
hitting a cap) undoes the legs already applied, so a caller that catches the DomainError and
carries on never commits half an entry.
"""
import datetime as dt
import functools
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from app.hub import KEY_LENGTH, MAX_AMOUNT, MEMO_LENGTH
from app.permissions import can_use_account, is_treasurer
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
DEFAULT_WARNING_LEVEL = 80


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
    """The account a member pays from: the organisation's when they manage one, else their own."""
    return paying_accounts(session, [member.id]).get(member.id)


def paying_accounts(session: so.Session, member_ids: Iterable[int]) -> dict[int, Account]:
    """paying_account of many members at once, in two queries."""
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
    own = ids - found.keys()
    if own:
        for account in session.scalars(sa.select(Account).where(Account.member_id.in_(own))):
            found[account.member_id] = account
    return found





def get_settings(session: so.Session) -> HubSettings:
    """The hub's policy. Without a row the defaults apply (no fee, warning at 80 %); nothing
    is written here, so two first transfers never race to create the row."""
    settings = session.get(HubSettings, 1)
    if settings is None:
        return HubSettings(
            id=1, transfer_fee_bps=0, transfer_fee_min=0, warning_level_percent=DEFAULT_WARNING_LEVEL
        )
    return settings


def update_settings(
    session: so.Session,
    actor: Member,
    *,
    transfer_fee_bps: Optional[int] = None,
    transfer_fee_min: Optional[int] = None,
    warning_level_percent: Optional[int] = None,
) -> HubSettings:
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can change the hub's ledger settings.")
    if transfer_fee_bps is not None and not 0 <= transfer_fee_bps <= 10_000:
        raise DomainError(ErrorCode.INVALID, "A fee is between 0 and 100 %.", "transferFeePercent")
    if warning_level_percent is not None and not 1 <= warning_level_percent <= 100:
        raise DomainError(ErrorCode.INVALID, "The warning level is between 1 and 100 %.", "warningLevelPercent")
    if transfer_fee_min is not None and not 0 <= transfer_fee_min < MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", "transferFeeMinimum")
    settings = session.get(HubSettings, 1, with_for_update=True)
    if settings is None:
        settings = get_settings(session)
        session.add(settings)
    for name, value in (
        ("transfer_fee_bps", transfer_fee_bps),
        ("transfer_fee_min", transfer_fee_min),
        ("warning_level_percent", warning_level_percent),
    ):
        if value is not None:
            setattr(settings, name, value)
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


def is_near_limit(account: Account, warning_level: int) -> bool:
    """Past the soft warning level (or past the limit itself)."""
    used = account.on_hold - account.balance
    if used <= 0:
        return False
    return used * 100 >= warning_level * account.credit_limit


def is_over_limit(account: Account) -> bool:
    """Uses more than its limit: only after the treasurer lowered it. Spending is blocked."""
    return account.available < 0


def limit_use_sql():
    """limit_use_percent as SQL, for sorting and filtering lists of accounts."""
    used = Account.on_hold - Account.balance
    return sa.case(
        (Account.credit_limit > 0, sa.cast(used, sa.Float) * 100.0 / Account.credit_limit),
        (used > 0, 100.0),
        else_=0.0,
    )


def near_limit_sql(warning_level: int):
    used = Account.on_hold - Account.balance
    return sa.and_(used > 0, used * 100 >= Account.credit_limit * warning_level)


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
    return account


# --- Posting -------------------------------------------------------------------------------


@dataclass
class _Change:
    balance: int = 0
    hold: int = 0


@contextmanager
def _atomic(session: so.Session):
    """A savepoint around one ledger operation: all of it, or none of it."""
    with session.begin_nested():
        yield


# --- The hot path in plain SQL ----------------------------------------------------------------
#
# A transfer is the hub's most frequent write. Its five statements run as plain SQL on the
# session's own DBAPI connection (so inside the session's transaction): SQLAlchemy's
# per-statement work costs more than the database round trip itself. The objects returned to
# callers are still ORM instances.

_SQL = {
    # The payee and the hub's fee policy in one round trip.
    "payee": "SELECT a.id, a.kind, a.name, a.status, s.transfer_fee_bps, s.transfer_fee_min"
             " FROM accounts a LEFT OUTER JOIN hub_settings s ON s.id = 1 WHERE a.id = :account_id",
    "by_key": "SELECT id FROM transfers WHERE initiator_id = :initiator_id AND idempotency_key = :key",
    "entry": "INSERT INTO transfers (kind, from_account_id, to_account_id, amount, fee, memo, initiator_id,"
             " idempotency_key, reverses_id, created_at) VALUES (:kind, :from_account_id, :to_account_id,"
             " :amount, :fee, :memo, :initiator_id, :idempotency_key, :reverses_id, :created_at)"
             " ON CONFLICT DO NOTHING RETURNING id",
    "postings": "INSERT INTO postings (transfer_id, account_id, amount, balance_after, created_at)"
                " VALUES (:transfer_id, :account_id, :amount, :balance_after, :created_at)",
    "delete_entry": "DELETE FROM transfers WHERE id = :id",
}
_ENTRY_COLUMNS = (
    "kind", "from_account_id", "to_account_id", "amount", "fee", "memo", "initiator_id",
    "idempotency_key", "reverses_id", "created_at",
)


@dataclass(frozen=True)
class _Payee:
    id: int
    kind: str
    name: str
    status: str
    transfer_fee_bps: Optional[int]
    transfer_fee_min: Optional[int]


@functools.lru_cache(maxsize=None)
def _update_sql(require_open: bool, guard_limit: bool, guard_cap: bool, guard_hold: bool) -> str:
    """The guarded UPDATE of one account, for each combination of guards."""
    sql = ("UPDATE accounts SET balance = balance + :delta, on_hold = on_hold + :hold WHERE id = :account_id")
    if require_open:
        sql += " AND status = 'OPEN'"
    if guard_limit:
        sql += " AND balance + :delta + credit_limit - (on_hold + :hold) >= 0"
    if guard_cap:
        sql += " AND (balance_cap IS NULL OR balance + :delta <= balance_cap)"
    if guard_hold:
        sql += " AND on_hold + :hold >= 0"
    return sql + " RETURNING balance, on_hold, credit_limit, status"


@functools.lru_cache(maxsize=None)
def _dialect_sql(sql: str, paramstyle: str) -> str:
    return re.sub(r":(\w+)", r"%(\1)s", sql) if paramstyle == "pyformat" else sql


def _execute(session: so.Session, sql: str, params: dict | list[dict]):
    """Run plain SQL on the session's connection, in its transaction; returns the cursor."""
    connection = session.connection()
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    text = _dialect_sql(sql, dialect.paramstyle)
    if isinstance(params, list):
        cursor.executemany(text, params)
    else:
        cursor.execute(text, params)
    return cursor


def _db_time(session: so.Session, value: dt.datetime):
    """A UTC datetime as the column stores it (SQLite: SQLAlchemy's naive text format)."""
    value = value.astimezone(dt.timezone.utc)
    if session.get_bind().dialect.name == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _post(
    session: so.Session, changes: dict[int, _Change], check_limits: bool = True, require_open: bool = True
) -> dict[int, int]:
    """Apply the changes to the accounts, in ascending id order, each as one guarded UPDATE.
    Returns the new balance of each account. Raises DomainError when a guard refuses, after
    undoing the legs already applied."""
    balances = {}
    for account_id in sorted(changes):
        change = changes[account_id]
        sql = _update_sql(
            require_open,
            # Only a change that lowers `available` is guarded: an account over a lowered
            # limit may still receive, and release or capture its holds for less.
            check_limits and change.balance - change.hold < 0,
            change.balance > 0,
            change.hold < 0,
        )
        row = _execute(session, sql, {"account_id": account_id, "delta": change.balance, "hold": change.hold}).fetchone()
        if row is None:
            # Undo the legs already applied (their rows are still locked by this transaction,
            # so this is exact): the operation changes nothing, even without a savepoint.
            _apply_back(session, {i: changes[i] for i in balances})
            _explain_refusal(session, account_id, change)
        balance, on_hold, credit_limit, status = row
        balances[account_id] = balance
        # The row changed behind the ORM's back: give a loaded Account the values the UPDATE
        # returned (the latest, since the row is locked), rather than reloading it later.
        account = session.identity_map.get(session.identity_key(Account, account_id))
        if account is not None:
            so.attributes.set_committed_value(account, "balance", balance)
            so.attributes.set_committed_value(account, "on_hold", on_hold)
            so.attributes.set_committed_value(account, "credit_limit", credit_limit)
            so.attributes.set_committed_value(account, "status", AccountStatus(status))
    return balances


def _apply_back(session: so.Session, applied: dict[int, _Change]) -> None:
    for account_id, change in applied.items():
        balance, on_hold, *_ = _execute(
            session, _update_sql(False, False, False, False),
            {"account_id": account_id, "delta": -change.balance, "hold": -change.hold},
        ).fetchone()
        account = session.identity_map.get(session.identity_key(Account, account_id))
        if account is not None:
            so.attributes.set_committed_value(account, "balance", balance)
            so.attributes.set_committed_value(account, "on_hold", on_hold)


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
    if account.available < 0:  # the treasurer lowered the limit below what the account uses
        raise DomainError(
            ErrorCode.CREDIT_LIMIT_EXCEEDED,
            "Your account is past its credit limit: you can receive payments, but not spend, until it recovers.",
            "amount",
        )
    raise DomainError(
        ErrorCode.CREDIT_LIMIT_EXCEEDED,
        "Not enough credit available: %(available)s available.",
        "amount",
        available=Decimal(account.available) / 100,
    )


def _check_amount(amount: int, field: str = "amount") -> None:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise DomainError(ErrorCode.INVALID, "Enter an amount such as 12.50.", field)
    if amount <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", field)
    if amount >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", field)


def _check_memo(memo: str) -> str:
    memo = (memo or "").strip()
    if len(memo) > MEMO_LENGTH:
        raise DomainError(ErrorCode.INVALID, "The memo is limited to %(n)s characters.", "memo", n=MEMO_LENGTH)
    return memo


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
    # Inserted while the account rows are still locked: posting ids then follow the order in
    # which balances changed, so `balance_after` is a true running balance per account.
    created_at = _db_time(session, transfer.created_at)
    rows = [
        {
            "transfer_id": transfer.id,
            "account_id": account_id,
            "amount": change.balance,
            "balance_after": balances[account_id],
            "created_at": created_at,
        }
        for account_id, change in sorted(changes.items())
        if change.balance != 0
    ]
    if rows:
        _execute(session, _SQL["postings"], rows)
    return transfer


def _insert_entry(session: so.Session, values: dict) -> Optional[Transfer]:
    """Insert a journal entry before touching any balance. Returns None when a unique key
    is taken: the same (initiator, idempotency key), or a second reversal of one transfer.
    ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit or roll
    back, so two identical requests at once never both pay."""
    values = {
        "created_at": utcnow(), "fee": 0, "memo": "", "initiator_id": None, "idempotency_key": None,
        "reverses_id": None, **values,
    }
    params = {name: values[name] for name in _ENTRY_COLUMNS}
    params["kind"] = values["kind"].value
    params["created_at"] = _db_time(session, values["created_at"])
    row = _execute(session, _SQL["entry"], params).fetchone()
    if row is None:
        return None
    row_id = row[0]
    # The row as an ORM instance, without reading it back: attached as already persistent.
    entry = Transfer(id=row_id, **values)
    so.make_transient_to_detached(entry)
    # An entry of a rolled-back attempt can linger in the identity map with the same id
    # (SQLite reuses ids): it never existed, so it makes way.
    stale = session.identity_map.get(session.identity_key(Transfer, row_id))
    if stale is not None:
        session.expunge(stale)
    session.add(entry)
    return entry


def _by_key(session: so.Session, initiator_id: Optional[int], key: Optional[str]) -> Optional[Transfer]:
    if key is None:
        return None
    found = _execute(session, _SQL["by_key"], {"initiator_id": initiator_id, "key": key}).fetchone()
    return None if found is None else session.get(Transfer, found[0])


def _same_request(earlier: Transfer, from_account_id: int, to_account_id: int, amount: int, kind: TransferKind) -> Transfer:
    if (earlier.from_account_id, earlier.to_account_id, earlier.amount, earlier.kind) != (
        from_account_id, to_account_id, amount, kind
    ):
        raise DomainError(
            ErrorCode.INVALID,
            "This idempotency key was already used for another transfer.",
            "idempotencyKey",
        )
    return earlier


def _fee(session: so.Session, kind: TransferKind, amount: int, *accounts, settings=None) -> int:
    if kind not in FEE_KINDS or any(a.kind in (AccountKind.SYSTEM, AccountKind.SYSTEM.value) for a in accounts):
        return 0
    return fee_for(settings or get_settings(session), amount)


def _payee(session: so.Session, to_account_id: int, from_account_id: int):
    """The payee's id, kind, name and status (one light query: no ORM object needed)."""
    to_account = None
    # Ids are 32-bit integers on PostgreSQL: a larger one names no account.
    if isinstance(to_account_id, int) and not isinstance(to_account_id, bool) and 0 < to_account_id < 2**31:
        row = _execute(session, _SQL["payee"], {"account_id": to_account_id}).fetchone()
        to_account = _Payee(*row) if row else None
    if to_account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "toAccountId")
    if to_account.id == from_account_id:
        raise DomainError(ErrorCode.INVALID, "You cannot pay your own account.", "toAccountId")
    if to_account.status != AccountStatus.OPEN.value:
        raise DomainError(ErrorCode.INVALID_STATE, "The account %(name)s is closed.", "toAccountId", name=to_account.name)
    return to_account


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
    The same idempotency key from the same member returns the first transfer.

    The hot path of the hub, kept to the statements the database needs: check the payee,
    insert the entry (a taken key answers the retry), two guarded UPDATEs, the postings. A
    refusal undoes what was applied and deletes the entry, so no savepoint is needed."""
    if check_permission and not can_use_account(session, actor, from_account):
        raise DomainError(ErrorCode.FORBIDDEN, "You cannot pay from this account.")
    _check_amount(amount)
    memo = _check_memo(memo)
    if idempotency_key is not None and not 0 < len(idempotency_key) <= KEY_LENGTH:
        raise DomainError(ErrorCode.INVALID, "An idempotency key has 1 to 100 characters.", "idempotencyKey")
    from_id = from_account.id
    try:
        to_account = _payee(session, to_account_id, from_id)
    except DomainError:
        # A retry is answered even if the payee was closed since the first request.
        earlier = _by_key(session, actor.id, idempotency_key)
        if earlier is not None:
            return _same_request(earlier, from_id, to_account_id, amount, kind)
        raise
    policy = HubSettings(
        transfer_fee_bps=to_account.transfer_fee_bps or 0, transfer_fee_min=to_account.transfer_fee_min or 0
    )
    fee = _fee(session, kind, amount, from_account, to_account, settings=policy)
    commons_id = system_account(session, COMMONS).id if fee else None
    entry = _insert_entry(
        session,
        dict(
            kind=kind, from_account_id=from_id, to_account_id=to_account.id, amount=amount, fee=fee,
            memo=memo, initiator_id=actor.id, idempotency_key=idempotency_key,
        ),
    )
    if entry is None:
        # The key is taken: by an earlier request, or by a concurrent one that committed
        # while this insert waited on the unique index.
        earlier = _by_key(session, actor.id, idempotency_key)
        if earlier is None:
            raise DomainError(ErrorCode.CONFLICT, "This transfer conflicts with another one; try again.")
        return _same_request(earlier, from_id, to_account.id, amount, kind)
    legs = [(from_id, -(amount + fee)), (to_account.id, amount)]
    if fee:
        legs.append((commons_id, fee))
    try:
        return _journal(session, entry, legs)
    except DomainError:
        _execute(session, _SQL["delete_entry"], {"id": entry.id})
        session.expunge(entry)
        raise


def journal_entry(
    session: so.Session,
    actor: Optional[Member],
    *,
    kind: TransferKind,
    legs: list[tuple[int, int]],
    memo: str = "",
    check_limits: bool = True,
    idempotency_key: Optional[str] = None,
) -> Transfer:
    """A multi-leg entry (a clearing run, an adjustment): `legs` are (account id, signed
    amount) summing to zero. The entry's from/to name its largest debit and credit."""
    if not legs or sum(amount for _, amount in legs) != 0 or any(amount == 0 for _, amount in legs):
        raise DomainError(ErrorCode.INVALID, "The lines of an entry must be non-zero and sum to zero.")
    debit = min(legs, key=lambda leg: leg[1])
    credit = max(legs, key=lambda leg: leg[1])
    total = sum(amount for _, amount in legs if amount > 0)
    _check_amount(total)
    with _atomic(session):
        entry = _insert_entry(
            session,
            dict(
                kind=kind, from_account_id=debit[0], to_account_id=credit[0], amount=total,
                memo=_check_memo(memo), initiator_id=actor.id if actor else None,
                idempotency_key=idempotency_key,
            ),
        )
        if entry is None:
            earlier = _by_key(session, actor.id if actor else None, idempotency_key)
            if earlier is None:
                raise DomainError(ErrorCode.CONFLICT, "This transfer conflicts with another one; try again.")
            return earlier
        return _journal(session, entry, legs, check_limits=check_limits)


def reverse_transfer(session: so.Session, actor: Member, transfer_id: int, memo: str = "") -> Transfer:
    """A new entry that undoes every posting of the original, linked both ways; once only.
    It respects credit limits like any entry: a payee who already spent the money must be
    brought back within limits first."""
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can reverse a transfer.")
    memo = _check_memo(memo)
    original = session.get(Transfer, transfer_id, populate_existing=True) if isinstance(transfer_id, int) else None
    if original is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This transfer does not exist.", "transferId")
    if original.kind == TransferKind.REVERSAL:
        raise DomainError(ErrorCode.INVALID_STATE, "A reversal cannot itself be reversed.", "transferId")
    if original.kind == TransferKind.CLEARING:
        # One entry of a set-off alone would move balances that the whole run leaves unchanged.
        raise DomainError(
            ErrorCode.INVALID_STATE, "A clearing entry belongs to its run and cannot be reversed alone.", "transferId"
        )
    legs = session.execute(
        sa.select(Posting.account_id, Posting.amount).where(Posting.transfer_id == original.id).order_by(Posting.id)
    ).all()
    with _atomic(session):
        # The unique reverses_id settles a race between two treasurers: one entry wins.
        entry = _insert_entry(
            session,
            dict(
                kind=TransferKind.REVERSAL,
                from_account_id=original.to_account_id,
                to_account_id=original.from_account_id,
                amount=original.amount,
                fee=original.fee,
                memo=memo or f"Annulation du virement n° {original.id}",
                initiator_id=actor.id,
                reverses_id=original.id,
            ),
        )
        if entry is None:
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
    _check_amount(amount)
    memo = _check_memo(memo)
    with _atomic(session):
        _post(session, {account.id: _Change(hold=amount)})
        hold = Hold(account_id=account.id, amount=amount, memo=memo, initiator_id=actor.id, expires_at=expires_at)
        session.add(hold)
        session.flush()
    return hold


def _locked_hold(session: so.Session, hold_id: int) -> Hold:
    # FOR UPDATE serialises a capture and a release of the same hold on PostgreSQL; the
    # second one then reads the first one's status. SQLite has one writer at a time anyway.
    hold = session.get(Hold, hold_id, with_for_update=True, populate_existing=True)
    if hold is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This hold does not exist.")
    if hold.status != HoldStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "This hold is no longer active.")
    return hold


def _active_hold(session: so.Session, hold_id: int) -> Hold:
    hold = _locked_hold(session, hold_id)
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
    with _atomic(session):
        hold = _active_hold(session, hold_id)
        amount = hold.amount if amount is None else amount
        _check_amount(amount)
        if amount > hold.amount:
            raise DomainError(ErrorCode.INVALID, "A capture takes between 0 and the amount on hold.", "amount")
        payer = session.get(Account, hold.account_id)
        payee = _payee(session, to_account_id, hold.account_id)
        fee = _fee(session, kind, amount, payer, payee)
        entry = _insert_entry(
            session,
            dict(
                kind=kind,
                from_account_id=hold.account_id,
                to_account_id=payee.id,
                amount=amount,
                fee=fee,
                memo=_check_memo(memo or hold.memo),
                initiator_id=actor.id,
            ),
        )
        legs = [(hold.account_id, -(amount + fee)), (payee.id, amount)]
        if fee:
            legs.append((system_account(session, COMMONS).id, fee))
        _journal(session, entry, legs, holds={hold.account_id: -hold.amount})
        hold.status = HoldStatus.CAPTURED
        hold.settled_at = utcnow()
        hold.transfer_id = entry.id
        session.flush()
    return entry


def release_hold(session: so.Session, hold_id: int, status: HoldStatus = HoldStatus.RELEASED) -> Hold:
    with _atomic(session):
        hold = _locked_hold(session, hold_id)
        # Releasing only raises `available`: no limit to check, and allowed on a closed account.
        _post(session, {hold.account_id: _Change(hold=-hold.amount)}, check_limits=False, require_open=False)
        hold.status = status
        hold.settled_at = utcnow()
        session.flush()
    return hold


def expire_holds(session: so.Session, now: Optional[dt.datetime] = None) -> int:
    """Release the holds past their expiry. A hold captured or released meanwhile (by a
    concurrent request) is skipped, not an error."""
    now = now or utcnow()
    ids = session.scalars(
        sa.select(Hold.id).where(Hold.status == HoldStatus.ACTIVE, Hold.expires_at <= now).order_by(Hold.id)
    ).all()
    expired = 0
    for hold_id in ids:
        try:
            release_hold(session, hold_id, HoldStatus.EXPIRED)
        except DomainError:
            continue
        expired += 1
    return expired


# --- Limits --------------------------------------------------------------------------------


def set_credit_limit(session: so.Session, actor: Member, account_id: int, new_limit: int, reason: str = "") -> Account:
    """The treasurer sets how far below zero an account may go. A limit below what the account
    already uses is allowed: it then blocks further spending (available < 0) until it recovers,
    and the account reads as over its limit."""
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can change credit limits.")
    if not isinstance(new_limit, int) or new_limit < 0:
        raise DomainError(ErrorCode.INVALID, "A credit limit cannot be negative.", "creditLimit")
    if new_limit >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", "creditLimit")
    reason = (reason or "").strip()
    if len(reason) > MEMO_LENGTH:
        raise DomainError(ErrorCode.INVALID, "The reason is limited to %(n)s characters.", "reason", n=MEMO_LENGTH)
    account = session.get(Account, account_id, with_for_update=True, populate_existing=True)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "accountId")
    session.add(
        CreditLimitChange(
            account_id=account.id, old_limit=account.credit_limit, new_limit=new_limit,
            reason=reason, changed_by_id=actor.id,
        )
    )
    # Only the limit column is written (the row is locked): a balance is never overwritten.
    account.credit_limit = new_limit
    session.flush()
    return account


# --- Statements and summaries --------------------------------------------------------------


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


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


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
