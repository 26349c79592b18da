"""Payments between two hubs over HTTP: both ways, refusals, and faults at every step of the
two-phase protocol; after reconciliation, both sides end the same way, the mirror accounts are
exact opposites, every balance is what the committed payments say and each ledger sums to zero."""
import datetime as dt

import pytest

from app.errors import DomainError, ErrorCode
from app.federation import reconcile, transfers
from models import InterHubState
from tests.federation.faults import Crash, Faults


def pay(hub, member_id: int, to_account: int, amount: int, memo: str = "") -> InterHubState:
    with hub.app.app_context():
        transfer_id = transfers.pay_member_of_peer(
            hub.sessions, member_id, peer_id=hub.peer().id, to_account_ref=str(to_account), to_label="Payee",
            amount=amount, memo=memo,
        )
    with hub.sessions() as session:
        return session.get(transfers.InterHubTransfer, transfer_id).state


def run_reconcile(hub):
    with hub.app.app_context():
        return reconcile.reconcile(hub.sessions, min_age=dt.timedelta(0))


def assert_settled(arve, chablais, expected: dict):
    """No payment left in flight, mirrors opposite, balances as expected, ledgers sound."""
    for hub in (arve, chablais):
        assert [r.state for r in hub.records() if r.state not in (InterHubState.COMMITTED, InterHubState.ABORTED)] == []
        assert hub.ledger_problems() == []
    assert arve.mirror().balance == -chablais.mirror().balance
    assert arve.mirror().on_hold == 0 and chablais.mirror().on_hold == 0
    for (hub, account), balance in expected.items():
        assert hub.balance(account) == balance
        assert hub.on_hold(account) == 0
    uuids = {hub.hub_id: {r.uuid: r.state for r in hub.records()} for hub in (arve, chablais)}
    for uuid, state in uuids["arve"].items():
        assert uuids["chablais"].get(uuid, InterHubState.ABORTED) == state


def test_payments_both_ways(hubs):
    arve, chablais = hubs
    scierie, scierie_account = arve.member("Scierie du Giffre", credit_limit=50_000)
    charpentes, charpentes_account = chablais.member("Charpentes du Chablais", credit_limit=50_000)
    assert pay(arve, scierie, charpentes_account, 30_000, "poutres") == InterHubState.COMMITTED
    assert pay(chablais, charpentes, scierie_account, 12_050) == InterHubState.COMMITTED
    assert arve.mirror().balance == 30_000 - 12_050
    assert_settled(arve, chablais, {(arve, scierie_account): -17_950, (chablais, charpentes_account): 17_950})
    report = run_reconcile(arve)[0]
    assert report.agree and report.their_balance == -17_950 and report.left == 0


def test_the_peers_limit_refuses_and_nothing_moves(hubs):
    arve, chablais = hubs
    payer, payer_account = arve.member("Scierie", credit_limit=500_000)
    _, payee_account = chablais.member("Charpentes")
    assert pay(arve, payer, payee_account, 150_000) == InterHubState.ABORTED  # chablais grants 1 000.00
    record = arve.records()[0]
    assert record.failure == "CREDIT_LIMIT_EXCEEDED"
    assert_settled(arve, chablais, {(arve, payer_account): 0, (chablais, payee_account): 0})


def test_the_payers_own_limit_and_rights_refuse_before_anything(hubs):
    arve, chablais = hubs
    payer, _ = arve.member("Scierie", credit_limit=1_000)
    _, payee_account = chablais.member("Charpentes")
    with pytest.raises(DomainError) as refused:
        pay(arve, payer, payee_account, 5_000)
    assert refused.value.code == ErrorCode.CREDIT_LIMIT_EXCEEDED
    assert arve.records() == [] and chablais.records() == []


def test_an_unknown_payee_is_refused_by_the_peer(hubs):
    arve, chablais = hubs
    payer, payer_account = arve.member("Scierie", credit_limit=10_000)
    assert pay(arve, payer, chablais.mirror().id, 1_000) == InterHubState.ABORTED
    assert arve.records()[0].failure == "NOT_FOUND"
    assert_settled(arve, chablais, {(arve, payer_account): 0})


FAULTS = {
    # fault script on arve's transport -> how the payment ends before reconciliation
    "prepare answer lost once (retried)": ({"transfers/prepare": ["drop_answer"]}, InterHubState.COMMITTED),
    "prepare answer always lost": ({"transfers/prepare": ["drop_answer"] * 2}, InterHubState.ABORTED),
    "peer unreachable": ({"transfers/prepare": ["fail_before"] * 2}, InterHubState.ABORTED),
    "prepare delivered twice": ({"transfers/prepare": ["twice"]}, InterHubState.COMMITTED),
    "commit delivered twice": ({"transfers/commit": ["twice"]}, InterHubState.COMMITTED),
    "commit answer lost": ({"transfers/commit": ["drop_answer"] * 2}, InterHubState.COMMITTING),
    "commit never sent": ({"transfers/commit": ["fail_before"] * 2}, InterHubState.COMMITTING),
    "abort answer lost": ({"transfers/prepare": ["fail_before"] * 2, "transfers/abort": ["drop_answer"] * 2},
                          InterHubState.ABORTING),
}


@pytest.mark.parametrize("case", FAULTS)
def test_faults_between_phases_end_the_same_on_both_sides(hubs, case):
    arve, chablais = hubs
    script, ends = FAULTS[case]
    payer, payer_account = arve.member("Scierie", credit_limit=100_000)
    _, payee_account = chablais.member("Charpentes")
    faults = Faults(arve.app, script)
    assert pay(arve, payer, payee_account, 40_000) == ends
    faults.heal()
    run_reconcile(arve)
    paid = 40_000 if ends in (InterHubState.COMMITTED, InterHubState.COMMITTING) else 0
    assert_settled(arve, chablais, {(arve, payer_account): -paid, (chablais, payee_account): paid})


CRASHES = {
    # the coordinator dies at this point -> the payment's end once both hubs reconciled
    "before asking the peer": ("transfers/prepare", "crash_before", 0),
    "after the peer prepared": ("transfers/prepare", "crash_after", 0),  # undecided: presumed abort
    "before telling the commit": ("transfers/commit", "crash_before", 40_000),
    "after the peer committed": ("transfers/commit", "crash_after", 40_000),
}


@pytest.mark.parametrize("case", CRASHES)
@pytest.mark.parametrize("first", ["coordinator", "participant"])
def test_a_coordinator_crash_is_finished_by_reconciliation(hubs, case, first):
    arve, chablais = hubs
    endpoint, action, paid = CRASHES[case]
    payer, payer_account = arve.member("Scierie", credit_limit=100_000)
    _, payee_account = chablais.member("Charpentes")
    faults = Faults(arve.app, {endpoint: [action]})
    with pytest.raises(Crash):
        pay(arve, payer, payee_account, 40_000)
    faults.heal()
    order = (arve, chablais) if first == "coordinator" else (chablais, arve)
    for hub in order + order:  # the participant may wait for the coordinator's decision
        run_reconcile(hub)
    assert_settled(arve, chablais, {(arve, payer_account): -paid, (chablais, payee_account): paid})


def test_a_recent_undecided_payment_is_left_to_its_request(hubs):
    arve, chablais = hubs
    payer, _ = arve.member("Scierie", credit_limit=100_000)
    _, payee_account = chablais.member("Charpentes")
    Faults(arve.app, {"transfers/prepare": ["crash_after"]})
    with pytest.raises(Crash):
        pay(arve, payer, payee_account, 1_000)
    arve.app.extensions.pop("federation_transport")
    with arve.app.app_context():
        report = reconcile.reconcile(arve.sessions)[0]
    assert report.left == 1 and arve.records()[0].state == InterHubState.PREPARING


def test_the_same_key_pays_once(hubs):
    arve, chablais = hubs
    payer, payer_account = arve.member("Scierie", credit_limit=100_000)
    _, payee_account = chablais.member("Charpentes")
    key = "5f0c6a57-8d1e-4c39-9a57-0d8f3b8e2a11"
    with arve.app.app_context():
        for _ in range(2):
            transfers.pay_member_of_peer(
                arve.sessions, payer, peer_id=arve.peer().id, to_account_ref=str(payee_account), to_label="Payee",
                amount=2_500, uuid=key,
            )
    assert_settled(arve, chablais, {(arve, payer_account): -2_500, (chablais, payee_account): 2_500})
