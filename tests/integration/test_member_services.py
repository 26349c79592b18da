"""The rules of member administration live in the services, whoever calls them."""
import pytest
import sqlalchemy as sa

from app.auth import services
from app.errors import DomainError, ErrorCode
from models import Member, Role


def test_only_an_admin_creates_members_and_organizations(app, db, make_member):
    treasurer = db.scalar(sa.select(Member).where(Member.email == make_member(role=Role.TREASURER)))
    passwords = app.extensions["passwords"]
    with pytest.raises(DomainError) as refused:
        services.create_member(db, passwords, email="x@example.test", name="X", password="long enough!", actor=treasurer)
    assert refused.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as refused:
        services.create_organization(db, "Nouvelle structure", actor=treasurer)
    assert refused.value.code == ErrorCode.FORBIDDEN
    admin = db.scalar(sa.select(Member).where(Member.email == make_member(role=Role.ADMIN)))
    created = services.create_member(db, passwords, email="x@example.test", name="X", password="long enough!", actor=admin)
    assert created.id is not None
