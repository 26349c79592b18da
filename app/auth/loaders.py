"""How a request finds its member: the session cookie, else an `Authorization: Bearer` token.
Registered on the login manager when the app starts (imported by create_app).

A session holds the member's session version from its sign-in; once the member's version
moved on (sign-out, new password, suspension), the session, and any saved copy of its cookie,
no longer signs anyone in."""
import flask_login
from flask import current_app, session

from app.auth.services import member_for_token, token_use_is_stale, touch_token
from app.database import get_session
from app.extensions import login_manager
from models import Member, MemberStatus

SESSION_VERSION = "alveole_sv"


def start_session(member: Member) -> None:
    """Sign the member in on this browser, at their current session version."""
    flask_login.login_user(member)
    session[SESSION_VERSION] = member.session_version


def keep_session(member: Member) -> None:
    """After the member's version moved on: this browser's session (if the request came with
    one) carries on at the new version; all the others have ended."""
    if SESSION_VERSION in session:
        session[SESSION_VERSION] = member.session_version


def end_session() -> None:
    flask_login.logout_user()
    session.pop(SESSION_VERSION, None)


@login_manager.user_loader
def load_member(member_id: str):
    member = get_session().get(Member, int(member_id)) if member_id.isdigit() else None
    if member is None or member.status != MemberStatus.ACTIVE:
        return None
    if session.get(SESSION_VERSION) != member.session_version:
        return None
    return member


@login_manager.request_loader
def load_member_from_token(req):
    header = req.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    found = member_for_token(get_session(), secret.strip())
    if found is None:
        return None
    member, token_id, last_used_at = found
    if token_use_is_stale(last_used_at):
        # In a short transaction of its own, so that the request itself stays read-only until
        # a mutation begins (and its one commit stays its own); a fresh token takes no write
        # lock at all.
        with current_app.extensions["db_sessionmaker"].begin() as own:
            touch_token(own, token_id)
    return member
