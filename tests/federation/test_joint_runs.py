"""Invoices between hubs and a joint clearing run of two live hubs: a cycle of three invoices
spanning both hubs is cleared by the joint run and by neither hub alone; no balance, no net
position and no mirror account moves; a fault between prepare and commit leaves both hubs
unchanged or both posted once reconciled."""
import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import DomainError, ErrorCode
from app.federation import client, invoices, joint_peer, joint_runs
from app.invoices import services as local_invoices
from app.treasury.runs import propose_clearing
from models import Account, Invoice, InvoiceStatus, JointRun, JointRunState, Member, PeerInvoice, Role
from tests.federation.faults import Crash, Faults


def cross_invoice(creditor_hub, creditor_id, debtor_hub, debtor_id, debtor_account, amount, accept=True) -> tuple[int, int]:
    """The creditor's member bills the debtor's account in the other hub, which accepts it:
    (the creditor hub's invoice id, the debtor hub's)."""
    peer_id = creditor_hub.peer().id
    with creditor_hub.app.app_context(), creditor_hub.sessions() as session:
        invoice = invoices.issue(
            session, session.get(Member, creditor_id), peer_id=peer_id,
            debtor_account_ref=str(debtor_account), debtor_label="Client", amount=amount, memo="Travaux",
        )
        link = session.scalar(sa.select(PeerInvoice).where(PeerInvoice.invoice_id == invoice.id))
        there_id, link_id, uuid = invoice.id, link.id, link.uuid
        session.commit()
        assert invoices.deliver(creditor_hub.sessions, link_id)
    with debtor_hub.sessions() as session:
        here_id = session.scalar(sa.select(PeerInvoice.invoice_id).where(PeerInvoice.uuid == uuid))
    with debtor_hub.app.app_context():
        invoices.answer(debtor_hub.sessions, debtor_id, here_id, accept)
    return there_id, here_id


def local_invoice(hub, creditor_id, debtor_id, debtor_account, amount) -> int:
    with hub.app.app_context(), hub.sessions() as session:
        invoice = local_invoices.issue_invoice(session, session.get(Member, creditor_id), debtor_account_id=debtor_account,
                                               amount=amount)
        local_invoices.accept_invoice(session, session.get(Member, debtor_id), invoice.id)
        session.commit()
        return invoice.id


def outstanding(hub, invoice_id) -> int:
    with hub.sessions() as session:
        return session.get(Invoice, invoice_id).outstanding


def balances(hub) -> dict[int, int]:
    with hub.sessions() as session:
        return dict(session.execute(sa.select(Account.id, Account.balance)).all())


def state(hub, run_id=None) -> JointRunState:
    with hub.sessions() as session:
        query = sa.select(JointRun.state).order_by(JointRun.id.desc())
        return session.scalar(query.where(JointRun.id == run_id) if run_id else query)


@pytest.fixture
def cycle(hubs):
    """Arve's sawmill owes Chablais' carpenter 500 (invoiced from Chablais), the carpenter owes
    Chablais' joiner 400 (inside Chablais), the joiner owes the sawmill 300 (invoiced from the
    Arve); and a pair inside the Arve that the Arve clears alone (60)."""
    arve, chablais = hubs
    scierie, scierie_acct = arve.member("Scierie", credit_limit=100_000)
    ossature, ossature_acct = arve.member("Ossature", credit_limit=100_000)
    charpente, charpente_acct = chablais.member("Charpente", credit_limit=100_000)
    menuiserie, menuiserie_acct = chablais.member("Menuiserie", credit_limit=100_000)
    a_treasurer, _ = arve.member("Trésorerie Arve", role=Role.TREASURER)
    c_treasurer, _ = chablais.member("Trésorerie Chablais", role=Role.TREASURER)
    invoices_ = {
        "sawmill_owes": cross_invoice(chablais, charpente, arve, scierie, scierie_acct, 50_000),
        "joiner_owes": cross_invoice(arve, scierie, chablais, menuiserie, menuiserie_acct, 30_000),
        "carpenter_owes": local_invoice(chablais, menuiserie, charpente, charpente_acct, 40_000),
        "arve_pair": (local_invoice(arve, ossature, scierie, scierie_acct, 10_000),
                      local_invoice(arve, scierie, ossature, ossature_acct, 6_000)),
    }
    return arve, chablais, a_treasurer, c_treasurer, invoices_


def propose_and_accept(arve, chablais, a_treasurer, c_treasurer) -> int:
    peer_id = arve.peer().id
    with arve.app.app_context():
        run_id = joint_runs.propose(arve.sessions, a_treasurer, peer_id)
    with chablais.sessions() as session:
        theirs = session.scalar(sa.select(JointRun.id))
        joint_peer.answer(session, session.get(Member, c_treasurer), theirs, accept=True)
        session.commit()
    return run_id


def assert_cleared(arve, chablais, inv, cleared: bool):
    arve_debt, arve_claim = inv["sawmill_owes"][1], inv["joiner_owes"][0]
    chablais_claim, chablais_debt = inv["sawmill_owes"][0], inv["joiner_owes"][1]
    expected = (20_000, 0, 10_000) if cleared else (50_000, 30_000, 40_000)
    # Both sides of each cross-hub invoice say the same.
    assert (outstanding(arve, arve_debt), outstanding(arve, arve_claim), outstanding(chablais, inv["carpenter_owes"])) == expected
    assert outstanding(chablais, chablais_claim) == outstanding(arve, arve_debt)
    assert outstanding(chablais, chablais_debt) == outstanding(arve, arve_claim)
    for hub in (arve, chablais):
        assert hub.ledger_problems() == []
        with hub.sessions() as session:
            assert session.scalar(sa.select(sa.func.count()).where(Invoice.joint_run_id.is_not(None))) == 0
    assert arve.mirror().balance == -chablais.mirror().balance == 0


def test_a_cycle_across_two_hubs_is_cleared_by_a_joint_run(cycle):
    arve, chablais, a_treasurer, c_treasurer, inv = cycle
    before = {hub.hub_id: balances(hub) for hub in (arve, chablais)}
    # Alone, the Chablais clears nothing: its cross-hub invoices are not its own to clear.
    with chablais.app.app_context(), chablais.sessions() as session:
        assert propose_clearing(session, session.get(Member, c_treasurer)).cleared == 0
        session.rollback()
    run_id = propose_and_accept(arve, chablais, a_treasurer, c_treasurer)
    with arve.app.app_context():
        assert joint_runs.run(arve.sessions, a_treasurer, run_id, "arve") == JointRunState.COMMITTED
    assert state(chablais) == JointRunState.COMMITTED
    assert_cleared(arve, chablais, inv, cleared=True)
    assert outstanding(arve, inv["arve_pair"][0]) == 4_000 and outstanding(arve, inv["arve_pair"][1]) == 0
    # A set-off moves no balance: no net position, no mirror account changed in either hub.
    assert {hub.hub_id: balances(hub) for hub in (arve, chablais)} == before
    for hub in (arve, chablais):
        with hub.sessions() as session:
            run = session.scalar(sa.select(JointRun))
            # The report: the same figures on both sides, and what only the joint run cleared.
            assert (run.gross_before, run.cleared) == (136_000, 102_000)
            alone = {hub.hub_id: run.cleared_alone_here, "other": run.cleared_alone_there}
            assert sorted(alone.values()) == [0, 12_000]
            assert run.cleared - run.cleared_alone_here - run.cleared_alone_there == 90_000


def test_the_peers_treasurer_must_accept_first(cycle):
    arve, chablais, a_treasurer, c_treasurer, inv = cycle
    peer_id = arve.peer().id
    with arve.app.app_context():
        run_id = joint_runs.propose(arve.sessions, a_treasurer, peer_id)
        with pytest.raises(DomainError) as refused:
            joint_runs.run(arve.sessions, a_treasurer, run_id, "arve")
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert state(arve) == JointRunState.PROPOSED and state(chablais) == JointRunState.PROPOSED
    with chablais.sessions() as session:
        joint_peer.answer(session, session.get(Member, c_treasurer), session.scalar(sa.select(JointRun.id)), accept=False)
        session.commit()
    with arve.app.app_context(), pytest.raises(DomainError):
        joint_runs.run(arve.sessions, a_treasurer, run_id, "arve")
    assert_cleared(arve, chablais, inv, cleared=False)


def reconcile_both(arve, chablais):
    for hub in (arve, chablais, arve):
        with hub.app.app_context():
            joint_peer.reconcile(hub.sessions, min_age=dt.timedelta(0))


@pytest.mark.parametrize("fault, cleared", [
    ({"joint-runs/prepare": ["crash_after"]}, False),  # the coordinator dies undecided: presumed abort
    ({"joint-runs/prepare": ["drop_answer", "drop_answer"]}, False),  # no answer: abort on both
    ({"joint-runs/commit": ["crash_before"]}, True),  # decided, never told: reconcile commits both
    ({"joint-runs/commit": ["drop_answer", "fail_before"]}, True),  # posted there, not here yet
    ({"joint-runs/commit": ["twice"]}, True),  # delivered twice: posted once
])
def test_a_fault_between_phases_ends_the_same_on_both_hubs(cycle, fault, cleared):
    arve, chablais, a_treasurer, c_treasurer, inv = cycle
    run_id = propose_and_accept(arve, chablais, a_treasurer, c_treasurer)
    faults = Faults(arve.app, fault)
    with arve.app.app_context():
        try:
            joint_runs.run(arve.sessions, a_treasurer, run_id, "arve")
        except Crash:
            pass
    faults.heal()
    reconcile_both(arve, chablais)
    expected = JointRunState.COMMITTED if cleared else JointRunState.ABORTED
    assert (state(arve), state(chablais)) == (expected, expected)
    assert_cleared(arve, chablais, inv, cleared)


def test_a_held_invoice_is_not_changed_meanwhile_and_a_stale_plan_is_refused(cycle):
    arve, chablais, a_treasurer, c_treasurer, inv = cycle
    run_id = propose_and_accept(arve, chablais, a_treasurer, c_treasurer)
    seen = []

    def pay_meanwhile(method, url, headers, body, timeout):
        if url.endswith("joint-runs/prepare"):
            # The Arve holds its part: its treasurer cannot cancel a held invoice...
            with arve.sessions() as session, pytest.raises(DomainError, match="between hubs") as refused:
                local_invoices.cancel_invoice(session, session.get(Member, a_treasurer), inv["arve_pair"][1], "erreur")
            seen.append(refused.value.code)
            # ... but the Chablais' carpenter pays its internal invoice in part before the prepare.
            with chablais.app.app_context(), chablais.sessions() as session:
                carpenter = session.scalar(sa.select(Member).where(Member.name == "Charpente manager"))
                local_invoices.pay_invoice(session, carpenter, inv["carpenter_owes"], amount=1_000)
                session.commit()
        return client.http_transport(method, url, headers, body, timeout)

    arve.app.extensions["federation_transport"] = pay_meanwhile
    with arve.app.app_context():
        assert joint_runs.run(arve.sessions, a_treasurer, run_id, "arve") == JointRunState.ABORTED
    assert seen == [ErrorCode.INVALID_STATE]
    assert state(chablais) == JointRunState.ABORTED
    assert outstanding(arve, inv["arve_pair"][1]) == 6_000  # released, untouched
    assert outstanding(chablais, inv["carpenter_owes"]) == 39_000
    with arve.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).where(Invoice.joint_run_id.is_not(None))) == 0
        assert session.get(JointRun, run_id).failure == "STALE"


def test_a_cross_hub_invoice_is_answered_once_and_not_paid_into_the_mirror(cycle):
    arve, chablais, a_treasurer, c_treasurer, inv = cycle
    with chablais.sessions() as session:
        assert session.get(Invoice, inv["sawmill_owes"][0]).status == InvoiceStatus.ACCEPTED
    with arve.app.app_context(), arve.sessions() as session:
        sawmill = session.scalar(sa.select(Member).where(Member.name == "Scierie manager"))
        with pytest.raises(DomainError, match="another hub"):
            local_invoices.pay_invoice(session, sawmill, inv["sawmill_owes"][1])
    # A rejected one closes on both sides.
    scierie = arve.member("Scierie 2")
    charpente2 = chablais.member("Charpente 2")
    there, here = cross_invoice(chablais, charpente2[0], arve, scierie[0], scierie[1], 5_000, accept=False)
    with chablais.sessions() as session:
        assert session.get(Invoice, there).status == InvoiceStatus.REJECTED
    with arve.app.app_context():
        assert invoices.sync(arve.sessions) == 0
