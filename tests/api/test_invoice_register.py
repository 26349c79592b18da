"""The treasurer's invoices: the register's filters, an invoice's history, cancelling with a
reason and correcting, through GraphQL; the history costs the same for a page of any length;
corrections racing payments never leave an invoice paid beyond its amount."""
import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.database import get_session
from app.ledger.services import invariant_violations
from models import Invoice, InvoiceEvent, InvoicePayment, InvoiceStatus
from tests.api import test_treasury_api as treasury
from tests.api.test_treasury_api import CANCEL, PAY, POST, PROPOSE, REJECT, issue
from tests.conftest import sql_statements

firms = treasury.firms  # the same three firms and treasurer

HISTORY = "history { at kind actorName reason transferId runId amount { amount } amountBefore { amount } amountAfter { amount } dueDateBefore dueDateAfter memoBefore memoAfter }"
DETAIL = "query($id: ID!) { node(id: $id) { ... on Invoice { status amount { amount } outstanding { amount } settled { amount } viewerCanCancel viewerCanCorrect %s } } }" % HISTORY
CORRECT = "mutation($input: CorrectInvoiceInput!) { correctInvoice(input: $input) { invoice { status amount { amount } outstanding { amount } dueDate memo } errors { code field message } } }"
REGISTER = "query($status: [InvoiceStatus!], $overdue: Boolean, $olderThanDays: Int, $first: Int) { invoices(status: $status, overdue: $overdue, olderThanDays: $olderThanDays, first: $first) { totalCount nodes { number %s } } }"


def detail(client, invoice_id):
    return client.data(DETAIL, id=invoice_id)["node"]


def errors(payload):
    return [(e["code"], e["field"]) for e in payload["errors"]]


def test_the_treasurer_cancels_a_partly_paid_invoice_with_a_reason(firms, caplog):
    invoice = issue(firms, "A", "B", "100.00")
    firms["B"].data(PAY, input={"invoiceId": invoice["id"], "amount": "40.00"})
    assert detail(firms["A"], invoice["id"])["viewerCanCancel"] is False  # something was paid: not the creditor's to withdraw
    refused = firms["A"].data(CANCEL, input={"invoiceId": invoice["id"], "reason": "oops"})["cancelInvoice"]
    assert errors(refused) == [("INVALID_STATE", None)]
    assert errors(firms["B"].data(CANCEL, input={"invoiceId": invoice["id"]})["cancelInvoice"]) == [("FORBIDDEN", None)]
    assert errors(firms["C"].data(CANCEL, input={"invoiceId": invoice["id"]})["cancelInvoice"]) == [("NOT_FOUND", ["invoiceId"])]

    assert detail(firms["T"], invoice["id"])["viewerCanCancel"] is True
    silent = firms["T"].data(CANCEL, input={"invoiceId": invoice["id"], "reason": "   "})["cancelInvoice"]
    assert silent["errors"] == [{"code": "INVALID", "field": ["reason"], "message": "Say why the invoice is cancelled."}]
    with caplog.at_level(logging.INFO, logger="alveole.invoices"):
        done = firms["T"].data(CANCEL, input={"invoiceId": invoice["id"], "reason": "Chantier abandonné, accord des deux parties"})
    assert done["cancelInvoice"] == {"invoice": {"status": "CANCELLED"}, "errors": []}
    assert any("cancelled by member" in r.getMessage() for r in caplog.records if r.name == "alveole.invoices")

    seen = detail(firms["B"], invoice["id"])  # the debtor reads the same history
    assert [h["kind"] for h in seen["history"]] == ["ISSUED", "ACCEPTED", "PAID", "CANCELLED"]
    issued, _, paid, cancelled = seen["history"]
    assert issued["actorName"] == "Manager A"
    assert paid["amount"] == {"amount": "40.00"} and paid["transferId"]
    assert cancelled["reason"] == "Chantier abandonné, accord des deux parties" and cancelled["actorName"].startswith("Member")
    assert seen["settled"] == {"amount": "40.00"} and seen["viewerCanCancel"] is False
    assert detail(firms["C"], invoice["id"]) is None


def test_the_creditor_still_withdraws_an_unpaid_invoice_without_a_reason(firms):
    invoice = issue(firms, "A", "B", "10.00", accept=False)
    assert detail(firms["A"], invoice["id"])["viewerCanCancel"] is True
    assert firms["A"].data(CANCEL, input={"invoiceId": invoice["id"]})["cancelInvoice"]["errors"] == []
    assert [h["kind"] for h in detail(firms["A"], invoice["id"])["history"]] == ["ISSUED", "CANCELLED"]


def test_correcting_an_invoice(firms, app):
    invoice = issue(firms, "A", "B", "100.00", memo="Sciage", dueDate="2099-01-31")
    firms["B"].data(PAY, input={"invoiceId": invoice["id"], "amount": "30.00"})
    correct = {"invoiceId": invoice["id"], "reason": "Tarif adhérent oublié"}

    assert errors(firms["A"].data(CORRECT, input={**correct, "amount": "80.00"})["correctInvoice"]) == [("FORBIDDEN", None)]
    assert detail(firms["A"], invoice["id"])["viewerCanCorrect"] is False
    assert errors(firms["T"].data(CORRECT, input={**correct, "reason": " ", "amount": "80.00"})["correctInvoice"]) == [("INVALID", ["reason"])]
    below = firms["T"].data(CORRECT, input={**correct, "amount": "20.00"})["correctInvoice"]
    assert below["errors"] == [{
        "code": "INVALID", "field": ["amount"],
        "message": "The amount cannot be less than what was already paid or cleared, 30.00\u00a0ALV.",
    }]
    assert errors(firms["T"].data(CORRECT, input={**correct, "amount": "1,2,3"})["correctInvoice"]) == [("INVALID", ["amount"])]
    assert errors(firms["T"].data(CORRECT, input=correct)["correctInvoice"]) == [("INVALID", ["amount"])]  # nothing changed
    early = firms["T"].data(CORRECT, input={**correct, "dueDate": "2000-01-01"})["correctInvoice"]
    assert errors(early) == [("INVALID", ["dueDate"])]

    done = firms["T"].data(CORRECT, input={**correct, "amount": "80.00", "dueDate": "2099-02-28", "memo": "Sciage, tarif adhérent"})
    assert done["correctInvoice"] == {"errors": [], "invoice": {
        "status": "ACCEPTED", "amount": {"amount": "80.00"}, "outstanding": {"amount": "50.00"},
        "dueDate": "2099-02-28", "memo": "Sciage, tarif adhérent",
    }}
    corrected = detail(firms["B"], invoice["id"])["history"][-1]
    assert corrected["kind"] == "CORRECTED" and corrected["reason"] == "Tarif adhérent oublié"
    assert (corrected["amountBefore"], corrected["amountAfter"]) == ({"amount": "100.00"}, {"amount": "80.00"})
    assert (corrected["dueDateBefore"], corrected["dueDateAfter"]) == ("2099-01-31", "2099-02-28")
    assert (corrected["memoBefore"], corrected["memoAfter"]) == ("Sciage", "Sciage, tarif adhérent")

    # Down to what was paid: nothing is owed any more, the invoice is paid.
    settled = firms["T"].data(CORRECT, input={**correct, "amount": "30.00"})["correctInvoice"]["invoice"]
    assert settled["status"] == "PAID" and settled["outstanding"] == {"amount": "0.00"}
    assert errors(firms["T"].data(CORRECT, input={**correct, "amount": "90.00"})["correctInvoice"]) == [("INVALID_STATE", None)]
    with app.app_context():
        session = get_session()
        assert session.scalar(sa.select(sa.func.count()).select_from(InvoiceEvent)) == 2
        assert invariant_violations(session) == []


def test_the_register_filters_by_status_age_and_lateness(firms, app):
    old = issue(firms, "A", "B", "10.00", dueDate="2099-01-01")
    late = issue(firms, "B", "C", "20.00")
    rejected = issue(firms, "C", "A", "30.00", accept=False)
    firms["A"].data(REJECT, input={"invoiceId": rejected["id"]})
    with app.app_context():  # age two of them
        session = get_session()
        now = dt.datetime.now(dt.timezone.utc)
        session.execute(sa.update(Invoice).where(Invoice.id == int(old["number"])).values(created_at=now - dt.timedelta(days=75)))
        session.execute(sa.update(Invoice).where(Invoice.id == int(late["number"])).values(
            created_at=now - dt.timedelta(days=40), due_date=dt.date.today() - dt.timedelta(days=10)))
        session.commit()

    def numbers(client=firms["T"], **filters):
        found = client.data(REGISTER % "", **filters)["invoices"]
        return sorted(n["number"] for n in found["nodes"])

    assert numbers() == sorted([old["number"], late["number"], rejected["number"]])
    assert numbers(status=["REJECTED"]) == [rejected["number"]]
    assert numbers(olderThanDays=30) == sorted([old["number"], late["number"]])
    assert numbers(olderThanDays=60) == [old["number"]]
    assert numbers(overdue=True) == [late["number"]]
    assert numbers(status=["ISSUED", "ACCEPTED"], olderThanDays=30, overdue=False) == [old["number"]]
    assert numbers(firms["A"], olderThanDays=30) == [old["number"]]  # a member: only their own
    body = firms["T"].gql(REGISTER % "", olderThanDays=-1)
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


def test_a_set_off_shows_in_the_history_of_the_invoices_it_cleared(firms):
    ab = issue(firms, "A", "B", "50.00")
    ba = issue(firms, "B", "A", "20.00")
    run = firms["T"].data(PROPOSE, input={"method": "SET_OFF"})["proposeClearing"]["run"]
    assert firms["T"].data(POST, input={"runId": run["id"]})["postClearing"]["errors"] == []
    history = detail(firms["T"], ab["id"])["history"]
    assert [h["kind"] for h in history] == ["ISSUED", "ACCEPTED", "CLEARED"]
    assert history[-1]["amount"] == {"amount": "20.00"} and history[-1]["runId"] == run["id"]
    assert detail(firms["A"], ba["id"])["status"] == "PAID"


def test_a_page_of_histories_costs_the_same_whatever_its_length(firms, engine):
    for n in range(8):
        invoice = issue(firms, "A", "B", f"{n + 1}.00")
        firms["B"].data(PAY, input={"invoiceId": invoice["id"], "amount": "0.50"})
    query = REGISTER % HISTORY
    costs = []
    for first in (2, 8):
        with sql_statements(engine) as statements:
            firms["T"].data(query, first=first)
        costs.append(len(statements))
    assert costs[0] == costs[1], costs


RACERS = 16


@pytest.mark.slow
def test_corrections_racing_payments_never_pay_beyond_the_amount(firms, app):
    """Half the threads pay 10.00, half correct the amount down by 5.00: whatever the order, the
    invoice's outstanding is its amount less its payments, and never below zero."""
    invoice = issue(firms, "A", "B", "100.00")
    barrier = threading.Barrier(RACERS)
    amounts = iter(range(9500, 9500 - 500 * RACERS, -500))
    corrections = [f"{next(amounts) / 100:.2f}" for _ in range(RACERS // 2)]

    def act(i):
        barrier.wait()
        if i % 2:
            return firms["B"].data(PAY, input={"invoiceId": invoice["id"], "amount": "10.00", "idempotencyKey": f"race-{i}"})["payInvoice"]
        return firms["T"].data(CORRECT, input={"invoiceId": invoice["id"], "amount": corrections[i // 2], "reason": f"course {i}"})["correctInvoice"]

    with ThreadPoolExecutor(RACERS) as pool:
        results = list(pool.map(act, range(RACERS)))
    assert all(r["errors"] == [] or r["errors"][0]["code"] in ("INVALID", "INVALID_STATE") for r in results), results
    with app.app_context():
        session = get_session()
        row = session.get(Invoice, int(invoice["number"]))
        paid = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(InvoicePayment.amount), 0)).where(InvoicePayment.invoice_id == row.id))
        assert row.outstanding == row.amount - paid >= 0
        assert (row.status == InvoiceStatus.PAID) == (row.outstanding == 0)
        assert invariant_violations(session) == []
