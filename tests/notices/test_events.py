"""Every event of the issue's list reaches the right side, once: invoices, payments, clearing,
credit limits and their warning level (bookings and reminders: the other test files)."""
from tests.api.test_treasury_api import ACCEPT, PAY, POST, PROPOSE, REJECT, firms, issue  # noqa: F401 (fixture)
from tests.conftest import GraphQLClient
from tests.ledger.test_ledger_api import SET_LIMIT, TRANSFER
from tests.notices.notices_helpers import kinds, notices

ACCOUNT = "{ viewer { account { id } } }"


def test_invoice_events_tell_the_other_side(firms):  # noqa: F811 (the fixture)
    invoice = issue(firms, "A", "B", "120.50", accept=False, memo="Sciage", dueDate="2099-01-31")
    [received] = notices(firms["B"])
    assert received["kind"] == "INVOICE_RECEIVED" and received["link"] == "/invoices"
    assert received["message"] == (f"Firm A sent you invoice No. {invoice['number']} for 120.50\u00a0ALV, due 31 Jan 2099. — Sciage")
    assert kinds(firms["A"]) == []
    assert firms["B"].data(ACCEPT, input={"invoiceId": invoice["id"]})["acceptInvoice"]["errors"] == []
    assert kinds(firms["A"]) == ["INVOICE_ACCEPTED"]
    paid = firms["B"].data(PAY, input={"invoiceId": invoice["id"], "amount": "20.50"})["payInvoice"]
    assert paid["errors"] == []
    assert kinds(firms["A"]) == ["INVOICE_PAID", "INVOICE_ACCEPTED"]
    assert notices(firms["A"])[0]["message"] == f"Firm B paid 20.50\u00a0ALV on invoice No. {invoice['number']}."
    other = issue(firms, "C", "B", "10.00", accept=False)
    assert firms["B"].data(REJECT, input={"invoiceId": other["id"]})["rejectInvoice"]["errors"] == []
    assert kinds(firms["C"]) == ["INVOICE_REJECTED"]


def test_a_posted_clearing_tells_each_account_once(firms):  # noqa: F811 (the fixture)
    issue(firms, "A", "B", "100.00")
    issue(firms, "B", "C", "100.00")
    issue(firms, "C", "A", "60.00")
    run = firms["T"].data(PROPOSE)["proposeClearing"]["run"]
    assert firms["T"].data(POST, input={"runId": run["id"]})["postClearing"]["errors"] == []
    for key in "ABC":
        clearing = [n for n in notices(firms[key]) if n["kind"] == "CLEARING_POSTED"]
        assert len(clearing) == 1, key
    [for_a] = [n for n in notices(firms["A"]) if n["kind"] == "CLEARING_POSTED"]
    # A's invoices: 60.00 cleared on the one it issued to B and 60.00 on the one it owed C.
    assert for_a["message"].endswith("settled 120.00\u00a0ALV on your invoices (2 invoices changed).")


def test_payments_limits_and_warning_levels(app, make_member, treasurer_api):
    payer = GraphQLClient(app.test_client()).login(make_member(name="Paul", organization="Menuiserie Vuarnet", credit_limit=10_000, language="en"))
    payee = GraphQLClient(app.test_client()).login(make_member(organization="Scierie du Giffre", language="en"))
    to = payee.data(ACCOUNT)["viewer"]["account"]["id"]
    mine = payer.data(ACCOUNT)["viewer"]["account"]["id"]

    def pay(amount):
        result = payer.data(TRANSFER, input={"toAccountId": to, "amount": amount, "memo": "Planches"})["transfer"]
        assert result["errors"] == [], result

    pay("50.00")
    assert kinds(payee) == ["PAYMENT_RECEIVED"] and kinds(payer) == []
    assert notices(payee)[0]["message"] == "Menuiserie Vuarnet paid 50.00\u00a0ALV to Scierie du Giffre. — Planches"
    pay("35.00")  # 85 % of the 100.00 limit: past the warning level (80 %)
    assert kinds(payer) == ["ACCOUNT_NEAR_LIMIT"]
    assert notices(payer)[0]["message"] == ("The account Menuiserie Vuarnet uses 85 % of its credit limit "
                                           "(balance \u221285.00\u00a0ALV).")
    pay("5.00")  # still past it: not told again
    assert kinds(payer) == ["ACCOUNT_NEAR_LIMIT"]
    pay("10.00")  # at the limit
    assert kinds(payer) == ["ACCOUNT_AT_LIMIT", "ACCOUNT_NEAR_LIMIT"]
    changed = treasurer_api.data(SET_LIMIT, input={"accountId": mine, "creditLimit": "300.00", "reason": "Chantier"})
    assert changed["setCreditLimit"]["errors"] == []
    assert kinds(payer)[0] == "CREDIT_LIMIT_CHANGED"
    assert notices(payer)[0]["message"] == ("The credit limit of Menuiserie Vuarnet changed from 100.00\u00a0ALV to 300.00\u00a0ALV. "
                                           "— Chantier")
    assert kinds(payee) == ["PAYMENT_RECEIVED"] * 4
