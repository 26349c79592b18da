"""`flask federation reconcile|key`, and a suspended peer: neither pays nor is paid."""
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.errors import DomainError, ErrorCode
from app.federation import keys, peers
from models import InterHubState, PeerStatus
from tests.federation.faults import Faults
from tests.federation.test_federation_payments import assert_settled, pay


def test_reconcile_command_finishes_and_reports(hubs):
    arve, chablais = hubs
    payer, payer_account = arve.member("Scierie", credit_limit=100_000)
    _, payee_account = chablais.member("Charpentes")
    Faults(arve.app, {"transfers/commit": ["fail_before"] * 4})
    assert pay(arve, payer, payee_account, 7_000) == InterHubState.COMMITTING
    runner = arve.app.test_cli_runner()
    stuck = runner.invoke(args=["federation", "reconcile", "--min-age", "0"])
    assert stuck.exit_code == 1 and "chablais: 0 finished, 1 left" in stuck.output
    arve.app.extensions.pop("federation_transport")
    done = runner.invoke(args=["federation", "reconcile", "--peer", "chablais", "--min-age", "0"])
    assert done.exit_code == 0, done.output
    assert "chablais: 1 finished, 0 left; our mirror 70.00, theirs in our units -70.00: agree" in done.output
    assert_settled(arve, chablais, {(arve, payer_account): -7_000, (chablais, payee_account): 7_000})
    with arve.app.app_context():
        assert runner.invoke(args=["federation", "key"]).output.strip() == f"arve {keys.public_key_text()}"


def test_a_suspended_peer_neither_pays_nor_is_paid(hubs):
    arve, chablais = hubs
    payer, _ = arve.member("Scierie", credit_limit=100_000)
    _, payee_account = chablais.member("Charpentes")
    chablais_payer, _ = chablais.member("Couvreurs", credit_limit=100_000)
    _, arve_payee = arve.member("Menuiserie")
    peer_id = arve.peer().id
    with arve.app.app_context(), arve.sessions() as session:
        peers.update_peer(session, arve.admin(session), peer_id, status=PeerStatus.SUSPENDED)
        session.commit()
    with pytest.raises(DomainError) as refused:
        pay(arve, payer, payee_account, 1_000)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert pay(chablais, chablais_payer, arve_payee, 1_000) == InterHubState.ABORTED
    assert chablais.records()[0].failure == "INVALID_STATE"
    assert_settled(arve, chablais, {})


def test_the_peers_address_and_key_can_change(hubs):
    arve, chablais = hubs
    peer_id = arve.peer().id
    with arve.app.app_context(), arve.sessions() as session:
        other_key = keys.encode_public(Ed25519PrivateKey.generate().public_key())
        peer = peers.update_peer(session, arve.admin(session), peer_id, base_url="https://x.example.org/",
                                 public_key=other_key, rate="1.5", limit_granted=0)
        assert (peer.base_url, peer.public_key, peer.rate) == ("https://x.example.org", other_key, "1.5")
        with pytest.raises(DomainError):
            peers.update_peer(session, arve.admin(session), 999, rate="1")
        session.rollback()
