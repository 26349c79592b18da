"""One commit per request, pages included: every form of the app, sent once validly, commits
the database at most once (a page that ran two mutations could keep the first when the second
fails). The forms are found by walking the app's routes, so a new form without a case here
fails this test."""
import datetime as dt

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.api.relay import decode_id, to_global_id
from app.database import get_session
from app.federation import keys
from models import ClearingRun, Member, OutboxEmail, Posting, Role, Transfer
from tests.api.accounts_helpers import INVITE, LINK, REQUEST_RESET
from tests.api.catalog_helpers import base_time, booked, create_resource, iso
from tests.conftest import GraphQLClient, csrf_token
from tests.payments.payment_helpers import START, go_below_zero, pay_in_browser

# POST routes that are not page forms: the API counts its own commits (app.api.execution);
# Stripe's webhook commits once per event (tests/payments); peer hubs' signed requests commit
# once each (tests/federation). A payment to a member of a peer hub commits each step of its
# two-phase protocol, so that each decision is durable before it is sent (app.federation.transfers).
NOT_FORMS = {
    "api.graphql", "payments.stripe_webhook", "federation_api.prepare", "federation_api.commit", "federation_api.abort",
    "federation.pay",
    # Invoices between hubs and joint runs: the peer's signed requests commit once each; the
    # pages' forms commit, then tell the peer and record that it heard (app.federation.invoices,
    # joint_runs), each step durable before the next message.
    "federation_invoices_api.receive_invoice", "federation_invoices_api.invoice_answered",
    "federation_invoices_api.joint_run_proposed", "federation_invoices_api.joint_run_answered",
    "federation_invoices_api.joint_run_prepare", "federation_invoices_api.joint_run_commit",
    "federation_invoices_api.joint_run_abort", "federation_exchange.invoices", "federation_exchange.joint_runs",
}
# Forms sent by visitors (their CSRF token comes from the sign-in page).
ANONYMOUS_FORMS = {"auth.login", "accounts.accept_invitation", "accounts.forgot_password", "accounts.reset_password"}

ACCOUNT_ID = "{ viewer { id account { id } organization { id } } }"
TRANSFER = """mutation($input: TransferInput!) { transfer(input: $input) { transfer { id } errors { code message } } }"""
ISSUE = """mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } errors { code message } } }"""
ACCEPT = """mutation($input: InvoiceActionInput!) { acceptInvoice(input: $input) { errors { code message } } }"""
REQUEST_SKILL = """mutation($input: RequestSkillInput!) { requestSkill(input: $input) { job { id } errors { code } } }"""
JOIN = """mutation($input: JoinWaitlistInput!) { joinWaitlist(input: $input) { entry { id } errors { code message } } }"""


class World:
    """Members signed in with session cookies (a bearer token's last-used time is a short
    transaction of its own), and the objects the forms act on."""

    def __init__(self, app, make_member):
        self.app = app
        people = {
            "admin": dict(role=Role.ADMIN, organization="Admin org"),
            "treasurer": dict(role=Role.TREASURER, organization="Trésorerie"),
            "owner": dict(organization="Scierie du Giffre"),
            "booker": dict(organization="Charpentes Mont-Blanc"),
            "waiter": dict(organization="Ossature Bois Arve"),
            "worker": dict(organization="Scierie du Giffre"),  # a member of the owner's organisation
            "plain": dict(),
            "other": dict(),
            "forgetful": dict(),
        }
        self.emails = {key: make_member(credit_limit=100_000, **kwargs) for key, kwargs in people.items()}
        self.api = {key: GraphQLClient(app.test_client()).login(email) for key, email in self.emails.items()}
        self.ids = {key: client.data(ACCOUNT_ID)["viewer"] for key, client in self.api.items()}

        self.resource = create_resource(self.api["owner"], title="Scie mobile")
        start = base_time(days=20)
        self.start = start
        self.taken = booked(self.api["booker"], self.resource["id"], start, start + dt.timedelta(hours=2))
        self.to_cancel = booked(self.api["booker"], self.resource["id"], start + dt.timedelta(days=1),
                                start + dt.timedelta(days=1, hours=2))
        wish = {"resourceId": self.resource["id"], "start": iso(start), "end": iso(start + dt.timedelta(hours=2))}
        joined = self.api["waiter"].data(JOIN, input=wish)["joinWaitlist"]
        assert joined["errors"] == [], joined
        self.waitlist_entry = joined["entry"]["id"]

        paid = self.api["booker"].data(TRANSFER, input={
            "toAccountId": self.account("owner"), "amount": "12.00", "memo": "Sciage", "idempotencyKey": "commit-test-1",
        })["transfer"]
        assert paid["errors"] == [], paid
        self.transfer_id = paid["transfer"]["id"]
        # A skill offer and a job quoted on it, for the skills forms.
        self.skill = create_resource(self.api["owner"], kind="SKILL", title="Charpente", price="50.00", priceUnit="HOUR")
        job = self.api["booker"].data(REQUEST_SKILL, input={"resourceId": self.skill["id"], "description": "Abri"})
        self.job = job["requestSkill"]["job"]["id"]

        self._backdate_to_last_month(self.transfer_id)  # a finished month to close
        # A cycle of accepted invoices, for the clearing forms.
        self.invoice("owner", "booker", "40.00")
        self.invoice("booker", "owner", "30.00")

        invited = self.api["admin"].data(INVITE, input={"email": "invited@example.test", "name": "Invitée"})["inviteMember"]
        assert invited["errors"] == [], invited
        self.api["forgetful"].data(REQUEST_RESET, input={"email": self.emails["forgetful"]})

    def link_token(self, email: str) -> str:
        with self.app.app_context():
            body = get_session().scalars(
                sa.select(OutboxEmail.body).where(OutboxEmail.to_address == email).order_by(OutboxEmail.id.desc())
            ).first()
        return LINK.search(body).group(3)

    def _backdate_to_last_month(self, transfer_id: str) -> None:
        when = dt.datetime.combine(dt.date.today().replace(day=1) - dt.timedelta(days=3), dt.time(12), dt.timezone.utc)
        pk = decode_id(transfer_id, "Transfer")
        with self.app.app_context():
            session = get_session()
            session.execute(sa.update(Transfer).where(Transfer.id == pk).values(created_at=when))
            session.execute(sa.update(Posting).where(Posting.transfer_id == pk).values(created_at=when))
            session.commit()

    def account(self, who: str) -> str:
        return self.ids[who]["account"]["id"]

    def invoice(self, creditor: str, debtor: str, amount: str) -> None:
        issued = self.api[creditor].data(ISSUE, input={"debtorAccountId": self.account(debtor), "amount": amount})["issueInvoice"]
        assert issued["errors"] == [], issued
        self.last_invoice = issued["invoice"]["id"]
        accepted = self.api[debtor].data(ACCEPT, input={"invoiceId": issued["invoice"]["id"]})["acceptInvoice"]
        assert accepted["errors"] == [], accepted

    def client(self, who: str):
        return self.api[who].client

    def fresh_client(self):
        return self.app.test_client()

    def latest_run(self) -> str:
        with self.app.app_context():
            pk = get_session().scalar(sa.select(sa.func.max(ClearingRun.id)))
        return to_global_id("ClearingRun", pk)

    def below_zero(self, who: str):
        go_below_zero(self.api[who], self.api["owner"], "20.00")
        return self.client(who)

    def paid_at_stripe(self) -> str:
        """A settlement started by the booker and paid with Stripe, not yet recorded by the hub."""
        go_below_zero(self.api["booker"], self.api["owner"], "50.00")
        started = self.api["booker"].data(START, input={"amount": "2.00"})["startSettlement"]
        assert started["errors"] == [], started
        pay_in_browser(self.app.config["STRIPE_API_BASE"], started["payment"]["stripeId"])
        return started["payment"]["id"]

    def deposit_booking(self) -> str:
        tool = create_resource(self.api["owner"], title="Scie à chantourner", deposit="150.00")
        start = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0) + dt.timedelta(hours=3)
        return booked(self.api["booker"], tool["id"], start, start + dt.timedelta(days=1))["id"]

    def organization(self, who: str) -> str:
        return self.ids[who]["organization"]["id"]

    def member_id(self, who: str) -> str:
        with self.app.app_context():
            pk = get_session().scalar(sa.select(Member.id).where(Member.email == self.emails[who]))
        return to_global_id("Member", pk)


def _last_month() -> str:
    first = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


# endpoint -> cases: (label, function(world) -> (client, url, form data)). Run in this order.
CASES = {
    "auth.login": [("sign in", lambda w: (w.fresh_client(), "/login", {"email": w.emails["plain"], "password": "alveole-demo"}))],
    "auth.profile": [
        ("update profile", lambda w: (w.client("plain"), "/profile", {"action": "update", "name": "Nouveau nom", "language": "fr"})),
        ("create token", lambda w: (w.client("plain"), "/profile", {"action": "create-token", "token_name": "export"})),
        ("change password", lambda w: (w.client("plain"), "/profile", {
            "action": "change-password", "currentPassword": "alveole-demo", "newPassword": "0123456789abc",
            "new_password_confirm": "0123456789abc",
        })),
    ],
    "auth.admin_members": [
        ("create member", lambda w: (w.client("admin"), "/admin/members", {
            "action": "create-member", "email": "new@example.test", "name": "Nouvelle", "password": "0123456789abc",
            "role": "MEMBER", "language": "fr", "organization_name": "Nouvelle structure", "credit_limit": "100",
        })),
        ("role and status at once", lambda w: (w.client("admin"), "/admin/members", {
            "action": "update-member", "member_id": w.member_id("other"), "role": "TREASURER", "old_role": "MEMBER",
            "status": "SUSPENDED", "old_status": "ACTIVE",
        })),
    ],
    "organizations.page": [
        ("rights", lambda w: (w.client("owner"), f"/organizations/{w.organization('owner')}", {
            "action": "rights", "member_id": w.member_id("worker"), "can_book": "on", "can_pay": "on", "monthly_cap": "200",
        })),
        ("profile", lambda w: (w.client("owner"), f"/organizations/{w.organization('owner')}", {
            "action": "profile", "name": "Scierie du Giffre", "kind": "FIRM", "siret": "", "town": "Taninges",
            "address": "12 route du Giffre",
        })),
    ],
    "organizations.admin_list": [("create organisation", lambda w: (w.client("admin"), "/admin/organizations", {
        "action": "create", "name": "Association X", "kind": "ASSOCIATION", "town": "Cluses", "manager_choice": "new",
        "manager_name": "Inès Dupont", "manager_email": "ines@example.test", "manager_password": "copeaux-et-sciure",
    }))],
    "core.switch_language": [("language", lambda w: (w.client("plain"), "/lang/en", {"next": "/"}))],
    "ledger.pay": [("pay", lambda w: (w.client("booker"), "/pay", {
        "step": "confirm", "to": w.account("owner"), "amount": "3,50", "memo": "Merci", "idempotency_key": "commit-test-2",
    }))],
    "ledger.reverse": [("reverse", lambda w: (w.client("treasurer"), f"/transfers/{w.transfer_id}/reverse", {"memo": "Erreur"}))],
    "ledger.accounts": [("credit limit", lambda w: (w.client("treasurer"), "/treasury/accounts", {
        "action": "limit", "account_id": w.account("booker"), "credit_limit": "1500", "reason": "Bon payeur",
    }))],
    "catalog.new_resource": [("new resource", lambda w: (w.client("owner"), "/catalogue/new", {
        "kind": "TOOL", "title": "Humidimètre", "price": "5", "price_unit": "DAY", "capacity": "1",
    }))],
    "catalog.resource_page": [("book", lambda w: (w.client("booker"), f"/catalogue/{w.resource['id']}", {
        "action": "book", "start": (w.start + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "end": (w.start + dt.timedelta(days=2, hours=3)).strftime("%Y-%m-%dT%H:%M"), "quantity": "1",
    }))],
    "catalog.edit_resource": [("edit resource", lambda w: (w.client("owner"), f"/catalogue/{w.resource['id']}/edit", {
        "action": "update", "title": "Scie mobile Wood-Mizer", "price": "25",
    }))],
    "catalog.booking_action": [("cancel", lambda w: (w.client("booker"), f"/bookings/{w.to_cancel['id']}/cancel", {"reason": "Plus besoin"}))],
    "catalog.leave_waitlist": [("leave", lambda w: (w.client("waiter"), f"/waitlist/{w.waitlist_entry}/leave", {}))],
    "notices.mark_read": [("read all", lambda w: (w.client("waiter"), "/notices/read", {}))],
    "notices.preferences": [("choose", lambda w: (w.client("waiter"), "/notices/preferences", {"channel_PAYMENTS": "IN_APP"}))],
    "catalog.create_feed": [("feed", lambda w: (w.client("booker"), "/calendar-feed", {}))],
    "invoices.invoices": [("issue", lambda w: (w.client("owner"), "/invoices", {
        "action": "issue", "debtor_account_id": w.account("booker"), "amount": "9,90", "memo": "Affûtage", "due_date": "",
    }))],
    "skills.offer": [("request a skill", lambda w: (w.client("waiter"), f"/skills/offers/{w.skill['id']}", {
        "action": "request", "description": "Plans d'un abri", "estimated_hours": "4",
    }))],
    "skills.job": [("quote a job", lambda w: (w.client("owner"), f"/skills/jobs/{w.job}", {
        "action": "quote", "hours": "4", "price": "200",
    }))],
    "invoices.invoice": [("correct", lambda w: (w.client("treasurer"), f"/invoices/{w.last_invoice}", {
        "action": "correct", "amount": "35,00", "due_date": "", "memo": "Affûtage", "reason": "Tarif adhérent",
    }))],
    "treasury.clearing_runs": [("propose", lambda w: (w.client("treasurer"), "/treasury/clearing", {"method": "SET_OFF"}))],
    "federation.peers": [("register a peer", lambda w: (w.client("admin"), "/federation/peers", {
        "action": "register", "hubId": "chablais", "name": "Alvéole Chablais", "baseUrl": "https://chablais.example.org",
        "publicKey": keys.encode_public(Ed25519PrivateKey.generate().public_key()), "rate": "1", "limitGranted": "500"}))],
    "treasury.clearing_run": [("post", lambda w: (w.client("treasurer"), f"/treasury/clearing/{w.latest_run()}", {"action": "post"}))],
    "treasury.statements": [("close month", lambda w: (w.client("treasurer"), "/treasury/statements", {"month": _last_month()}))],
    "accounts.invite": [("invite", lambda w: (w.client("admin"), "/members/invite", {
        "email": "second.invitee@example.test", "name": "Second", "role": "MEMBER", "language": "fr", "organization_id": "",
    }))],
    "accounts.accept_invitation": [("accept invitation", lambda w: (
        w.fresh_client(), f"/invitation/{w.link_token('invited@example.test')}",
        {"password": "0123456789abc", "password_confirm": "0123456789abc"},
    ))],
    "accounts.forgot_password": [("forgot password", lambda w: (w.fresh_client(), "/password/forgot", {"email": w.emails["owner"]}))],
    "accounts.reset_password": [("reset password", lambda w: (
        w.fresh_client(), f"/password/reset/{w.link_token(w.emails['forgetful'])}",
        {"password": "0123456789abc", "password_confirm": "0123456789abc"},
    ))],
    "payments.payments": [("record bank transfer", lambda w: (w.client("treasurer"), "/treasury/payments", {
        "account_id": w.account("booker"), "amount": "5,00", "direction": "IN", "reference": "VIR-1",
    }))],
    "payments.settle": [("settle by card", lambda w: (w.below_zero("booker"), "/account/settle", {"amount": "0,50"}))],
    "payments.confirm": [("card page returns", lambda w: (w.client("booker"), f"/payments/{w.paid_at_stripe()}/confirm", {}))],
    "payments.deposit": [("secure a deposit", lambda w: (w.client("booker"), f"/bookings/{w.deposit_booking()}/deposit", {
        "action": "authorize",
    }))],
    "payments.fees": [("set a fee", lambda w: (w.client("admin"), "/membership", {
        "action": "set", "organization_id": w.organization("booker"), "amount": "90",
    }))],
    "privacy.anonymize": [("anonymise a member", lambda w: (w.client("admin"), f"/admin/members/{w.member_id('other')}/anonymize", {}))],
    "auth.logout": [("sign out", lambda w: (w.client("plain"), "/logout", {}))],
}


def test_every_form_has_a_case(app):
    forms = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods} - NOT_FORMS
    assert forms - CASES.keys() == set(), "add a representative valid POST of these forms to CASES"
    assert CASES.keys() - forms == set(), "these forms are gone: remove their cases"


def test_each_form_commits_at_most_once(app, make_member, cards):
    world = World(app, make_member)
    engine = app.extensions["db_engine"]
    commits = []
    counts, refused = {}, {}
    listener = lambda connection: commits.append(1)  # noqa: E731
    for endpoint, cases in CASES.items():
        for label, case in cases:
            client, url, data = case(world)
            token = csrf_token(client, "/login" if endpoint in ANONYMOUS_FORMS else "/profile")
            commits.clear()
            sa.event.listen(engine, "commit", listener)
            try:
                response = client.post(url, data={**data, "csrf_token": token})
            finally:
                sa.event.remove(engine, "commit", listener)
            counts[f"{endpoint} ({label})"] = len(commits)
            with client.session_transaction() as session:
                errors = [message for category, message in session.pop("_flashes", []) if category == "error"]
            if response.status_code >= 400 or errors:
                refused[f"{endpoint} ({label})"] = (response.status_code, errors)
    assert refused == {}, "each case must be a valid form (else it proves nothing)"
    assert {name: n for name, n in counts.items() if n > 1} == {}, counts
    # And each did write (else the case proves nothing), but the language switch, which writes
    # nothing (it changes the session only).
    assert {name: n for name, n in counts.items() if n != 1 and not name.startswith("core.switch_language")} == {}


def test_a_role_the_schema_cannot_read_shows_the_form_again(app, make_member):
    client = GraphQLClient(app.test_client()).login(make_member(role=Role.ADMIN)).client
    other = make_member(name="Karim")
    with app.app_context():
        member_id = to_global_id("Member", get_session().scalar(sa.select(Member.id).where(Member.email == other)))
    response = client.post("/admin/members", data={
        "action": "update-member", "member_id": member_id, "role": "BOGUS", "old_role": "MEMBER",
        "status": "ACTIVE", "old_status": "ACTIVE", "csrf_token": csrf_token(client, "/admin/members"),
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Cette valeur n’est pas acceptée." in page
    assert 'value="update-member"' in page
    with app.app_context():
        assert get_session().scalar(sa.select(Member.role).where(Member.email == other)) == Role.MEMBER
