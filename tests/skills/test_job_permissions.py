"""Every job mutation, from every state, by every role: allowed only to the right side
(FORBIDDEN otherwise, the treasurer included outside disputes) and only from the right state
(INVALID_STATE). A refusal changes nothing; an allowed step is tried on a fresh job."""
import pytest

from models import Hold, Invoice, Transfer
from tests.conftest import GraphQLClient
from tests.skills.skills_helpers import act, codes, count, ledger_ok, make_market, ok

STATES = ["REQUESTED", "QUOTED", "ACCEPTED", "DELIVERED", "COMPLETED", "DECLINED", "CANCELLED", "DISPUTED", "SETTLED"]
ROLES = ["client", "provider", "treasurer", "outsider"]
OPEN = {"REQUESTED", "QUOTED"}
CLOSED = {"COMPLETED", "SETTLED"}

# mutation -> (input, {role: states in which that role may do it})
RULES = {
    "quoteJob": ({"hours": "2", "price": "100.00"}, {"provider": OPEN}),
    "declineJob": ({"reason": "Pas disponible"}, {"client": OPEN, "provider": OPEN}),
    "acceptQuote": ({}, {"client": {"QUOTED"}}),
    "cancelJob": ({"reason": "Reporté"}, {"client": {"REQUESTED", "QUOTED", "ACCEPTED"}}),
    "deliverJob": ({"hoursWorked": "2"}, {"provider": {"ACCEPTED"}}),
    "confirmJob": ({}, {"client": {"DELIVERED"}}),
    "disputeJob": ({"reason": "Inachevé"}, {"client": {"DELIVERED"}}),
    "settleDispute": ({"amount": "50.00", "decision": "Moitié"}, {"treasurer": {"DISPUTED"}}),
    "sendJobMessage": ({"body": "Bonjour"}, {"client": set(STATES), "provider": set(STATES), "treasurer": {"DISPUTED"}}),
    "rateJob": ({"stars": 4}, {"client": CLOSED, "provider": CLOSED}),
}
# Who may call the mutation at all (in some state): the others are the wrong side.
SIDES = {name: set(allowed) for name, (_, allowed) in RULES.items()}
SIDES["sendJobMessage"] = {"client", "provider"}  # the treasurer only on disputes: FORBIDDEN elsewhere


def build(market, state: str) -> str:
    """A fresh job in `state`; its id."""
    job = ok(market.client, "requestSkill", resourceId=market.offer_id, description="Charpente")
    jid = job["id"]
    if state == "REQUESTED":
        return jid
    if state == "DECLINED":
        ok(market.provider, "declineJob", jobId=jid, reason="Complet")
        return jid
    if state == "CANCELLED":
        ok(market.client, "cancelJob", jobId=jid)
        return jid
    ok(market.provider, "quoteJob", jobId=jid, hours="2", price="100.00")
    steps = [("ACCEPTED", market.client, "acceptQuote", {}), ("DELIVERED", market.provider, "deliverJob", {"hoursWorked": "2"})]
    if state != "QUOTED":
        for reached, who, name, extra in steps:
            ok(who, name, jobId=jid, **extra)
            if reached == state:
                return jid
        if state == "COMPLETED":
            ok(market.client, "confirmJob", jobId=jid)
        else:
            ok(market.client, "disputeJob", jobId=jid, reason="Inachevé")
            if state == "SETTLED":
                ok(market.treasurer, "settleDispute", jobId=jid, amount="50.00", decision="Moitié")
    return jid


def expected(name: str, role: str, state: str):
    """None when allowed, else the error code."""
    _, allowed = RULES[name]
    if state in allowed.get(role, set()):
        return None
    if role not in SIDES[name] and not (name == "settleDispute" and role == "treasurer"):
        return "FORBIDDEN"
    return "INVALID_STATE" if role in SIDES[name] or name == "settleDispute" else "FORBIDDEN"


STATE_CHANGING = set(RULES) - {"sendJobMessage"}


@pytest.mark.slow
@pytest.mark.parametrize("state", STATES)
def test_each_mutation_by_each_role_from_each_state(app, make_member, state):
    market = make_market(app, make_member, price="50.00", credit_limit=10_000_000)
    clients = {role: getattr(market, role) for role in ROLES}
    jid = build(market, state)
    view = "query($id: ID!) { job(id: $id) { status } }"
    for name, (input, _) in RULES.items():
        for role in ROLES:
            outcome = expected(name, role, state)
            if outcome is None:
                target = build(market, state) if name in STATE_CHANGING else jid
                payload = act(clients[role], name, jobId=target, **input)
                assert payload["errors"] == [], (name, role, state, payload)
            else:
                holds, transfers, invoices = count(app, Hold), count(app, Transfer), count(app, Invoice)
                payload = act(clients[role], name, jobId=jid, **input)
                assert codes(payload) == [outcome], (name, role, state, payload)
                assert payload["job"] is None
                assert (count(app, Hold), count(app, Transfer), count(app, Invoice)) == (holds, transfers, invoices)
        assert market.client.data(view, id=jid)["job"]["status"] == state
    ledger_ok(app)


def test_every_job_mutation_needs_a_signed_in_member(app, make_member, client):
    market = make_market(app, make_member)
    jid = build(market, "REQUESTED")
    anonymous = GraphQLClient(client)
    for name, (input, _) in RULES.items():
        assert codes(act(anonymous, name, jobId=jid, **input)) == ["UNAUTHENTICATED"], name
    payload = act(anonymous, "requestSkill", resourceId=market.offer_id, description="x")
    assert codes(payload) == ["UNAUTHENTICATED"]


def test_a_provider_cannot_request_its_own_offer_and_unknown_jobs_are_not_found(app, make_member):
    market = make_market(app, make_member)
    payload = act(market.provider, "requestSkill", resourceId=market.offer_id, description="Moi-même")
    assert codes(payload) == ["FORBIDDEN"]
    assert codes(act(market.client, "confirmJob", jobId="Sm9iOjk5OTk")) == ["NOT_FOUND"]  # Job:9999
    assert act(market.client, "confirmJob", jobId="not-an-id")["errors"][0]["field"] == ["jobId"]
