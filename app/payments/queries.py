"""Read-side SQL of the payments slice."""
from typing import Optional, Sequence

import sqlalchemy as sa

from app import permissions
from models import Member, Payment, PaymentKind, PaymentStatus


def payments(statuses: Optional[Sequence[PaymentStatus]] = None, kinds: Optional[Sequence[PaymentKind]] = None) -> sa.Select:
    """Every payment of the hub (the treasurer's list), newest first."""
    stmt = sa.select(Payment).order_by(Payment.created_at.desc(), Payment.id.desc())
    if statuses:
        stmt = stmt.where(Payment.status.in_(list(statuses)))
    if kinds:
        stmt = stmt.where(Payment.kind.in_(list(kinds)))
    return stmt


def own_payments(member: Member, usable: set[int]) -> sa.Select:
    """A member's own payments (viewer.payments), newest first."""
    return payments().where(permissions.own_payment_filter(member, usable))


def booking_deposits(booking_ids: Sequence[int]) -> sa.Select:
    """The deposits of these bookings, newest last (the latest of each wins)."""
    return (
        sa.select(Payment)
        .where(Payment.booking_id.in_(list(booking_ids)), Payment.kind == PaymentKind.DEPOSIT)
        .order_by(Payment.id)
    )
