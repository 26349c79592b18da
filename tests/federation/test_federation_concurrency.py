"""Many members of one hub pay the other at once: the credit the payee's hub grants is never
exceeded (its mirror account's hold is taken under the ledger's guarded write), and every
payment ends the same way on both sides."""
from concurrent.futures import ThreadPoolExecutor

from models import InterHubState
from tests.federation.test_federation_payments import assert_settled, pay, run_reconcile


def test_concurrent_payments_never_exceed_the_credit_granted(hubs):
    arve, chablais = hubs
    payers = [arve.member(f"Firme {i}", credit_limit=50_000) for i in range(8)]
    _, payee_account = chablais.member("Charpentes")
    with ThreadPoolExecutor(max_workers=8) as pool:
        states = list(pool.map(lambda payer: pay(arve, payer[0], payee_account, 20_000), payers))
    assert states.count(InterHubState.COMMITTED) == 5  # chablais grants arve 1 000.00
    assert states.count(InterHubState.ABORTED) == 3
    run_reconcile(arve)
    expected = {(arve, account): (-20_000 if state == InterHubState.COMMITTED else 0)
                for (_, account), state in zip(payers, states, strict=True)}
    assert_settled(arve, chablais, {**expected, (chablais, payee_account): 100_000})
    assert chablais.mirror().balance == -100_000 == -chablais.mirror().credit_limit
