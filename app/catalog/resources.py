"""Finding a resource and who is paid for it: the lookups every catalogue module shares, at
the bottom of the slice so that bookings, the waitlist and the editing rules all use them."""
import re
import unicodedata
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import N_, DomainError, ErrorCode
from app.ledger.services import system_account
from app.permissions import Right, can_manage_resource, has_right
from models import COMMONS, Account, Member, Organization, Resource

NO_RESOURCE = N_("This resource does not exist.")
OWNER_ONLY = N_("Only the owner of this resource can do this.")

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'"})


def normalize(text: str) -> str:
    """Lower-case, accent-free, single-spaced: "Scie à ruban" -> "scie a ruban". The stored
    search text and the words searched for both go through it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped).strip()


def get_resource(session: so.Session, resource_id: int, lock: bool = False) -> Resource:
    """The resource, else NOT_FOUND. `lock`: the row lock that serialises every change of its
    calendar (PostgreSQL; SQLite runs one writer at a time)."""
    resource = session.get(Resource, resource_id, with_for_update=lock or None, populate_existing=lock)
    if resource is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_RESOURCE, "resourceId")
    return resource


def require_manager(session: so.Session, actor: Member, resource: Resource) -> None:
    if not can_manage_resource(session, actor, resource):
        raise DomainError(ErrorCode.FORBIDDEN, OWNER_ONLY)


def managed_organization(session: so.Session, member: Member) -> Optional[Organization]:
    """The organisation where a member's new resources go: the one they manage, else their own
    when they hold the right to list resources for it."""
    managed = session.scalar(sa.select(Organization).where(Organization.manager_id == member.id))
    if managed is not None:
        return managed
    if member.organization_id is not None and has_right(session, member, member.organization_id, Right.LIST_RESOURCES):
        return session.get(Organization, member.organization_id)
    return None


def owner_account_id(session: so.Session, resource: Resource) -> int:
    """The account a booking pays: the owning organisation's, or the commons for the hub pool."""
    if resource.owner_organization_id is None:
        return system_account(session, COMMONS).id
    account_id = session.scalar(
        sa.select(Account.id).where(Account.organization_id == resource.owner_organization_id)
    )
    if account_id is None:
        raise DomainError(ErrorCode.INVALID_STATE, "The owner of this resource has no account.")
    return account_id
