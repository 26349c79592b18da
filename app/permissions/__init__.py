"""Who may do what: every permission rule of the hub, defined once.

Plain predicates over models and a session, used alike by services (which refuse with a
DomainError), GraphQL resolvers (through `app.api.permissions.require`), web views and
commands. A predicate answers a question and raises nothing. The `*_ids` and `*_filter`
forms answer the same question for a whole list at once (one query per request, not per row).

Conventions of the API built on them: a mutation the viewer may not perform answers FORBIDDEN
in its payload; a query for an object the viewer may not see reads null; a list that only the
treasurer (or the admin) may read answers FORBIDDEN as a top-level error.
"""
import enum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import (
    Account,
    AccountStatement,
    Booking,
    Invoice,
    Member,
    MemberRights,
    MemberStatus,
    Organization,
    OrganizationStatus,
    Posting,
    Resource,
    Role,
    Transfer,
)

# --- Roles -------------------------------------------------------------------------------------


def is_admin(member: Optional[Member]) -> bool:
    """The administrator runs the hub: members, organisations, the hub's pool of resources."""
    return member is not None and member.role == Role.ADMIN


TREASURER_ROLES = (Role.TREASURER, Role.ADMIN)


def is_treasurer(member: Optional[Member]) -> bool:
    """The treasurer, and the admin, see every account and run the hub's money."""
    return member is not None and member.role in TREASURER_ROLES


def treasurer_filter():
    """is_treasurer as a WHERE clause on members (a command acting as the treasurer)."""
    return Member.role.in_(TREASURER_ROLES)


def is_signed_in(member: Optional[Member]) -> bool:
    return member is not None


# --- Members -------------------------------------------------------------------------------------


def can_see_emails(member: Optional[Member]) -> bool:
    """The treasurer and the admin see (and search) every member's email."""
    return is_treasurer(member)


def can_see_email(viewer: Optional[Member], member: Member) -> bool:
    """A member's email: to the member, the treasurer and the admin."""
    return viewer is not None and (viewer.id == member.id or can_see_emails(viewer))


# --- Organisations and what their members may do for them -------------------------------------


class Right(str, enum.Enum):
    """What a member may do for their organisation (a column of MemberRights). The manager
    may do all of it; another member what the manager granted them."""

    BOOK = "can_book"
    PAY = "can_pay"
    HANDLE_INVOICES = "can_handle_invoices"
    LIST_RESOURCES = "can_list_resources"
    PROVIDE_SKILLS = "can_provide_skills"


# The rights that spend from the organisation's account: holding one makes it the account
# the member pays from (Member.account).
SPENDING_RIGHTS = (Right.BOOK, Right.PAY, Right.HANDLE_INVOICES)


def managed_organization_ids(session: so.Session, member: Optional[Member]) -> set[int]:
    """The organisations a member manages."""
    if member is None:
        return set()
    return set(session.scalars(sa.select(Organization.id).where(Organization.manager_id == member.id)))


def can_manage_organization(session: so.Session, member: Optional[Member], organization_id: int) -> bool:
    """The organisation's manager, and the admin: its profile, its members' rights, its manager."""
    return is_admin(member) or organization_id in managed_organization_ids(session, member)


def can_invite_member(session: so.Session, member: Optional[Member], organization_id: Optional[int], role: Role) -> bool:
    """The admin invites anyone, into any role; an organisation's manager invites plain members
    into their organisation."""
    if is_admin(member):
        return True
    return (
        member is not None and organization_id is not None and role == Role.MEMBER
        and organization_id in managed_organization_ids(session, member)
    )


def can_invite_members(session: so.Session, member: Optional[Member]) -> bool:
    """Whether the member may invite anyone at all (the invitation page)."""
    return is_admin(member) or bool(managed_organization_ids(session, member))


def rights_of(session: so.Session, member: Member) -> Optional[MemberRights]:
    """The rights the manager granted this member in their current organisation, if any."""
    if member.organization_id is None:
        return None
    row = session.get(MemberRights, member.id)
    return row if row is not None and row.organization_id == member.organization_id else None


def has_right(session: so.Session, member: Optional[Member], organization_id: Optional[int], right: Right) -> bool:
    """May `member` do `right` for this organisation? Its manager may do everything, another
    of its members what they were granted; nobody acts for a suspended organisation."""
    if member is None or organization_id is None or member.status != MemberStatus.ACTIVE:
        return False
    organization = session.get(Organization, organization_id)
    if organization is None or organization.status != OrganizationStatus.ACTIVE:
        return False
    if organization.manager_id == member.id:
        return True
    if member.organization_id != organization_id:
        return False
    rights = rights_of(session, member)
    return rights is not None and bool(getattr(rights, right.value))


def is_capped(session: so.Session, member: Member, organization_id: Optional[int]) -> bool:
    """A member spending for an organisation they do not manage is held to the caps of their
    rights (the manager sets them, and has none)."""
    if organization_id is None:
        return False
    return organization_id not in managed_organization_ids(session, member)


def acts_for_organization(session: so.Session, member: Optional[Member], organization_id: int) -> bool:
    """Its manager, and its members holding a right to spend from its account."""
    return any(has_right(session, member, organization_id, right) for right in SPENDING_RIGHTS)


def can_see_member_rights(session: so.Session, viewer: Optional[Member], member: Member) -> bool:
    """A member's rights: the member, their organisation's manager, the treasurer and the admin."""
    if viewer is None:
        return False
    if viewer.id == member.id or is_treasurer(viewer):
        return True
    return member.organization_id is not None and member.organization_id in managed_organization_ids(session, viewer)


# --- Accounts ------------------------------------------------------------------------------------


def _spending_right_granted():
    return sa.or_(MemberRights.can_book, MemberRights.can_pay, MemberRights.can_handle_invoices)


def usable_account_ids_query(member: Member) -> sa.Select:
    """The accounts a member acts for: their own; their organisation's as its manager, or
    when they hold a right to spend from it."""
    own = sa.select(Account.id).where(Account.member_id == member.id)
    managed = (
        sa.select(Account.id)
        .join(Organization, Organization.id == Account.organization_id)
        .where(Organization.manager_id == member.id)
    )
    granted = (
        sa.select(Account.id)
        .join(MemberRights, MemberRights.organization_id == Account.organization_id)
        .join(Member, sa.and_(Member.id == MemberRights.member_id, Member.organization_id == MemberRights.organization_id))
        .where(MemberRights.member_id == member.id, _spending_right_granted())
    )
    return sa.union(own, managed, granted)


def usable_account_ids(session: so.Session, member: Member) -> set[int]:
    return set(session.scalars(usable_account_ids_query(member)))


def can_use_account(session: so.Session, member: Optional[Member], account: Account) -> bool:
    """A member acts for their own account and, as its manager or holding a right to spend
    from it, for their organisation's: they see it, its entries and its invoices."""
    if member is None:
        return False
    if account.member_id is not None:
        return account.member_id == member.id
    if account.organization_id is not None:
        return account.id in usable_account_ids(session, member)
    return False


def can_spend_from(session: so.Session, member: Optional[Member], account: Account, right: Right) -> bool:
    """May `member` spend from `account` in this way (book, pay, settle invoices)? From an
    organisation's account: with that right (its manager has them all). From their own
    account: when they belong to no organisation (a member of one acts for it)."""
    if member is None or member.status != MemberStatus.ACTIVE:
        return False
    if account.member_id is not None:
        return account.member_id == member.id and member.organization_id is None
    if account.organization_id is not None:
        return has_right(session, member, account.organization_id, right)
    return False


def visible_account_ids(session: so.Session, member: Member) -> Optional[set[int]]:
    """The accounts a member may see, or None when they see them all (treasurer, admin)."""
    return None if is_treasurer(member) else usable_account_ids(session, member)


def can_see_account(session: so.Session, member: Optional[Member], account: Account) -> bool:
    return is_treasurer(member) or can_use_account(session, member, account)


def can_see_transfer(
    session: so.Session, member: Optional[Member], transfer: Transfer, usable: Optional[set[int]] = None
) -> bool:
    """Whoever sees one of the accounts it posts to (payer, payee, the commons for a fee).
    `usable`: the member's usable_account_ids, when the request already loaded them."""
    if member is None:
        return False
    if is_treasurer(member):
        return True
    usable = usable_account_ids(session, member) if usable is None else usable
    posted = session.scalars(sa.select(Posting.account_id).where(Posting.transfer_id == transfer.id))
    return not usable.isdisjoint(posted)


# --- Resources and bookings ----------------------------------------------------------------------


def listing_organization_ids(session: so.Session, member: Optional[Member]) -> set[int]:
    """The organisations whose resources a member lists and runs: those they manage, and
    their own when granted the right to list resources."""
    if member is None:
        return set()
    ids = managed_organization_ids(session, member)
    if member.organization_id is not None and has_right(session, member, member.organization_id, Right.LIST_RESOURCES):
        ids.add(member.organization_id)
    return ids


def can_manage_resource(
    session: so.Session, member: Optional[Member], resource: Resource, managed: Optional[set[int]] = None
) -> bool:
    """The owning organisation's manager and its members with the right to list resources,
    and the admin (who also runs the hub's pool). `managed`: the member's
    listing_organization_ids, when a list already loaded them."""
    if member is None:
        return False
    if is_admin(member):
        return True
    if resource.owner_organization_id is None:
        return False
    managed = listing_organization_ids(session, member) if managed is None else managed
    return resource.owner_organization_id in managed


def managed_resource_filter(member: Member):
    """can_manage_resource as a WHERE clause, for lists."""
    if is_admin(member):
        return sa.true()
    managed = sa.select(Organization.id).where(Organization.manager_id == member.id)
    listed = (
        sa.select(MemberRights.organization_id)
        .join(Organization, Organization.id == MemberRights.organization_id)
        .where(
            MemberRights.member_id == member.id,
            MemberRights.organization_id == member.organization_id,
            MemberRights.can_list_resources,
            Organization.status == OrganizationStatus.ACTIVE,
        )
    )
    return sa.or_(Resource.owner_organization_id.in_(managed), Resource.owner_organization_id.in_(listed))


def is_booker(member: Optional[Member], booking: Booking) -> bool:
    """The member who made the booking: they cancel it (and the rest of its series)."""
    return member is not None and booking.booker_id == member.id


def can_see_booking(session: so.Session, member: Optional[Member], booking: Booking, resource: Resource) -> bool:
    """The booker, the resource's managers, and the treasurer."""
    if member is None:
        return False
    if is_booker(member, booking) or is_treasurer(member):
        return True
    return can_manage_resource(session, member, resource)


# --- Invoices and statements ---------------------------------------------------------------------


def can_see_invoice(
    session: so.Session, member: Optional[Member], invoice: Invoice, usable: Optional[set[int]] = None
) -> bool:
    """The parties (who acts for the creditor or the debtor account), and the treasurer.
    `usable`: the member's usable_account_ids, when the request already has them."""
    if member is None:
        return False
    if is_treasurer(member):
        return True
    usable = usable_account_ids(session, member) if usable is None else usable
    return invoice.creditor_account_id in usable or invoice.debtor_account_id in usable


def is_invoice_creditor(session: so.Session, member: Optional[Member], invoice: Invoice, usable: Optional[set[int]] = None) -> bool:
    """Who acts for the invoice's creditor account (may withdraw it while nothing is paid)."""
    if member is None:
        return False
    usable = usable_account_ids(session, member) if usable is None else usable
    return invoice.creditor_account_id in usable


def can_cancel_invoice(session: so.Session, member: Optional[Member], invoice: Invoice,
                       usable: Optional[set[int]] = None) -> bool:
    """Who acts for the creditor withdraws their invoice; the treasurer, as the hub's arbiter,
    may cancel any other (a disputed one, one billed without cause: with a reason), but not
    one billed to an account they act for themselves."""
    if member is None:
        return False
    usable = usable_account_ids(session, member) if usable is None else usable
    if invoice.creditor_account_id in usable:
        return True
    return is_treasurer(member) and invoice.debtor_account_id not in usable


def can_correct_invoice(member: Optional[Member]) -> bool:
    """Only the treasurer corrects an invoice's amount, due date or memo (with a reason)."""
    return is_treasurer(member)


def visible_invoice_filter(member: Member, usable: set[int]):
    """can_see_invoice as a WHERE clause, for lists."""
    if is_treasurer(member):
        return sa.true()
    return sa.or_(Invoice.debtor_account_id.in_(list(usable)), Invoice.creditor_account_id.in_(list(usable)))


def can_see_statement(
    session: so.Session, member: Optional[Member], statement: AccountStatement, usable: Optional[set[int]] = None
) -> bool:
    """A closed month's statement: who acts for its account, and the treasurer."""
    if member is None:
        return False
    if is_treasurer(member):
        return True
    usable = usable_account_ids(session, member) if usable is None else usable
    return statement.account_id in usable


# --- Who hears of what ------------------------------------------------------------------------


def account_holders_query(account_ids) -> sa.Select:
    """(member id, account id) of who acts for these accounts, hence hears of what happens to
    them: the member of a personal account, the manager of an organisation's."""
    # A list of ids, or an expanding bind parameter (a statement built once, see app.notices).
    ids = account_ids if isinstance(account_ids, sa.BindParameter) else list(account_ids)
    own = sa.select(Account.member_id.label("member_id"), Account.id.label("account_id")).where(
        Account.id.in_(ids), Account.member_id.is_not(None)
    )
    managed = (
        sa.select(Organization.manager_id.label("member_id"), Account.id.label("account_id"))
        .join(Organization, Organization.id == Account.organization_id)
        .where(Account.id.in_(ids), Organization.manager_id.is_not(None))
    )
    return sa.union_all(own, managed)


def resource_managers_query(resource: Resource) -> sa.Select:
    """The ids of who answers a resource's bookings: its organisation's manager; for the hub's
    pool, the admins."""
    if resource.owner_organization_id is None:
        return sa.select(Member.id).where(Member.role == Role.ADMIN)
    return sa.select(Organization.manager_id).where(
        Organization.id == resource.owner_organization_id, Organization.manager_id.is_not(None)
    )


# The rules of two slices, in modules of their own; every rule is still `permissions.<name>`.
from app.permissions.payments import (  # noqa: E402, F401
    can_pay_deposit,
    can_pay_membership_fee,
    can_see_payment,
    can_set_membership_fees,
    own_payment_filter,
)
from app.permissions.skills import (  # noqa: E402, F401
    can_provide_for,
    can_see_job,
    can_settle_dispute,
    client_job_filter,
    is_job_client,
    is_job_provider,
    provider_organization_filter,
    visible_job_filter,
)

