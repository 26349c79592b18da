"""Invoices between hubs through GraphQL, with two live hubs: a firm of the Chablais bills a
firm of the Arve from the Chablais' directory, the debtor accepts with the invoices' own
mutation (the Chablais hears it), pays part of it across the hubs (the outstanding goes down on
both hubs), and a refused payment or bad input changes nothing; answers in French."""
import sqlalchemy as sa

from models import Account, Invoice, InvoiceStatus, PeerInvoice
from tests.federation.test_federation_api import signed_in

ISSUE = """mutation($input: IssuePeerInvoiceInput!) { issuePeerInvoice(input: $input) {
  peerInvoice { side remoteLabel peerName delivered invoice { id amount { amount } status } }
  errors { code field message } } }"""
PAY = """mutation($input: PayPeerInvoiceInput!) { payPeerInvoice(input: $input) {
  peerInvoice { invoice { outstanding { amount } status } }
  interHubTransfer { state amount { amount } remoteLabel }
  errors { code field message } } }"""
ACCEPT = "mutation($input: InvoiceActionInput!) { acceptInvoice(input: $input) { invoice { status } errors { code } } }"
LIST = "{ peerInvoices { nodes { side remoteLabel peerName delivered reference invoice { id status outstanding { amount } } } } }"


def _invoices(hub) -> list[tuple]:
    with hub.sessions() as session:
        return session.execute(sa.select(Invoice.id, Invoice.status, Invoice.outstanding).order_by(Invoice.id)).all()


def _peer_id(client) -> str:
    return client.data("{ payablePeers { id } }")["payablePeers"][0]["id"]


def test_a_firm_bills_a_firm_of_the_peer_hub_which_accepts_and_pays_part(hubs):
    arve, chablais = hubs
    carpenter, carpenter_account = chablais.member("Charpentes du Chablais")
    sawmill, sawmill_account = arve.member("Scierie du Giffre", credit_limit=500_000)
    creditor, debtor = signed_in(chablais, carpenter), signed_in(arve, sawmill)
    good = {"peerId": _peer_id(creditor), "debtorRef": str(sawmill_account), "amount": "250.00", "memo": "Charpente"}

    # Bad input: refused in French, nothing recorded on either hub.
    for bad, field, code in [({"amount": "-3"}, "amount", "INVALID"), ({"debtorRef": "999999"}, "debtorRef", "NOT_FOUND"),
                             ({"peerId": "UGVlckh1Yjo5OTk="}, "peerId", "NOT_FOUND")]:
        errors = creditor.data(ISSUE, input={**good, **bad})["issuePeerInvoice"]["errors"]
        assert (errors[0]["code"], errors[0]["field"]) == (code, [field]), (bad, errors)
    assert "montant" in creditor.data(ISSUE, input={**good, "amount": "-3"})["issuePeerInvoice"]["errors"][0]["message"]
    assert _invoices(arve) == [] and _invoices(chablais) == []

    issued = creditor.data(ISSUE, input=good)["issuePeerInvoice"]
    assert issued["errors"] == []
    assert issued["peerInvoice"]["side"] == "CREDITOR" and issued["peerInvoice"]["delivered"] is True
    assert issued["peerInvoice"]["remoteLabel"] == "Scierie du Giffre"
    owed = debtor.data(LIST)["peerInvoices"]["nodes"]
    assert [(o["side"], o["remoteLabel"], o["invoice"]["status"]) for o in owed] == [
        ("DEBTOR", "Charpentes du Chablais", "ISSUED")]
    invoice_id = owed[0]["invoice"]["id"]
    assert owed[0]["delivered"] is True  # received; the debtor has nothing to tell before it answers
    ours = creditor.data(LIST)["peerInvoices"]["nodes"][0]
    assert len(ours["reference"]) == 8 and ours["reference"] == owed[0]["reference"]  # the same on both hubs
    single = "query($id: ID!) { peerInvoice(invoiceId: $id) { reference side } }"
    assert debtor.data(single, id=invoice_id)["peerInvoice"] == {"reference": ours["reference"], "side": "DEBTOR"}
    assert signed_in(arve, arve.member("Ossature")[0]).data(single, id=invoice_id)["peerInvoice"] is None  # not theirs

    # Paying before answering is refused: the creditor's hub must hear the answer first.
    refused = debtor.data(PAY, input={"invoiceId": invoice_id})["payPeerInvoice"]["errors"]
    assert refused[0]["code"] == "INVALID_STATE" and "Acceptez" in refused[0]["message"]
    assert debtor.data(ACCEPT, input={"invoiceId": invoice_id})["acceptInvoice"]["errors"] == []
    assert [s for _, s, _ in _invoices(chablais)] == [InvoiceStatus.ACCEPTED]  # told after the commit
    # Each hub keeps a copy: neither side cancels it alone.
    cancel = "mutation($input: CancelInvoiceInput!) { cancelInvoice(input: $input) { errors { code message } } }"
    mine = creditor.data(LIST)["peerInvoices"]["nodes"][0]["invoice"]["id"]
    kept = creditor.data(cancel, input={"invoiceId": mine})["cancelInvoice"]["errors"]
    assert kept[0]["code"] == "INVALID_STATE" and "autre pôle" in kept[0]["message"]
    assert [s for _, s, _ in _invoices(chablais)] == [s for _, s, _ in _invoices(arve)] == [InvoiceStatus.ACCEPTED]

    # Another firm of the Arve may not pay it; more than owed is refused; nothing moves.
    other, _ = arve.member("Ossature Bois", credit_limit=500_000)
    forbidden = signed_in(arve, other).data(PAY, input={"invoiceId": invoice_id})["payPeerInvoice"]["errors"]
    assert forbidden[0]["code"] == "FORBIDDEN"
    too_much = debtor.data(PAY, input={"invoiceId": invoice_id, "amount": "300.00"})["payPeerInvoice"]["errors"]
    assert too_much[0]["code"] == "INVALID" and "au plus" in too_much[0]["message"]
    assert arve.balance(sawmill_account) == 0 and arve.on_hold(sawmill_account) == 0

    paid = debtor.data(PAY, input={"invoiceId": invoice_id, "amount": "100.00"})["payPeerInvoice"]
    assert paid["errors"] == [] and paid["interHubTransfer"]["state"] == "COMMITTED"
    assert paid["peerInvoice"]["invoice"]["outstanding"] == {"amount": "150.00"}
    assert [o for _, _, o in _invoices(arve)] == [o for _, _, o in _invoices(chablais)] == [15_000]
    assert arve.balance(sawmill_account) == -10_000 and chablais.balance(carpenter_account) == 10_000
    assert arve.mirror().balance == -chablais.mirror().balance == 10_000
    assert creditor.data(LIST)["peerInvoices"]["nodes"][0]["invoice"]["outstanding"] == {"amount": "150.00"}

    # The rest, whole: paid on both hubs; each ledger sums to zero.
    rest = debtor.data(PAY, input={"invoiceId": invoice_id})["payPeerInvoice"]
    assert rest["peerInvoice"]["invoice"]["status"] == "PAID"
    assert [(s, o) for _, s, o in _invoices(chablais)] == [(InvoiceStatus.PAID, 0)]
    assert arve.ledger_problems() == [] and chablais.ledger_problems() == []


def test_a_payment_the_creditors_hub_refuses_leaves_the_invoice_owed_on_both_hubs(hubs):
    arve, chablais = hubs
    carpenter, carpenter_account = chablais.member("Charpentes du Chablais")
    sawmill, sawmill_account = arve.member("Scierie du Giffre", credit_limit=500_000)
    creditor, debtor = signed_in(chablais, carpenter), signed_in(arve, sawmill)
    creditor.data(ISSUE, input={"peerId": _peer_id(creditor), "debtorRef": str(sawmill_account), "amount": "80.00"})
    invoice_id = debtor.data(LIST)["peerInvoices"]["nodes"][0]["invoice"]["id"]
    debtor.data(ACCEPT, input={"invoiceId": invoice_id})
    with chablais.sessions() as session:  # the payee's account may not receive that much
        session.get(Account, carpenter_account).balance_cap = 1_000
        session.commit()
    failed = debtor.data(PAY, input={"invoiceId": invoice_id})["payPeerInvoice"]["errors"]
    assert failed[0]["code"] == "PAYMENT_FAILED" and "Rien n’a été payé" in failed[0]["message"]
    assert [(s, o) for _, s, o in _invoices(arve)] == [(s, o) for _, s, o in _invoices(chablais)] == [
        (InvoiceStatus.ACCEPTED, 8_000)]
    assert arve.balance(sawmill_account) == arve.on_hold(sawmill_account) == 0
    assert arve.mirror().balance == chablais.mirror().balance == 0
    with chablais.sessions() as session:
        assert session.scalar(sa.select(PeerInvoice.synced)) is True
