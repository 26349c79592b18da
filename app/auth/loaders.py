"""How a request finds its member: the session cookie, else an `Authorization: Bearer` token.
Registered on the login manager when the app starts (imported by create_app)."""
from flask import current_app

from app.auth.services import token_for_secret, touch_token
from app.database import get_session
from app.extensions import login_manager
from models import Member, MemberStatus


@login_manager.user_loader
def load_member(member_id: str):
    member = get_session().get(Member, int(member_id)) if member_id.isdigit() else None
    return member if member is not None and member.status == MemberStatus.ACTIVE else None


@login_manager.request_loader
def load_member_from_token(req):
    header = req.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    db = get_session()
    token = token_for_secret(db, secret.strip())
    if token is None:
        return None
    # The last-used time goes in a short transaction of its own, so that the request itself
    # stays read-only until a mutation begins (and its one commit stays its own).
    with current_app.extensions["db_sessionmaker"].begin() as own:
        touch_token(own, token.id)
    return db.get(Member, token.member_id)
