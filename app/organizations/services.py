"""Organisations that run themselves: created with their manager, their profile and status,
the manager's hand-over, and the rights the manager grants each member.

An organisation always has a manager: the admin names one when creating it (an existing
member without an organisation, or a new member), the role passes from one member to another
(setOrganizationManager), and a manager cannot be suspended or leave before that
(app.auth.services.update_member)."""
import logging
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.exc
import sqlalchemy.orm as so

from app import audit, permissions
from app.auth import services as auth
from app.auth.passwords import Passwords
from app.errors import N_, DomainError, ErrorCode
from models import (
    Account,
    Member,
    MemberRights,
    MemberStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    utcnow,
)

log = logging.getLogger("alveole.organizations")

NO_ORGANIZATION = N_("This organisation does not exist.")
NO_MEMBER = N_("This member does not exist.")
MANAGER_ONLY = N_("Only the manager of %(organization)s, or the hub's administrator, can do this.")

RIGHTS_FIELDS = (
    "can_book", "can_pay", "can_handle_invoices", "can_list_resources", "can_provide_skills", "booking_cap", "monthly_cap",
)

def get_organization(session: so.Session, organization_id: int, lock: bool = False) -> Organization:
    organization = session.get(Organization, organization_id, with_for_update=lock or None, populate_existing=lock)
    if organization is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_ORGANIZATION, "organizationId")
    return organization


def _require_manager(session: so.Session, actor: Member, organization: Organization) -> None:
    if not permissions.can_manage_organization(session, actor, organization.id):
        raise DomainError(ErrorCode.FORBIDDEN, MANAGER_ONLY, organization=organization.name)


def _check_name(session: so.Session, name: str, organization_id: Optional[int] = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(ErrorCode.INVALID, "Enter a name.", "name")
    taken = session.scalar(sa.select(Organization.id).where(Organization.name == name))
    if taken is not None and taken != organization_id:
        raise DomainError(ErrorCode.CONFLICT, "An organisation with this name already exists.", "name")
    return name


def _check_siret(session: so.Session, siret: str, organization_id: Optional[int] = None) -> Optional[str]:
    siret = siret.replace(" ", "")
    if not siret:
        return None
    if not auth.siret_is_valid(siret):
        raise DomainError(ErrorCode.INVALID, "This SIRET number is not valid.", "siret")
    taken = session.scalar(sa.select(Organization.id).where(Organization.siret == siret))
    if taken is not None and taken != organization_id:
        raise DomainError(ErrorCode.CONFLICT, "An organisation with this SIRET already exists.", "siret")
    return siret


# --- Creating an organisation with its manager --------------------------------------------


def create_organization(
    session: so.Session,
    passwords: Passwords,
    actor: Optional[Member],
    *,
    name: str,
    kind: OrganizationKind = OrganizationKind.FIRM,
    siret: Optional[str] = None,
    town: Optional[str] = None,
    address: Optional[str] = None,
    credit_limit: int = 0,
    manager_id: Optional[int] = None,
    manager: Optional[dict] = None,
) -> Organization:
    """A new organisation, its account and its manager (admin): an existing member who belongs
    to no organisation (`manager_id`), or a new member (`manager`: email, name, password,
    language). Never without one."""
    if actor is not None and not permissions.is_admin(actor):
        raise DomainError(ErrorCode.FORBIDDEN, auth.NOT_ALLOWED)
    if (manager_id is None) == (manager is None):
        raise DomainError(
            ErrorCode.INVALID, "Name the organisation's manager: an existing member or a new one.", "managerId"
        )
    name = _check_name(session, name)
    siret = _check_siret(session, siret) if siret else None
    if manager is not None:
        head = auth.create_member(
            session, passwords, **manager, organization_name=name, organization_kind=kind, siret=siret,
            credit_limit=credit_limit, actor=actor,
        )
        organization = session.get(Organization, head.organization_id)
        organization.town, organization.address = town or None, address or None
    else:
        head = _future_manager(session, manager_id)
        organization = auth.create_organization(
            session, name, kind, siret, town or None, credit_limit=credit_limit, actor=actor, address=address or None,
        )
        organization.manager_id = head.id
        head.organization_id = organization.id
    session.flush()
    log.info(
        "organisation %s created with member %s as its manager by member %s",
        organization.id, head.id, actor.id if actor else "-",
    )
    return organization


def _future_manager(session: so.Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_MEMBER, "managerId")
    if member.status != MemberStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "%(name)s is not an active member.", "managerId", name=member.name)
    if member.organization_id is not None:
        current = session.get(Organization, member.organization_id)
        raise DomainError(
            ErrorCode.INVALID, "%(name)s already belongs to %(organization)s.", "managerId",
            name=member.name, organization=current.name,
        )
    return member


# --- Profile and status ----------------------------------------------------------------------


def update_organization(
    session: so.Session,
    actor: Member,
    organization_id: int,
    *,
    name: Optional[str] = None,
    kind: Optional[OrganizationKind] = None,
    siret: Optional[str] = None,
    town: Optional[str] = None,
    address: Optional[str] = None,
) -> Organization:
    """The manager (or the admin) edits the profile: each field only if given ("" clears the
    optional ones). A new name is the account's name too."""
    organization = get_organization(session, organization_id, lock=True)
    _require_manager(session, actor, organization)
    if name is not None and name.strip() != organization.name:
        organization.name = _check_name(session, name, organization.id)
        session.execute(
            sa.update(Account).where(Account.organization_id == organization.id).values(name=organization.name)
            .execution_options(synchronize_session="fetch")
        )
    if kind is not None:
        organization.kind = kind
    if siret is not None:
        organization.siret = _check_siret(session, siret, organization.id)
    if town is not None:
        organization.town = town.strip() or None
    if address is not None:
        organization.address = address.strip() or None
    session.flush()
    log.info("organisation %s profile updated by member %s", organization.id, actor.id)
    return organization


def set_organization_status(session: so.Session, actor: Member, organization_id: int, status: OrganizationStatus) -> Organization:
    """The admin suspends an organisation (nobody acts for it: no booking, payment or invoice
    from its account) or reinstates it."""
    if not permissions.is_admin(actor):
        raise DomainError(ErrorCode.FORBIDDEN, auth.NOT_ALLOWED)
    organization = get_organization(session, organization_id, lock=True)
    if organization.status != status:
        log.info("organisation %s %s -> %s by member %s", organization.id, organization.status.value, status.value, actor.id)
        audit.record(session, actor, "organization.status_set", organization, {"status": organization.status}, {"status": status})
        organization.status = status
        session.flush()
    return organization


# --- The manager and the rights --------------------------------------------------------------


def set_organization_manager(session: so.Session, actor: Member, organization_id: int, member_id: int) -> Organization:
    """The manager (or the admin) hands the role over to another active member of the
    organisation. The former manager stays a member, keeping every right, without caps, until
    the new manager changes them."""
    organization = get_organization(session, organization_id, lock=True)
    _require_manager(session, actor, organization)
    member = session.get(Member, member_id)
    if member is None or member.organization_id != organization.id:
        raise DomainError(
            ErrorCode.INVALID, "Only a member of %(organization)s can manage it.", "memberId", organization=organization.name
        )
    if member.status != MemberStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "%(name)s is not an active member.", "memberId", name=member.name)
    former_id = organization.manager_id
    if former_id == member.id:
        return organization
    organization.manager_id = member.id
    if former_id is not None and session.get(Member, former_id).organization_id == organization.id:
        rights = _rights_row(session, former_id, organization.id)
        for right in permissions.Right:
            setattr(rights, right.value, True)
        rights.booking_cap = rights.monthly_cap = None
        rights.updated_by_id, rights.updated_at = actor.id, utcnow()
    session.flush()
    audit.record(session, actor, "organization.manager_set", organization, {"manager_id": former_id}, {"manager_id": member.id},
                 subject=member)
    log.info("organisation %s manager %s -> %s by member %s", organization.id, former_id, member.id, actor.id)
    return organization


def _rights_row(session: so.Session, member_id: int, organization_id: int) -> MemberRights:
    """The member's rights row, locked (a spending check of theirs waits), created if missing."""
    row = session.get(MemberRights, member_id, with_for_update=True, populate_existing=True)
    if row is None:
        try:
            with session.begin_nested():
                row = MemberRights(member_id=member_id, organization_id=organization_id)
                session.add(row)
                session.flush()
        except sa.exc.IntegrityError:  # created meanwhile by a concurrent request
            row = session.get(MemberRights, member_id, with_for_update=True, populate_existing=True)
    if row.organization_id != organization_id:  # granted in a former organisation: start again
        for right in permissions.Right:
            setattr(row, right.value, False)
        row.booking_cap = row.monthly_cap = None
        row.organization_id = organization_id
    return row


def set_member_rights(
    session: so.Session,
    actor: Member,
    member_id: int,
    *,
    can_book: bool = False,
    can_pay: bool = False,
    can_handle_invoices: bool = False,
    can_list_resources: bool = False,
    can_provide_skills: bool = False,
    booking_cap: Optional[int] = None,
    monthly_cap: Optional[int] = None,
) -> Member:
    """What a member may do for their organisation, and their caps (None: no cap), as its
    manager (or the admin) sets them. The manager's own rights are all of them."""
    member = session.get(Member, member_id)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_MEMBER, "memberId")
    if member.organization_id is None:
        raise DomainError(ErrorCode.INVALID, "%(name)s belongs to no organisation.", "memberId", name=member.name)
    organization = get_organization(session, member.organization_id)
    _require_manager(session, actor, organization)
    if organization.manager_id == member.id:
        raise DomainError(
            ErrorCode.INVALID_STATE, "The manager may do everything for the organisation: hand the role over first.",
            "memberId",
        )
    rights = _rights_row(session, member.id, organization.id)
    before = {name: getattr(rights, name) for name in RIGHTS_FIELDS}
    rights.can_book, rights.can_pay, rights.can_handle_invoices = can_book, can_pay, can_handle_invoices
    rights.can_list_resources, rights.can_provide_skills = can_list_resources, can_provide_skills
    rights.booking_cap, rights.monthly_cap = booking_cap, monthly_cap
    rights.updated_by_id, rights.updated_at = actor.id, utcnow()
    session.flush()
    after = {name: getattr(rights, name) for name in RIGHTS_FIELDS}
    if after != before:
        audit.record(session, actor, "member.rights_set", member, before, after, subject=member)
    log.info(
        "rights of member %s in organisation %s set by member %s: book %s, pay %s, invoices %s, list %s, skills %s, "
        "caps %s per booking, %s a month",
        member.id, organization.id, actor.id, can_book, can_pay, can_handle_invoices, can_list_resources,
        can_provide_skills, booking_cap, monthly_cap,
    )
    return member
