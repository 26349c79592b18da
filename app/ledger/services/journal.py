"""The guarded write under every ledger operation.

Every change of balances goes through `post` (or `enter`, which sends a transfer's entry with
the same UPDATEs), which updates the account rows in ascending id order (so concurrent entries
never deadlock) with guarded UPDATEs: a debit only applies while
`balance + credit_limit - on_hold` stays >= 0, a credit only while the balance stays under its
cap. PostgreSQL re-checks the guard against the latest committed row (READ COMMITTED re-reads
the row it waited for), and SQLite runs one writer at a time (BEGIN IMMEDIATE), so no limit is
breached whatever the concurrency.

Each operation runs in its own savepoint (`atomic`): a refusal half-way (the second leg of a
transfer hitting a cap) undoes the legs already applied, so a caller that catches the
DomainError and carries on never commits half an entry.
"""
import functools
import json
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Optional

import sqlalchemy.orm as so

from app.database import attach_loaded, db_time, execute, execute_as_one, execute_together
from app.errors import Credits, DomainError, ErrorCode
from app.hub import MAX_AMOUNT, MEMO_LENGTH
from app.ledger.services.policy import get_settings
from app.notices import events as notices
from models import Account, AccountStatus, Transfer, utcnow


@dataclass
class Change:
    """What one operation does to one account: its balance and its amount on hold."""

    balance: int = 0
    hold: int = 0


@contextmanager
def atomic(session: so.Session):
    """A savepoint around one ledger operation: all of it, or none of it."""
    with session.begin_nested():
        yield


# --- The hot path in plain SQL ----------------------------------------------------------------
#
# A transfer is the hub's most frequent write. Its statements run as plain SQL on the session's
# own DBAPI connection (app.database.execute, inside the session's transaction), sent together
# where one does not need another's answer; the objects returned to callers are still ORM
# instances.

SQL = {
    # The payee and the hub's fee policy in one round trip (no settings row: no fee).
    "payee": "SELECT a.id, a.kind, a.name, a.status, COALESCE(s.transfer_fee_bps, 0), COALESCE(s.transfer_fee_min, 0)"
             " FROM accounts a LEFT OUTER JOIN hub_settings s ON s.id = 1 WHERE a.id = :account_id",
    "by_key": "SELECT id FROM transfers WHERE initiator_id = :initiator_id AND idempotency_key = :key",
    "entry": "INSERT INTO transfers (kind, from_account_id, to_account_id, amount, fee, memo, system_memo, initiator_id,"
             " actor_id, idempotency_key, reverses_id, created_at) VALUES (:kind, :from_account_id, :to_account_id,"
             " :amount, :fee, :memo, :system_memo, :initiator_id, :actor_id, :idempotency_key, :reverses_id, :created_at)"
             " ON CONFLICT DO NOTHING RETURNING id",
    "delete_entry": "DELETE FROM transfers WHERE id = :id",
}
_ENTRY_COLUMNS = (
    "kind", "from_account_id", "to_account_id", "amount", "fee", "memo", "system_memo", "initiator_id", "actor_id",
    "idempotency_key", "reverses_id", "created_at",
)


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


def _updates(changes: dict[int, Change], check_limits: bool, require_open: bool) -> list[tuple[str, dict]]:
    """The guarded UPDATEs of `changes`, in ascending account id order (the lock order)."""
    return [
        (
            _update_sql(
                require_open,
                # Only a change that lowers `available` is guarded: an account over a lowered
                # limit may still receive, and release or capture its holds for less.
                check_limits and change.balance - change.hold < 0,
                change.balance > 0,
                change.hold < 0,
            ),
            {"account_id": account_id, "delta": change.balance, "hold": change.hold},
        )
        for account_id, change in sorted(changes.items())
    ]


def post(
    session: so.Session, changes: dict[int, Change], check_limits: bool = True, require_open: bool = True
) -> dict[int, int]:
    """Apply the changes to the accounts, in ascending id order, each as one guarded UPDATE
    (sent together). Returns the new balance of each account. Raises DomainError when a guard
    refuses, after undoing the legs applied."""
    cursors = execute_together(session, _updates(changes, check_limits, require_open))
    return _applied(session, changes, [cursor.fetchone() for cursor in cursors])


def _applied(session: so.Session, changes: dict[int, Change], rows: list) -> dict[int, int]:
    """Read what the UPDATEs of `changes` returned (a row each, None where a guard refused):
    the new balances; or undo every leg applied and explain the first refusal."""
    ordered = sorted(changes)
    if any(row is None for row in rows):
        # The rows applied are still locked by this transaction, so undoing them is exact: the
        # operation changes nothing, even without a savepoint.
        _apply_back(session, {i: changes[i] for i, row in zip(ordered, rows, strict=True) if row is not None})
        refused = next(i for i, row in zip(ordered, rows, strict=True) if row is None)
        _explain_refusal(session, refused, changes[refused])
    balances = {}
    crossings = []  # accounts whose use of their limit grew: the notices decide if it crossed a level
    for account_id, (balance, on_hold, credit_limit, status) in zip(ordered, rows, strict=True):
        change = changes[account_id]
        balances[account_id] = balance
        if change.balance - change.hold < 0 and credit_limit > 0 and (on_hold - balance) * 100 >= credit_limit:
            crossings.append((account_id, on_hold - change.hold - balance + change.balance, on_hold - balance,
                              credit_limit, balance))
        _refresh(session, account_id, balance=balance, on_hold=on_hold, credit_limit=credit_limit,
                 status=AccountStatus(status))
    if crossings:
        notices.limits_crossed(session, crossings, get_settings(session).warning_level_percent)
    return balances


def _apply_back(session: so.Session, applied: dict[int, Change]) -> None:
    for account_id, change in applied.items():
        balance, on_hold, *_ = execute(
            session, _update_sql(False, False, False, False),
            {"account_id": account_id, "delta": -change.balance, "hold": -change.hold},
        ).fetchone()
        _refresh(session, account_id, balance=balance, on_hold=on_hold)


def _refresh(session: so.Session, account_id: int, **values) -> None:
    """The row changed behind the ORM's back: give a loaded Account the values the UPDATE
    returned (the latest, since the row is locked), rather than reloading it later. Looked up
    by its identity key (no query); only the values that differ are set, each costing more
    than the comparison (an equal one pending in the session would only be written again)."""
    account = session.identity_map.get((Account, (account_id,), None))
    if account is None:
        return
    for name, value in values.items():
        if account.__dict__.get(name) != value:
            so.attributes.set_committed_value(account, name, value)


def _explain_refusal(session: so.Session, account_id: int, change: Change):
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
        available=Credits(account.available),
    )


def check_amount(amount: int, field: str = "amount") -> None:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise DomainError(ErrorCode.INVALID, "Enter an amount such as 12.50.", field)
    if amount <= 0:
        raise DomainError(ErrorCode.INVALID, "The amount must be greater than zero.", field)
    if amount >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", field)


def check_memo(memo: str) -> str:
    memo = (memo or "").strip()
    if len(memo) > MEMO_LENGTH:
        raise DomainError(ErrorCode.INVALID, "The memo is limited to %(n)s characters.", "memo", n=MEMO_LENGTH)
    return memo


def _changes(legs: Iterable[tuple[int, int]], holds: dict[int, int] | None = None) -> dict[int, Change]:
    changes: dict[int, Change] = {}
    for account_id, amount in legs:
        changes.setdefault(account_id, Change()).balance += amount
    for account_id, hold_delta in (holds or {}).items():
        changes.setdefault(account_id, Change()).hold += hold_delta
    assert sum(c.balance for c in changes.values()) == 0, "postings must sum to zero"
    return changes


def record_entry(
    session: so.Session,
    transfer: Transfer,
    legs: Iterable[tuple[int, int]],
    holds: dict[int, int] | None = None,
    check_limits: bool = True,
) -> Transfer:
    """Record `transfer` with its postings (account id, signed amount) after applying them."""
    changes = _changes(legs, holds)
    balances = post(session, changes, check_limits)
    execute_together(session, _postings(session, transfer, changes, balances))
    return transfer


def enter(session: so.Session, values: dict, legs: list[tuple[int, int]], also: list[tuple[str, dict]]) -> Optional[Transfer]:
    """`insert_entry` then `record_entry`, in two round trips on PostgreSQL: the entry with
    its guarded UPDATEs (the same statements in the same order, so the same locks and waits),
    then one statement of its postings with the statements `also` (a payment's notice). None
    when the key is taken: the UPDATEs sent with the entry are then undone, nothing is left."""
    values, params = _entry_values(session, values)
    changes = _changes(legs)
    entry_cursor, *cursors = execute_together(session, [(SQL["entry"], params), *_updates(changes, True, True)])
    inserted = entry_cursor.fetchone()
    rows = [cursor.fetchone() for cursor in cursors]
    if inserted is None:
        _apply_back(session, {i: changes[i] for i, row in zip(sorted(changes), rows, strict=True) if row is not None})
        return None
    try:
        balances = _applied(session, changes, rows)
    except DomainError:
        execute(session, SQL["delete_entry"], {"id": inserted[0]})
        raise
    entry = attach_loaded(session, Transfer, {**values, "id": inserted[0]})
    execute_as_one(session, _postings(session, entry, changes, balances) + also)
    return entry


def _postings(session: so.Session, transfer: Transfer, changes: dict[int, Change], balances: dict[int, int]) -> list:
    """The entry's postings as one INSERT (an executemany is a round trip each). Sent while
    the account rows are still locked: posting ids then follow the order in which balances
    changed, so `balance_after` is a true running balance per account."""
    created_at = db_time(session, transfer.created_at)
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
    if not rows:
        return []
    return [(_postings_sql(len(rows)), {f"{name}{i}": row[name] for i, row in enumerate(rows) for name in row})]


@functools.lru_cache(maxsize=None)
def _postings_sql(count: int) -> str:
    values = ", ".join(
        f"(:transfer_id{i}, :account_id{i}, :amount{i}, :balance_after{i}, :created_at{i})" for i in range(count)
    )
    return f"INSERT INTO postings (transfer_id, account_id, amount, balance_after, created_at) VALUES {values}"


def _entry_values(session: so.Session, values: dict) -> tuple[dict, dict]:
    """An entry's values with their defaults (its actor is its initiator unless given), and
    the parameters of its INSERT."""
    values = {
        "created_at": utcnow(), "fee": 0, "memo": "", "system_memo": None, "initiator_id": None,
        "idempotency_key": None, "reverses_id": None, **values,
    }
    values.setdefault("actor_id", values["initiator_id"])
    params = {name: values[name] for name in _ENTRY_COLUMNS}
    params["system_memo"] = json.dumps(values["system_memo"]) if values["system_memo"] else None
    params["kind"] = values["kind"].value
    params["created_at"] = db_time(session, values["created_at"])
    return values, params


def insert_entry(session: so.Session, values: dict) -> Optional[Transfer]:
    """Insert a journal entry before touching any balance. Returns None when a unique key
    is taken: the same (initiator, idempotency key), or a second reversal of one transfer.
    ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit or roll
    back, so two identical requests at once never both pay."""
    values, params = _entry_values(session, values)
    row = execute(session, SQL["entry"], params).fetchone()
    return None if row is None else attach_loaded(session, Transfer, {**values, "id": row[0]})
