"""Random traffic between two hubs with random faults: whatever happens to each message, once
both hubs reconciled no payment is left in flight, both sides ended every payment the same
way, each member's balance is what its committed payments say, the mirrors are opposite and
each ledger sums to zero."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import DomainError
from models import InterHubState, TransferDirection
from tests.federation.faults import Crash, Faults
from tests.federation.test_federation_payments import assert_settled, pay, run_reconcile

ACTIONS = ["deliver", "drop_answer", "fail_before", "twice", "crash_before", "crash_after"]
ENDPOINTS = ["transfers/prepare", "transfers/commit", "transfers/abort"]

payment = st.tuples(
    st.sampled_from(["arve", "chablais"]),  # the payer's hub
    st.integers(0, 1),  # which of its two members pays
    st.integers(1, 60_000),  # amount: some beyond the 1 000.00 each hub grants the other
    st.dictionaries(st.sampled_from(ENDPOINTS), st.lists(st.sampled_from(ACTIONS), max_size=2), max_size=2),
)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(traffic=st.lists(payment, min_size=1, max_size=4))
def test_random_traffic_with_random_faults_settles(hubs, traffic):
    arve, chablais = hubs
    by_id = {"arve": arve, "chablais": chablais}
    if not hasattr(arve, "firms"):
        for hub in (arve, chablais):
            hub.firms = [hub.member(f"Firme {i} {hub.hub_id}", credit_limit=80_000) for i in range(2)]
    for hub_id, who, amount, script in traffic:
        payer_hub = by_id[hub_id]
        other = chablais if payer_hub is arve else arve
        Faults(payer_hub.app, script)
        try:
            pay(payer_hub, payer_hub.firms[who][0], other.firms[1 - who][1], amount)
        except (Crash, DomainError):
            pass
        payer_hub.app.extensions.pop("federation_transport", None)
    for hub in (arve, chablais, arve, chablais):
        run_reconcile(hub)
    expected = {}
    for hub in (arve, chablais):
        for _, account in hub.firms:
            signed = [(r.amount if r.direction == TransferDirection.IN else -r.amount)
                      for r in hub.records() if r.local_account_id == account and r.state == InterHubState.COMMITTED]
            expected[(hub, account)] = sum(signed)
    assert_settled(arve, chablais, expected)
