"""Who may do what: every permission rule of the hub, defined once.

Plain predicates over models and a session, used alike by services (which refuse with a
DomainError), GraphQL resolvers (through `app.api.permissions.require`), web views and
commands. A predicate answers a question and raises nothing. The `*_ids` and `*_filter`
forms answer the same question for a whole list at once (one query per request, not per row).

Conventions of the API built on them: a mutation the viewer may not perform answers FORBIDDEN
in its payload; a query for an object the viewer may not see reads null; a list that only the
treasurer (or the admin) may read answers FORBIDDEN as a top-level error.
"""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import Account, AccountStatement, Booking, Invoice, Member, Organization, Posting, Resource, Role, Transfer

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


# --- Organisations -------------------------------------------------------------------------------


def managed_organization_ids(session: so.Session, member: Optional[Member]) -> set[int]:
    """The organisations a member manages."""
    if member is None:
        return set()
    return set(session.scalars(sa.select(Organization.id).where(Organization.manager_id == member.id)))


def can_manage_organization(session: so.Session, member: Optional[Member], organization_id: int) -> bool:
    """The organisation's manager, and the admin."""
    return is_admin(member) or organization_id in managed_organization_ids(session, member)


# --- Accounts ------------------------------------------------------------------------------------


def usable_account_ids_query(member: Member) -> sa.Select:
    """The accounts a member spends from: their own, and as manager their organisation's."""
    own = sa.select(Account.id).where(Account.member_id == member.id)
    managed = (
        sa.select(Account.id)
        .join(Organization, Organization.id == Account.organization_id)
        .where(Organization.manager_id == member.id)
    )
    return sa.union_all(own, managed)


def usable_account_ids(session: so.Session, member: Member) -> set[int]:
    return set(session.scalars(usable_account_ids_query(member)))


def can_use_account(session: so.Session, member: Optional[Member], account: Account) -> bool:
    """A member spends from their own account and, as manager, from their organisation's."""
    if member is None:
        return False
    if account.member_id is not None:
        return account.member_id == member.id
    if account.organization_id is not None:
        return account.organization_id in managed_organization_ids(session, member)
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


def can_manage_resource(
    session: so.Session, member: Optional[Member], resource: Resource, managed: Optional[set[int]] = None
) -> bool:
    """The owning organisation's manager, and the admin (who also runs the hub's pool).
    `managed`: the member's managed_organization_ids, when a list already loaded them."""
    if member is None:
        return False
    if is_admin(member):
        return True
    if resource.owner_organization_id is None:
        return False
    managed = managed_organization_ids(session, member) if managed is None else managed
    return resource.owner_organization_id in managed


def managed_resource_filter(member: Member):
    """can_manage_resource as a WHERE clause, for lists."""
    if is_admin(member):
        return sa.true()
    org_ids = sa.select(Organization.id).where(Organization.manager_id == member.id)
    return Resource.owner_organization_id.in_(org_ids)


def can_see_booking(session: so.Session, member: Optional[Member], booking: Booking, resource: Resource) -> bool:
    """The booker, the resource's managers, and the treasurer."""
    if member is None:
        return False
    if member.id == booking.booker_id or is_treasurer(member):
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


def can_cancel_invoice(session: so.Session, member: Optional[Member], invoice: Invoice,
                       usable: Optional[set[int]] = None) -> bool:
    """Who acts for the creditor withdraws their invoice; the treasurer, as the hub's arbiter,
    may cancel any other (a disputed one, one billed without cause), but not one billed to an
    account they act for themselves."""
    if member is None:
        return False
    usable = usable_account_ids(session, member) if usable is None else usable
    if invoice.creditor_account_id in usable:
        return True
    return is_treasurer(member) and invoice.debtor_account_id not in usable


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
