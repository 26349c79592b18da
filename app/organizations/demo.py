"""The demo hub's members at work: the rights their managers granted them."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.auth.passwords import Passwords
from app.organizations.services import set_member_rights
from models import Member, Organization

# email -> rights, caps in ALV (absent: no cap), as the organisation's manager granted them.
DEMO_RIGHTS = {
    # A worker of the insertion workshop books tools and pays members, up to 200 a month.
    "karim.benali@boisetvie.test": dict(can_book=True, can_pay=True, monthly_cap=200),
    # The sawmill's workshop lead runs its equipment and books, within caps.
    "lea.perrin@scierie-giffre.test": dict(can_book=True, can_list_resources=True, booking_cap=300, monthly_cap=1000),
    # The carpentry firm's site foreman books, pays and handles invoices.
    "thomas.berthod@charpentes-mb.test": dict(can_book=True, can_pay=True, can_handle_invoices=True, monthly_cap=1500),
}
CAPS = ("booking_cap", "monthly_cap")


def seed_rights(session: so.Session, passwords: Passwords) -> None:
    for email, rights in DEMO_RIGHTS.items():
        member = session.scalar(sa.select(Member).where(Member.email == email))
        manager = session.get(Member, session.get(Organization, member.organization_id).manager_id)
        caps = {name: rights[name] * 100 for name in CAPS if name in rights}
        set_member_rights(session, manager, member.id, **{**rights, **caps})
