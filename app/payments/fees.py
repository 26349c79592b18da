"""Membership fees: a yearly fee per organisation, set by the admin, paid by card by its
manager or recorded by the treasurer; its status and renewal date; and the hub setting that
lets an overdue fee block new bookings."""
import datetime as dt
import enum
import logging
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit, permissions
from app.catalog import signals
from app.errors import DomainError, ErrorCode
from app.hub import MEMO_LENGTH, hub_today
from app.ledger.services.journal import check_amount
from app.payments import gateway, records
from app.payments.settlements import start_card_payment
from models import (
    Member,
    MembershipFee,
    Organization,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentSettings,
    PaymentStatus,
    utcnow,
)

log = logging.getLogger("alveole.payments")

NO_ORGANIZATION = "This organisation does not exist."


class FeeStatus(str, enum.Enum):
    NONE = "NONE"  # no fee set (or a zero fee)
    PAID = "PAID"
    DUE = "DUE"
    OVERDUE = "OVERDUE"


@dataclass
class FeeState:
    yearly_amount: int
    status: FeeStatus
    renewal_date: Optional[dt.date]  # the day the next year is due
    paid_until: Optional[dt.date]


def get_settings(session: so.Session) -> PaymentSettings:
    settings = session.get(PaymentSettings, 1)
    if settings is None:
        settings = PaymentSettings(id=1, fee_overdue_blocks_bookings=False, fee_grace_days=30)
        session.add(settings)
        session.flush()
    return settings


def get_settings_or_default(session: so.Session) -> PaymentSettings:
    """The settings to read (a default, not saved, before the admin changed any)."""
    return session.get(PaymentSettings, 1) or PaymentSettings(id=1, fee_overdue_blocks_bookings=False, fee_grace_days=30)


def fee_state(fee: Optional[MembershipFee], grace_days: int, today: Optional[dt.date] = None) -> FeeState:
    today = today or hub_today()
    if fee is None or fee.yearly_amount == 0:
        return FeeState(fee.yearly_amount if fee else 0, FeeStatus.NONE, None, fee.paid_until if fee else None)
    due = fee.paid_until or fee.starts_on
    if today < due:
        status = FeeStatus.PAID
    elif today <= due + dt.timedelta(days=grace_days):
        status = FeeStatus.DUE
    else:
        status = FeeStatus.OVERDUE
    return FeeState(fee.yearly_amount, status, due, fee.paid_until)


def fee_of(session: so.Session, organization_id: int) -> Optional[MembershipFee]:
    return session.scalar(sa.select(MembershipFee).where(MembershipFee.organization_id == organization_id))


def _organization(session: so.Session, organization_id: int) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_ORGANIZATION, "organizationId")
    return organization


def set_membership_fee(session: so.Session, actor: Member, organization_id: int, amount: int,
                       today: Optional[dt.date] = None) -> MembershipFee:
    """The admin sets an organisation's yearly fee (0: none). A first fee is due at once."""
    if not permissions.can_set_membership_fees(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the administrator can set membership fees.")
    organization = _organization(session, organization_id)
    if amount != 0:
        check_amount(amount)
    fee = fee_of(session, organization.id)
    before = {"yearly_amount": fee.yearly_amount} if fee is not None else None
    if fee is None:
        fee = MembershipFee(organization_id=organization.id, yearly_amount=amount, starts_on=today or hub_today())
        session.add(fee)
    fee.yearly_amount = amount
    fee.updated_by_id = actor.id
    fee.updated_at = utcnow()
    session.flush()
    if before != {"yearly_amount": amount}:
        audit.record(session, actor, "payments.membership_fee_set", organization, before, {"yearly_amount": amount})
    log.info("membership fee of organisation %s set to %s cents by member %s", organization.id, amount, actor.id)
    return fee


def _fee_to_pay(session: so.Session, organization: Organization) -> MembershipFee:
    fee = fee_of(session, organization.id)
    if fee is None or fee.yearly_amount == 0:
        raise DomainError(ErrorCode.INVALID_STATE, "This organisation has no membership fee to pay.", "organizationId")
    return fee


def pay_membership_fee(session: so.Session, actor: Member, organization_id: int, *,
                       payment_method: Optional[str] = None, idempotency_key: Optional[str] = None) -> Payment:
    """The organisation's manager pays a year of its fee by card."""
    organization = _organization(session, organization_id)
    if not permissions.can_pay_membership_fee(session, actor, organization.id):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the organisation's manager can pay its membership fee.")
    key = records.payment_key(actor.id, PaymentKind.MEMBERSHIP_FEE, idempotency_key)
    if idempotency_key and (earlier := records.by_key(session, key)) is not None:
        return earlier
    fee = _fee_to_pay(session, organization)
    if not gateway.cards_enabled():
        raise DomainError(ErrorCode.INVALID_STATE, gateway.CARDS_OFF)
    pending = session.scalar(
        sa.select(Payment).where(
            Payment.organization_id == organization.id, Payment.kind == PaymentKind.MEMBERSHIP_FEE,
            Payment.status == PaymentStatus.PENDING, Payment.method == PaymentMethod.CARD,
            Payment.amount == fee.yearly_amount,
        ).order_by(Payment.id.desc()).limit(1)
    )
    if pending is not None:  # a card form left half-way: carry on with it
        return pending
    payment = records.new_payment(
        session, kind=PaymentKind.MEMBERSHIP_FEE, method=PaymentMethod.CARD, amount=fee.yearly_amount, key=key,
        member=actor, organization_id=organization.id,
    )
    payment.credits = 0
    return start_card_payment(session, payment, payment_method=payment_method)


def record_membership_fee(session: so.Session, actor: Member, organization_id: int, reference: str) -> Payment:
    """The treasurer records a year of fee paid by bank transfer."""
    if not permissions.is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can record bank transfers.")
    organization = _organization(session, organization_id)
    fee = _fee_to_pay(session, organization)
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(ErrorCode.INVALID, "Give the bank transfer's reference.", "reference")
    if len(reference) > MEMO_LENGTH:
        raise DomainError(ErrorCode.INVALID, "The memo is limited to %(n)s characters.", "reference", n=MEMO_LENGTH)
    manager = session.get(Member, organization.manager_id) if organization.manager_id else None
    payment = records.new_payment(
        session, kind=PaymentKind.MEMBERSHIP_FEE, method=PaymentMethod.BANK_TRANSFER, amount=fee.yearly_amount,
        key=records.payment_key(None, PaymentKind.MEMBERSHIP_FEE, None), member=manager,
        organization_id=organization.id, reference=reference, recorded_by=actor,
    )
    payment.credits = 0
    records.succeed(session, payment, actor=actor)
    audit.record(session, actor, "payments.membership_fee_recorded", organization, None,
                 {"payment_id": payment.id, "amount": payment.amount, "reference": reference})
    return payment


def update_settings(session: so.Session, actor: Member, *, fee_overdue_blocks_bookings: Optional[bool] = None,
                    fee_grace_days: Optional[int] = None) -> PaymentSettings:
    if not permissions.can_set_membership_fees(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the administrator can change the payment settings.")
    settings = get_settings(session)
    before = {"fee_overdue_blocks_bookings": settings.fee_overdue_blocks_bookings, "fee_grace_days": settings.fee_grace_days}
    if fee_grace_days is not None:
        if not 0 <= fee_grace_days <= 365:
            raise DomainError(ErrorCode.INVALID, "Between 0 and 365 days.", "feeGraceDays")
        settings.fee_grace_days = fee_grace_days
    if fee_overdue_blocks_bookings is not None:
        settings.fee_overdue_blocks_bookings = fee_overdue_blocks_bookings
    session.flush()
    after = {"fee_overdue_blocks_bookings": settings.fee_overdue_blocks_bookings, "fee_grace_days": settings.fee_grace_days}
    if after != before:
        audit.record(session, actor, "payments.settings_updated", settings, before, after)
    log.info("payment settings changed by member %s: blocks %s, grace %s days", actor.id,
             settings.fee_overdue_blocks_bookings, settings.fee_grace_days)
    return settings


@signals.booking_requested.connect
def _block_when_overdue(sender, *, session, actor, account, resource, now):
    """With the hub setting on, an organisation whose fee is overdue makes no new booking."""
    if account.organization_id is None:
        return
    settings = session.get(PaymentSettings, 1)
    if settings is None or not settings.fee_overdue_blocks_bookings:
        return
    state = fee_state(fee_of(session, account.organization_id), settings.fee_grace_days)
    if state.status == FeeStatus.OVERDUE:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Your organisation's membership fee is overdue: new bookings are blocked until it is paid.",
        )
