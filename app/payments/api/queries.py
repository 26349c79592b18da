"""The payments' queries, their node, and the fields they answer on other slices' types
(Member.payments, Booking.deposit, Organization.membershipFee)."""
from typing import Optional

import sqlalchemy as sa
import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.permissions import TREASURER_ONLY, require_for_query
from app.api.relay import Connection, paginate, provides
from app.payments import fees, gateway, queries
from app.payments.api.types import (
    MembershipFeeType,
    PaymentConfigType,
    PaymentKindEnum,
    PaymentStatusEnum,
    PaymentType,
    usable_accounts,
)
from models import Booking, Member, MembershipFee, Organization, Payment, PaymentSettings


def resolve_payment_node(info: Info, pk: int) -> Optional[PaymentType]:
    viewer = info.context.viewer
    payment = info.context.session.get(Payment, pk) if viewer else None
    if payment is None or not permissions.can_see_payment(info.context.session, viewer, payment, usable_accounts(info)):
        return None
    return PaymentType.from_model(payment)


@strawberry.type
class PaymentsQuery:
    @strawberry.field(description="Every euro movement of the hub, newest first (treasurer).")
    def payments(
        self,
        info: Info,
        status: Optional[list[PaymentStatusEnum]] = None,
        kind: Optional[list[PaymentKindEnum]] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> Connection[PaymentType]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        stmt = queries.payments(status, kind)
        return paginate(info.context.session, stmt, first, after, lambda rows: PaymentType.many(info, rows))

    @strawberry.field(description="How euros move on this hub: cards on or off, the key stripe.js needs, the rate.")
    def payment_config(self, info: Info) -> PaymentConfigType:
        return PaymentConfigType.build(
            gateway.cards_enabled(), gateway.publishable_key(), str(current_app.config.get("CREDITS_PER_EURO", "1")),
            info.context.session.get(PaymentSettings, 1),
        )


@provides("Member.payments")
def member_payments(info: Info, member: Member, first: Optional[int], after: Optional[str]) -> Optional[Connection[PaymentType]]:
    viewer = info.context.viewer
    if viewer is None or viewer.id != member.id:
        return None
    stmt = queries.own_payments(viewer, usable_accounts(info))
    return paginate(info.context.session, stmt, first, after, lambda rows: PaymentType.many(info, rows))


@provides("Booking.deposit")
def booking_deposit(info: Info, booking: Booking, page: list[Booking]) -> Optional[PaymentType]:
    """The latest deposit of each booking of the page, loaded at once."""
    cache = info.context.cache.setdefault("deposits", {})
    if booking.id not in cache:
        ids = {b.id for b in page} - cache.keys()
        cache.update({i: None for i in ids})
        for payment in info.context.session.scalars(queries.booking_deposits(list(ids))):
            cache[payment.booking_id] = payment
    payment = cache.get(booking.id)
    return None if payment is None else PaymentType.from_model(payment)


@provides("Organization.membershipFee")
def organization_fee(info: Info, organization: Organization) -> Optional[MembershipFeeType]:
    viewer = info.context.viewer
    session = info.context.session
    if viewer is None or not (
        permissions.is_treasurer(viewer) or viewer.organization_id == organization.id
        or permissions.can_manage_organization(session, viewer, organization.id)
    ):
        return None
    cache = info.context.cache
    if "membership_fees" not in cache:  # every organisation's fee at once: one row each
        cache["payment_settings"] = fees.get_settings_or_default(session)
        cache["membership_fees"] = {f.organization_id: f for f in session.scalars(sa.select(MembershipFee))}
    state = fees.fee_state(cache["membership_fees"].get(organization.id), cache["payment_settings"].fee_grace_days)
    return MembershipFeeType.from_state(organization.id, state)
