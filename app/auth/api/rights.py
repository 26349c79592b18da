"""`Member.rights`: what a member may do for their organisation, and what they spent from its
account this month. Read for every member of a page at once (the organisation's members page
lists them all): one query for the rights rows, one for the sums spent."""
from typing import Optional

import sqlalchemy as sa
import strawberry

from app import permissions
from app.api.context import Info
from app.api.scalars import Money, money
from app.ledger.services.spending import spent_by_members
from models import Account, Member, MemberRights, Organization


@strawberry.type(name="MemberRights", description="What a member may do for their organisation, as its manager set it.")
class MemberRightsType:
    is_manager: bool = strawberry.field(description="The organisation's manager may do everything, without caps.")
    can_book: bool
    can_pay: bool = strawberry.field(description="Pay members from the organisation's account.")
    can_handle_invoices: bool = strawberry.field(description="Issue, accept, reject, cancel and pay its invoices.")
    can_list_resources: bool = strawberry.field(description="Offer its resources and run their bookings.")
    can_provide_skills: bool
    booking_cap: Optional[Money] = strawberry.field(description="The most one booking may cost; null: no cap.")
    monthly_cap: Optional[Money] = strawberry.field(description="The most the member may spend in a calendar month; null: no cap.")
    spent_this_month: Money = strawberry.field(
        description="What the member spent from the organisation's account since the 1st (hub time zone), "
        "from the ledger's actor records, with what they committed and is not paid yet (holds, bookings "
        "left on account not billed yet)."
    )


def _load(info: Info, member: Member) -> None:
    """Rights rows, managers and sums spent of the member's organisation's listed members."""
    session, cache = info.context.session, info.context.cache.setdefault("member_rights", {})
    organization_id = member.organization_id
    listed = session.info.get("listed_members", set()) | {member.id}
    members = session.scalars(
        sa.select(Member).where(Member.id.in_(listed), Member.organization_id == organization_id)
    ).all()
    ids = [m.id for m in members]
    rows = {r.member_id: r for r in session.scalars(
        sa.select(MemberRights).where(MemberRights.member_id.in_(ids), MemberRights.organization_id == organization_id)
    )}
    organization = session.get(Organization, organization_id)
    account_id = session.scalar(sa.select(Account.id).where(Account.organization_id == organization_id))
    spent = spent_by_members(session, ids, account_id) if account_id is not None else dict.fromkeys(ids, 0)
    for m in members:
        cache[m.id] = _rights(m.id == organization.manager_id, rows.get(m.id), spent[m.id])


def _rights(is_manager: bool, row: Optional[MemberRights], spent: int) -> MemberRightsType:
    if is_manager:
        return MemberRightsType(
            is_manager=True, can_book=True, can_pay=True, can_handle_invoices=True, can_list_resources=True,
            can_provide_skills=True, booking_cap=None, monthly_cap=None, spent_this_month=money(spent),
        )
    row = row or MemberRights()
    return MemberRightsType(
        is_manager=False, can_book=bool(row.can_book), can_pay=bool(row.can_pay),
        can_handle_invoices=bool(row.can_handle_invoices), can_list_resources=bool(row.can_list_resources),
        can_provide_skills=bool(row.can_provide_skills),
        booking_cap=None if row.booking_cap is None else money(row.booking_cap),
        monthly_cap=None if row.monthly_cap is None else money(row.monthly_cap),
        spent_this_month=money(spent),
    )


def member_rights(info: Info, member: Member) -> Optional[MemberRightsType]:
    """Null for a member without an organisation, and for a viewer who may not see them."""
    if member.organization_id is None:
        return None
    if not permissions.can_see_member_rights(info.context.session, info.context.viewer, member):
        return None
    cache = info.context.cache.setdefault("member_rights", {})
    if member.id not in cache:
        _load(info, member)
    return cache.get(member.id)
