"""The hub's credit policy: its settings (fee, warning level), credit limits and their
history, and how much of its limit an account uses."""
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit
from app.errors import DomainError, ErrorCode
from app.hub import MAX_AMOUNT, MEMO_LENGTH
from app.notices import events as notices
from app.permissions import is_treasurer
from models import Account, CreditLimitChange, HubSettings, Member, TransferKind

log = logging.getLogger("alveole.ledger")


# Kinds on which the hub's transfer fee is charged (never on corrections or clearing).
FEE_KINDS = {TransferKind.PAYMENT, TransferKind.BOOKING, TransferKind.SKILL, TransferKind.INVOICE}

DEFAULT_WARNING_LEVEL = 80
SETTINGS_FIELDS = ("transfer_fee_bps", "transfer_fee_min", "warning_level_percent")


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
    before = {name: getattr(settings, name) for name in SETTINGS_FIELDS}
    for name, value in (
        ("transfer_fee_bps", transfer_fee_bps),
        ("transfer_fee_min", transfer_fee_min),
        ("warning_level_percent", warning_level_percent),
    ):
        if value is not None:
            setattr(settings, name, value)
    session.flush()
    after = {name: getattr(settings, name) for name in SETTINGS_FIELDS}
    if after != before:
        audit.record(session, actor, "ledger.settings_updated", settings, before, after)
    log.info(
        "ledger settings changed by member %s: fee %s bps, minimum fee %s, warning level %s %%",
        actor.id, settings.transfer_fee_bps, settings.transfer_fee_min, settings.warning_level_percent,
    )
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


# --- Credit limits --------------------------------------------------------------------------


UNCHANGED = object()  # set_credit_limit's balance_cap when the cap is left as it is


def set_credit_limit(
    session: so.Session, actor: Member, account_id: int, new_limit: int, reason: str = "", balance_cap=UNCHANGED
) -> Account:
    """The treasurer sets how far below zero an account may go and, if `balance_cap` is given,
    how far above zero it may rise (None: no cap). A limit below what the account already uses
    is allowed: it then blocks further spending (available < 0) until it recovers, and the
    account reads as over its limit; a cap below the balance likewise only stops it receiving.
    Each call is kept in the account's history, limit and cap before and after."""
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can change credit limits.")
    if not isinstance(new_limit, int) or new_limit < 0:
        raise DomainError(ErrorCode.INVALID, "A credit limit cannot be negative.", "creditLimit")
    if new_limit >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", "creditLimit")
    _check_cap(balance_cap)
    reason = (reason or "").strip()
    if len(reason) > MEMO_LENGTH:
        raise DomainError(ErrorCode.INVALID, "The reason is limited to %(n)s characters.", "reason", n=MEMO_LENGTH)
    account = session.get(Account, account_id, with_for_update=True, populate_existing=True)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "accountId")
    old_limit, old_cap = account.credit_limit, account.balance_cap
    new_cap = old_cap if balance_cap is UNCHANGED else balance_cap
    session.add(
        CreditLimitChange(
            account_id=account.id, old_limit=old_limit, new_limit=new_limit, old_cap=old_cap, new_cap=new_cap,
            reason=reason, changed_by_id=actor.id,
        )
    )
    # Only the limit columns are written (the row is locked): a balance is never overwritten.
    account.credit_limit = new_limit
    account.balance_cap = new_cap
    session.flush()
    audit.record(
        session, actor, "ledger.credit_limit_set", account, {"credit_limit": old_limit, "balance_cap": old_cap},
        {"credit_limit": new_limit, "balance_cap": new_cap}, subject=account.member_id, reason=reason,
    )
    cap_change = f"; balance cap from {old_cap} to {new_cap}" if new_cap != old_cap else ""
    log.info(
        "credit limit of account %s changed from %s to %s by member %s%s", account.id, old_limit, new_limit, actor.id, cap_change
    )
    notices.credit_limit_changed(session, account, old_limit, reason)
    return account


def _check_cap(balance_cap) -> None:
    if balance_cap is UNCHANGED or balance_cap is None:
        return
    if not isinstance(balance_cap, int) or balance_cap <= 0:
        raise DomainError(ErrorCode.INVALID, "A maximum balance is greater than zero; leave it empty for none.", "balanceCap")
    if balance_cap >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "This amount is too large.", "balanceCap")
