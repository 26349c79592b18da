"""Invitations by email, the forgotten password and the password change: single-use expiring links
through the mail outbox, stored hashed."""
import datetime as dt
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.demo import DEMO_PASSWORD
from models import MemberToken, OutboxEmail, TokenPurpose
from tests.api.accounts_helpers import (
    ACCEPT,
    CHANGE,
    INVITE,
    LOGIN,
    PASSWORD_LINK,
    REQUEST_RESET,
    RESET,
    VIEWER,
    last_link,
    org_id_of,
    outbox,
)
from tests.conftest import GraphQLClient

NEW_PASSWORD = "a brand new passphrase"


def invite(api, **overrides):
    return api.data(INVITE, input={"email": "karim.new@example.test", "name": "Karim Nouveau", **overrides})["inviteMember"]


def anonymous(app) -> GraphQLClient:
    return GraphQLClient(app.test_client())


# --- Invitations -------------------------------------------------------------------------------


def test_admin_invites_a_person_who_sets_a_password_from_the_emailed_link_and_signs_in(app, admin_api, db):
    result = invite(admin_api, language="en")
    assert result["errors"] == []
    assert result["member"]["email"] == "karim.new@example.test"
    # The invitee cannot sign in before choosing a password.
    assert anonymous(app).data(LOGIN, input={"email": "karim.new@example.test", "password": DEMO_PASSWORD})["login"]["errors"][0]["code"] == "UNAUTHENTICATED"

    (mail,) = outbox(db, "karim.new@example.test")
    assert "invites you to" in mail.subject  # in the invitee's language
    base, path, token = last_link(db, "karim.new@example.test")
    assert base == "http://127.0.0.1:5000" and path.startswith("/invitation/")

    visitor = anonymous(app)
    link = visitor.data(PASSWORD_LINK, token=token, purpose="INVITATION")["passwordLink"]
    assert link["name"] == "Karim Nouveau" and link["email"] == "karim.new@example.test"
    assert dt.timedelta(days=6, hours=23) < dt.datetime.fromisoformat(link["expiresAt"]) - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(days=7)
    accepted = visitor.data(ACCEPT, input={"token": token, "password": NEW_PASSWORD})["acceptInvitation"]
    assert accepted["errors"] == [] and accepted["viewer"]["name"] == "Karim Nouveau"
    assert visitor.data(VIEWER)["viewer"]["name"] == "Karim Nouveau"  # signed in
    # The link worked once.
    again = anonymous(app).data(ACCEPT, input={"token": token, "password": "another long one"})["acceptInvitation"]
    assert [e["code"] for e in again["errors"]] == ["INVALID"]
    assert anonymous(app).data(PASSWORD_LINK, token=token, purpose="INVITATION")["passwordLink"] is None
    GraphQLClient(app.test_client()).login("karim.new@example.test", NEW_PASSWORD)


def test_links_use_the_configured_base_url(app, admin_api, db):
    app.config["BASE_URL"] = "https://alveole.example.org"
    invite(admin_api)
    base, _, _ = last_link(db, "karim.new@example.test")
    assert base == "https://alveole.example.org"


def test_only_the_verifier_hash_is_stored(app, admin_api, db):
    invite(admin_api)
    _, _, token = last_link(db, "karim.new@example.test")
    selector, verifier = token.split(".")
    row = db.scalar(sa.select(MemberToken).where(MemberToken.selector == selector))
    assert row.verifier_hash == hashlib.sha256(verifier.encode()).hexdigest()
    assert verifier not in row.verifier_hash
    # A link with the right selector and a wrong verifier is worth nothing.
    forged = f"{selector}.{'A' * len(verifier)}"
    assert anonymous(app).data(PASSWORD_LINK, token=forged, purpose="INVITATION")["passwordLink"] is None
    result = anonymous(app).data(ACCEPT, input={"token": forged, "password": NEW_PASSWORD})["acceptInvitation"]
    assert [e["code"] for e in result["errors"]] == ["INVALID"]


def test_an_expired_invitation_is_refused(app, admin_api, db):
    invite(admin_api)
    _, _, token = last_link(db, "karim.new@example.test")
    db.execute(sa.update(MemberToken).values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    db.commit()
    result = anonymous(app).data(ACCEPT, input={"token": token, "password": NEW_PASSWORD})["acceptInvitation"]
    assert result["errors"][0]["code"] == "INVALID" and result["viewer"] is None


def test_a_manager_invites_into_their_own_organisation_only(app, member_api, make_member, db):
    own = org_id_of(member_api)
    result = invite(member_api, organizationId=own)
    assert result["errors"] == [] and result["member"]["organization"]["id"] == own
    other_manager = GraphQLClient(app.test_client()).login(make_member(organization="Autre Atelier"))
    other = org_id_of(other_manager)
    refused = invite(member_api, email="x@example.test", organizationId=other)
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    # Nor without an organisation, nor into another role.
    assert invite(member_api, email="y@example.test")["errors"][0]["code"] == "FORBIDDEN"
    assert invite(member_api, email="z@example.test", organizationId=own, role="TREASURER")["errors"][0]["code"] == "FORBIDDEN"
    assert [m.to_address for m in outbox(db, "x@example.test") + outbox(db, "y@example.test") + outbox(db, "z@example.test")] == []


def test_a_plain_member_and_a_visitor_cannot_invite(app, make_member):
    manager = GraphQLClient(app.test_client()).login(make_member(organization="Atelier Test"))
    org = org_id_of(manager)
    worker = GraphQLClient(app.test_client()).login(make_member(organization="Atelier Test"))
    assert invite(worker, organizationId=org)["errors"][0]["code"] == "FORBIDDEN"
    assert invite(anonymous(app), organizationId=org)["errors"][0]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "overrides, field",
    [({"email": "not an email"}, "email"), ({"name": "  "}, "name"), ({"organizationId": "T3JnYW5pemF0aW9uOjk5OTk5"}, "organizationId")],
)
def test_bad_invitations_write_nothing(admin_api, db, overrides, field):
    result = invite(admin_api, **overrides)
    assert result["member"] is None and field in result["errors"][0]["field"]
    db.rollback()
    assert db.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0
    assert db.scalar(sa.select(sa.func.count(MemberToken.id))) == 0


def test_inviting_an_existing_email_is_a_conflict(admin_api, make_member):
    email = make_member()
    assert invite(admin_api, email=email.upper())["errors"][0]["code"] == "CONFLICT"


# --- The forgotten password --------------------------------------------------------------------


def test_reset_gives_the_same_answer_for_a_member_and_for_nobody(app, make_member, db):
    email = make_member()
    known = anonymous(app).gql(REQUEST_RESET, input={"email": email})
    unknown = anonymous(app).gql(REQUEST_RESET, input={"email": "nobody@example.test"})
    assert known == unknown == {"data": {"requestPasswordReset": {"errors": []}}}
    assert len(outbox(db, email)) == 1 and outbox(db, "nobody@example.test") == []


def test_a_forgotten_password_is_reset_once_within_the_hour(app, make_member, db):
    email = make_member(language="fr")
    old_session = GraphQLClient(app.test_client()).login(email)
    anonymous(app).data(REQUEST_RESET, input={"email": email})
    (mail,) = outbox(db, email)
    assert "nouveau mot de passe" in mail.subject and "60 minutes" in mail.body
    _, path, token = last_link(db, email)
    assert path.startswith("/password/reset/")
    row = db.scalar(sa.select(MemberToken).where(MemberToken.purpose == TokenPurpose.PASSWORD_RESET))
    assert dt.timedelta(minutes=59) < row.expires_at - row.created_at <= dt.timedelta(hours=1)
    # An invitation's page does not take a reset link, nor the other way round.
    assert anonymous(app).data(ACCEPT, input={"token": token, "password": NEW_PASSWORD})["acceptInvitation"]["errors"][0]["code"] == "INVALID"

    visitor = anonymous(app)
    result = visitor.data(RESET, input={"token": token, "password": NEW_PASSWORD})["resetPassword"]
    assert result["errors"] == [] and visitor.data(VIEWER)["viewer"] is not None
    assert old_session.data(VIEWER) == {"viewer": None}  # the reset ended the other sessions
    assert anonymous(app).data(RESET, input={"token": token, "password": "yet another one!"})["resetPassword"]["errors"][0]["code"] == "INVALID"
    failed = anonymous(app).data(LOGIN, input={"email": email, "password": DEMO_PASSWORD})["login"]["errors"]
    assert failed[0]["code"] == "UNAUTHENTICATED"
    GraphQLClient(app.test_client()).login(email, NEW_PASSWORD)


def test_a_reset_link_an_hour_old_is_refused(app, make_member, db):
    email = make_member()
    anonymous(app).data(REQUEST_RESET, input={"email": email})
    _, _, token = last_link(db, email)
    db.execute(sa.update(MemberToken).values(expires_at=dt.datetime.now(dt.timezone.utc)))
    db.commit()
    assert anonymous(app).data(RESET, input={"token": token, "password": NEW_PASSWORD})["resetPassword"]["errors"][0]["code"] == "INVALID"


def test_asking_again_at_once_sends_no_second_email_and_a_suspended_member_gets_none(app, make_member, admin_api, db):
    email = make_member()
    for _ in range(3):
        anonymous(app).data(REQUEST_RESET, input={"email": email})
    assert len(outbox(db, email)) == 1
    suspended = make_member()
    member_id = GraphQLClient(app.test_client()).login(suspended).data(VIEWER)["viewer"]["id"]
    admin_api.data('mutation($input: SetMemberStatusInput!) { setMemberStatus(input: $input) { errors { code } } }',
                   input={"memberId": member_id, "status": "SUSPENDED"})
    assert anonymous(app).data(REQUEST_RESET, input={"email": suspended})["requestPasswordReset"]["errors"] == []
    assert outbox(db, suspended) == []


def test_a_new_password_must_be_long_enough(app, make_member, db):
    email = make_member()
    anonymous(app).data(REQUEST_RESET, input={"email": email})
    _, _, token = last_link(db, email)
    result = anonymous(app).data(RESET, input={"token": token, "password": "short"})["resetPassword"]
    assert result["errors"][0]["field"] == ["password"]
    # The refused attempt did not use the link up.
    assert anonymous(app).data(RESET, input={"token": token, "password": NEW_PASSWORD})["resetPassword"]["errors"] == []


@pytest.mark.slow
def test_a_link_used_by_many_at_once_works_exactly_once(app, make_member, db):
    email = make_member()
    anonymous(app).data(REQUEST_RESET, input={"email": email})
    _, _, token = last_link(db, email)
    racers = 12
    barrier = threading.Barrier(racers)

    def use(i):
        client = anonymous(app)
        barrier.wait()
        return client.data(RESET, input={"token": token, "password": f"racer number {i:02d}"})["resetPassword"]

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(use, range(racers)))
    winners = [r for r in results if not r["errors"]]
    assert len(winners) == 1
    assert {e["code"] for r in results if r["errors"] for e in r["errors"]} == {"INVALID"}


# --- Changing one's password -------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(app, make_member):
    email = make_member(language="en")
    here = GraphQLClient(app.test_client()).login(email)
    elsewhere = GraphQLClient(app.test_client()).login(email)
    wrong = here.data(CHANGE, input={"currentPassword": "not it at all", "newPassword": NEW_PASSWORD})["changePassword"]
    assert wrong["errors"] == [{"code": "INVALID", "field": ["currentPassword"], "message": "Your current password is not right."}]
    assert elsewhere.data(VIEWER)["viewer"] is not None
    done = here.data(CHANGE, input={"currentPassword": DEMO_PASSWORD, "newPassword": NEW_PASSWORD})["changePassword"]
    assert done["errors"] == []
    assert here.data(VIEWER)["viewer"] is not None  # this session goes on
    assert elsewhere.data(VIEWER) == {"viewer": None}
    GraphQLClient(app.test_client()).login(email, NEW_PASSWORD)


def test_changing_the_password_answers_in_french_and_needs_a_session(app, make_member):
    email = make_member(language="fr")
    client = GraphQLClient(app.test_client()).login(email)
    short = client.data(CHANGE, input={"currentPassword": DEMO_PASSWORD, "newPassword": "court"})["changePassword"]
    assert short["errors"][0]["message"] == "Le mot de passe doit comporter au moins 10 caractères."
    assert anonymous(app).data(CHANGE, input={"currentPassword": "x", "newPassword": NEW_PASSWORD})["changePassword"]["errors"][0]["code"] == "UNAUTHENTICATED"
    GraphQLClient(app.test_client()).login(email, DEMO_PASSWORD)  # unchanged
