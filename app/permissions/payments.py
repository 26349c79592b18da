"""Who may see and make euro payments (app.payments)."""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.permissions import (  # the core rules these build on
    can_manage_organization,
    is_admin,
    is_treasurer,
    managed_organization_ids,
    usable_account_ids,
)
from models import (
    Booking,
    Member,
    Organization,
    Payment,
)

# --- Euro payments -------------------------------------------------------------------------------


def can_see_payment(
    session: so.Session, member: Optional[Member], payment: Payment, usable: Optional[set[int]] = None
) -> bool:
    """The member who made it, who acts for its account or manages its organisation, and the
    treasurer. (A deposit is also shown to the tool's owner, through the booking.)"""
    if member is None:
        return False
    if is_treasurer(member) or payment.member_id == member.id:
        return True
    usable = usable_account_ids(session, member) if usable is None else usable
    if payment.account_id is not None and payment.account_id in usable:
        return True
    return payment.organization_id is not None and payment.organization_id in managed_organization_ids(session, member)


def own_payment_filter(member: Member, usable: set[int]):
    """The payments a member sees as their own (viewer.payments), as a WHERE clause."""
    managed = sa.select(Organization.id).where(Organization.manager_id == member.id)
    return sa.or_(
        Payment.member_id == member.id,
        Payment.account_id.in_(list(usable)),
        Payment.organization_id.in_(managed),
    )


def can_pay_deposit(session: so.Session, member: Optional[Member], booking: Booking) -> bool:
    """The booker, or who acts for the account the booking is paid from."""
    if member is None:
        return False
    if booking.booker_id == member.id:
        return True
    return booking.account_id is not None and booking.account_id in usable_account_ids(session, member)


def can_pay_membership_fee(session: so.Session, member: Optional[Member], organization_id: int) -> bool:
    """An organisation's manager pays its fee (the admin too, on its behalf)."""
    return can_manage_organization(session, member, organization_id)


def can_set_membership_fees(member: Optional[Member]) -> bool:
    """The admin sets each organisation's yearly fee and the hub's payment settings."""
    return is_admin(member)
