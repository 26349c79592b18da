"""The federation through GraphQL: the admin registers and changes peers, a member pays an
organisation of the peer hub found in its directory, the treasurer reconciles."""
import datetime as dt

import pytest
import sqlalchemy as sa

from app.federation import keys, reconcile
from models import AuditEntry, Member
from tests.conftest import GraphQLClient

PEER_FIELDS = "peer { hubId name rate status limitGranted { amount } mirrorBalance { amount } } errors { code field message }"


def signed_in(hub, member_id) -> GraphQLClient:
    with hub.sessions() as session:
        email = session.get(Member, member_id).email
    return GraphQLClient(hub.app.test_client()).login(email)


def _key(hub) -> str:
    with hub.app.app_context():
        return keys.public_key_text()


def test_the_admin_registers_and_changes_a_peer(hubs):
    arve, chablais = hubs
    admin = signed_in(arve, arve.admin_id)
    register = "mutation($input: RegisterPeerInput!) { registerPeer(input: $input) { %s } }" % PEER_FIELDS
    good = {"hubId": "leman", "name": "Alvéole Léman", "baseUrl": "https://leman.example.org/", "publicKey": _key(chablais),
            "rate": "0.5", "limitGranted": "2500"}
    peer = admin.data(register, input=good)["registerPeer"]["peer"]
    assert peer == {"hubId": "leman", "name": "Alvéole Léman", "rate": "0.5", "status": "ACTIVE",
                    "limitGranted": {"amount": "2500.00"}, "mirrorBalance": {"amount": "0.00"}}
    for bad, field in [({"publicKey": "abc"}, "publicKey"), ({"hubId": "arve"}, "hubId"), ({"hubId": "Bad Id"}, "hubId"),
                       ({"rate": "-1"}, "rate"), ({"baseUrl": "ftp://x"}, "baseUrl"), ({"limitGranted": "-3"}, "limitGranted"),
                       ({"hubId": "leman"}, "hubId")]:
        errors = admin.data(register, input={**good, **bad})["registerPeer"]["errors"]
        assert errors and errors[0]["field"] == [field], (bad, errors)
    update = "mutation($input: UpdatePeerInput!) { updatePeer(input: $input) { %s } }" % PEER_FIELDS
    peers = admin.data("{ peers { id hubId } }")["peers"]
    leman = next(p["id"] for p in peers if p["hubId"] == "leman")
    changed = admin.data(update, input={"peerId": leman, "limitGranted": "10", "status": "SUSPENDED"})["updatePeer"]
    assert changed["peer"]["limitGranted"] == {"amount": "10.00"} and changed["peer"]["status"] == "SUSPENDED"
    member_id, _ = arve.member("Scierie")
    member = signed_in(arve, member_id)
    refused = member.data(register, input={**good, "hubId": "other"})["registerPeer"]["errors"]
    assert refused[0]["code"] == "FORBIDDEN"
    assert member.gql("{ peers { id } }")["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    with arve.sessions() as session:  # one entry per change, none for the refused ones (after the fixture's peering)
        entries = session.execute(sa.select(AuditEntry.action, AuditEntry.before, AuditEntry.after).order_by(AuditEntry.id)).all()
    entries = entries[next(i for i, e in enumerate(entries) if (e.after or {}).get("hub_id") == "leman"):]
    assert [e.action for e in entries] == ["federation.peer_registered", "ledger.credit_limit_set", "federation.peer_updated"]
    assert entries[0].after == {"hub_id": "leman", "base_url": "https://leman.example.org", "rate": "0.5",
                                "limit_granted": 250_000}
    assert (entries[1].before["credit_limit"], entries[1].after["credit_limit"]) == (250_000, 1_000)
    assert (entries[2].before, entries[2].after) == ({"status": "ACTIVE"}, {"status": "SUSPENDED"})


PAY = """mutation($input: PayMemberOfPeerInput!) { payMemberOfPeer(input: $input) {
  interHubTransfer { state amount { amount } remoteLabel peerName } errors { code field message } } }"""


def test_a_member_pays_an_organisation_of_the_peer_from_its_directory(hubs):
    arve, chablais = hubs
    payer, payer_account = arve.member("Scierie du Giffre", credit_limit=500_000)
    _, payee_account = chablais.member("Charpentes du Chablais")
    member = signed_in(arve, payer)
    assert member.data("{ interHubTransfers { id } }")["interHubTransfers"] == []
    peer_id = signed_in(arve, arve.admin_id).data("{ peers { id } }")["peers"][0]["id"]
    found = member.data("query($p: ID!) { peerDirectory(peerId: $p, search: \"charpentes\") { name accountRef } }", p=peer_id)
    assert found["peerDirectory"] == [{"name": "Charpentes du Chablais", "accountRef": str(payee_account)}]
    paid = member.data(PAY, input={"peerId": peer_id, "toAccountRef": str(payee_account), "amount": "125,50", "memo": "tuiles"})
    assert paid["payMemberOfPeer"] == {"errors": [], "interHubTransfer": {
        "state": "COMMITTED", "amount": {"amount": "125.50"}, "remoteLabel": "Charpentes du Chablais",
        "peerName": "Alvéole Chablais"}}
    assert arve.balance(payer_account) == -12_550 and chablais.balance(payee_account) == 12_550
    too_much = member.data(PAY, input={"peerId": peer_id, "toAccountRef": str(payee_account), "amount": "2000"})
    error = too_much["payMemberOfPeer"]["errors"][0]
    assert error["code"] == "PAYMENT_FAILED" and "Rien n’a été payé" in error["message"]
    unknown = member.data(PAY, input={"peerId": peer_id, "toAccountRef": "999999", "amount": "1"})
    assert unknown["payMemberOfPeer"]["errors"][0]["code"] == "NOT_FOUND"
    mine = member.data("{ interHubTransfers { state direction } }")["interHubTransfers"]
    assert mine == [{"state": "ABORTED", "direction": "OUT"}, {"state": "COMMITTED", "direction": "OUT"}]
    treasurer = signed_in(arve, arve.admin_id)
    reports = treasurer.data("mutation { reconcilePeers { reports { hubId agree left ourBalance { amount } "
                             "theirBalanceInOurUnits { amount } } errors { code } } }")["reconcilePeers"]["reports"]
    assert reports == [{"hubId": "chablais", "agree": True, "left": 0, "ourBalance": {"amount": "125.50"},
                        "theirBalanceInOurUnits": {"amount": "-125.50"}}]


@pytest.mark.parametrize("rate", ["2", "0.333333"])
def test_a_rate_converts_each_payment_and_the_mirrors_still_agree(hubs, rate):
    arve, chablais = hubs
    admin = signed_in(arve, arve.admin_id)
    peer_id = admin.data("{ peers { id } }")["peers"][0]["id"]
    admin.data("mutation($input: UpdatePeerInput!) { updatePeer(input: $input) { errors { code } } }",
               input={"peerId": peer_id, "rate": rate})
    payer, _ = arve.member("Scierie", credit_limit=500_000)
    _, payee_account = chablais.member("Charpentes")
    member = signed_in(arve, payer)
    for amount in ("10.01", "3.33"):
        member.data(PAY, input={"peerId": peer_id, "toAccountRef": str(payee_account), "amount": amount})
    with arve.app.app_context():
        report = reconcile.reconcile(arve.sessions, min_age=dt.timedelta(0))[0]
    assert report.agree and report.our_balance == 1334
    assert chablais.balance(payee_account) == -chablais.mirror().balance > 0
