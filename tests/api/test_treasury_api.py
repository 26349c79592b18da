"""Invoices and clearing through GraphQL: the contract, permissions, errors, atomicity."""
import pytest
import sqlalchemy as sa

from app.database import get_session
from app.treasury import bulk
from models import ClearingRun, ClearingRunStatus, Invoice, Posting, Role, Transfer
from tests.conftest import GraphQLClient

INVOICE_FIELDS = "id number status memo dueDate overdue amount { amount currency } outstanding { amount } creditor { id name } debtor { id name account { id } } viewerIsDebtor viewerIsCreditor"
ISSUE = "mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { %s } errors { code field message } } }" % INVOICE_FIELDS
ACCEPT = "mutation($input: InvoiceActionInput!) { acceptInvoice(input: $input) { invoice { status } errors { code field message } } }"
REJECT = "mutation($input: InvoiceActionInput!) { rejectInvoice(input: $input) { invoice { status } errors { code field message } } }"
CANCEL = "mutation($input: CancelInvoiceInput!) { cancelInvoice(input: $input) { invoice { status } errors { code field message } } }"
PAY = "mutation($input: PayInvoiceInput!) { payInvoice(input: $input) { invoice { status outstanding { amount } } errors { code field message } } }"
RUN_FIELDS = "id status method grossBefore { amount } cleared { amount } grossAfter { amount } percentCleared invoiceCount createdAt stale"
PROPOSE = "mutation($input: ProposeClearingInput) { proposeClearing(input: $input) { run { %s } errors { code field message } } }" % RUN_FIELDS
POST = "mutation($input: ClearingRunInput!) { postClearing(input: $input) { run { %s } errors { code field message } } }" % RUN_FIELDS
DISCARD = "mutation($input: ClearingRunInput!) { discardClearing(input: $input) { run { status } errors { code message } } }"
LIST = "query($status: [InvoiceStatus!], $direction: InvoiceDirection, $first: Int) { invoices(status: $status, direction: $direction, first: $first) { totalCount nodes { %s } } }" % INVOICE_FIELDS
ACCOUNT = "{ viewer { account { id balance { amount } } } }"
RUN = "query($id: ID!) { node(id: $id) { ... on ClearingRun { %s positions(first: 10) { nodes { account { name } payableBefore { amount } payableCleared { amount } payableAfter { amount } receivableAfter { amount } } } lines(first: 10) { totalCount nodes { invoiceNumber amount { amount } outstandingBefore { amount } } } } } }" % RUN_FIELDS


@pytest.fixture
def firms(app, make_member):
    """Three signed-in firm managers A, B, C with 1000.00 limits, and the treasurer."""
    clients = {}
    for key in "ABC":
        email = make_member(name=f"Manager {key}", organization=f"Firm {key}", credit_limit=100_000, language="en")
        clients[key] = GraphQLClient(app.test_client()).login(email)
    clients["T"] = GraphQLClient(app.test_client()).login(make_member(role=Role.TREASURER, language="en"))
    clients["accounts"] = {key: clients[key].data(ACCOUNT)["viewer"]["account"]["id"] for key in "ABC"}
    return clients


def issue(firms, creditor, debtor, amount, accept=True, **extra):
    result = firms[creditor].data(ISSUE, input={"debtorAccountId": firms["accounts"][debtor], "amount": amount, **extra})
    assert result["issueInvoice"]["errors"] == [], result
    invoice = result["issueInvoice"]["invoice"]
    if accept:
        assert firms[debtor].data(ACCEPT, input={"invoiceId": invoice["id"]})["acceptInvoice"]["errors"] == []
    return invoice


def test_invoice_life_cycle(firms):
    invoice = issue(firms, "A", "B", "120.50", accept=False, memo="Sciage de 3 m³", dueDate="2099-01-31")
    assert invoice["status"] == "ISSUED"
    assert invoice["amount"] == {"amount": "120.50", "currency": "ALV"}
    assert invoice["creditor"]["name"] == "Firm A" and invoice["debtor"]["name"] == "Firm B"
    assert invoice["debtor"]["account"] is None  # A may not see B's account
    assert invoice["viewerIsCreditor"] and not invoice["viewerIsDebtor"]
    assert invoice["dueDate"] == "2099-01-31"

    to_pay = firms["B"].data(LIST, direction="TO_PAY")["invoices"]
    assert [i["id"] for i in to_pay["nodes"]] == [invoice["id"]] and to_pay["nodes"][0]["viewerIsDebtor"]
    assert firms["B"].data(LIST, direction="TO_COLLECT")["invoices"]["totalCount"] == 0
    assert firms["C"].data(LIST)["invoices"]["totalCount"] == 0
    assert firms["T"].data(LIST)["invoices"]["totalCount"] == 1

    assert firms["B"].data(ACCEPT, input={"invoiceId": invoice["id"]})["acceptInvoice"]["invoice"]["status"] == "ACCEPTED"
    paid = firms["B"].data(PAY, input={"invoiceId": invoice["id"], "amount": "20.50", "idempotencyKey": "k1"})["payInvoice"]
    assert paid["invoice"] == {"status": "ACCEPTED", "outstanding": {"amount": "100.00"}}
    again = firms["B"].data(PAY, input={"invoiceId": invoice["id"], "amount": "20.50", "idempotencyKey": "k1"})["payInvoice"]
    assert again["invoice"]["outstanding"] == {"amount": "100.00"}  # the retry paid nothing more
    paid = firms["B"].data(PAY, input={"invoiceId": invoice["id"]})["payInvoice"]
    assert paid["invoice"] == {"status": "PAID", "outstanding": {"amount": "0.00"}}
    assert firms["A"].data(ACCOUNT)["viewer"]["account"]["balance"] == {"amount": "120.50"}
    assert firms["B"].data(ACCOUNT)["viewer"]["account"]["balance"] == {"amount": "-120.50"}


def test_errors_come_back_in_the_payload_in_the_members_language(firms):
    bad = firms["A"].data(ISSUE, input={"debtorAccountId": firms["accounts"]["B"], "amount": "12.345"})["issueInvoice"]
    assert bad["invoice"] is None
    assert bad["errors"] == [{"code": "INVALID", "field": ["amount"], "message": "An amount has at most two decimals."}]
    bad = firms["A"].data(ISSUE, input={"debtorAccountId": "nonsense", "amount": "1.00"})["issueInvoice"]
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("NOT_FOUND", ["debtorAccountId"])]
    invoice = issue(firms, "A", "B", "2000.00", accept=True)
    over = firms["B"].data(PAY, input={"invoiceId": invoice["id"]})["payInvoice"]
    assert [e["code"] for e in over["errors"]] == ["CREDIT_LIMIT_EXCEEDED"]
    assert firms["C"].data(PAY, input={"invoiceId": invoice["id"]})["payInvoice"]["errors"][0]["code"] == "NOT_FOUND"
    assert firms["B"].data(CANCEL, input={"invoiceId": invoice["id"]})["cancelInvoice"]["errors"][0]["code"] == "FORBIDDEN"
    assert firms["A"].data(CANCEL, input={"invoiceId": invoice["id"]})["cancelInvoice"]["invoice"]["status"] == "CANCELLED"
    rejected = issue(firms, "C", "A", "5.00", accept=False)
    assert firms["A"].data(REJECT, input={"invoiceId": rejected["id"]})["rejectInvoice"]["invoice"]["status"] == "REJECTED"


def test_a_french_member_reads_errors_in_french(app, make_member):
    client = GraphQLClient(app.test_client()).login(make_member(organization="Scierie", credit_limit=1000))
    own = client.data(ACCOUNT)["viewer"]["account"]["id"]
    errors = client.data(ISSUE, input={"debtorAccountId": own, "amount": "1.00"})["issueInvoice"]["errors"]
    assert errors == [{"code": "INVALID", "field": ["debtorAccountId"], "message": "Vous ne pouvez pas vous facturer vous-même."}]


def test_clearing_through_the_api(firms):
    issue(firms, "B", "A", "100.00")
    issue(firms, "C", "B", "70.00")
    issue(firms, "A", "C", "50.00")
    member_try = firms["A"].data(PROPOSE)["proposeClearing"]
    assert [e["code"] for e in member_try["errors"]] == ["FORBIDDEN"]
    assert "errors" in firms["A"].gql("{ clearingRuns { totalCount } }")

    run = firms["T"].data(PROPOSE)["proposeClearing"]["run"]
    assert run["status"] == "PROPOSED" and not run["stale"]
    assert (run["grossBefore"], run["cleared"], run["grossAfter"]) == ({"amount": "220.00"}, {"amount": "150.00"}, {"amount": "70.00"})
    assert (run["percentCleared"], run["invoiceCount"]) == (68.18, 3)
    detail = firms["T"].data(RUN, id=run["id"])["node"]
    positions = {p["account"]["name"]: p for p in detail["positions"]["nodes"]}
    assert positions["Firm A"]["payableBefore"] == {"amount": "100.00"}
    assert positions["Firm A"]["payableCleared"] == {"amount": "50.00"}
    assert positions["Firm A"]["payableAfter"] == {"amount": "50.00"}
    assert positions["Firm A"]["receivableAfter"] == {"amount": "0.00"}
    assert detail["lines"]["totalCount"] == 3
    assert firms["A"].data(RUN, id=run["id"])["node"] is None

    posted = firms["T"].data(POST, input={"runId": run["id"]})["postClearing"]
    assert posted["errors"] == [] and posted["run"]["status"] == "POSTED"
    assert firms["T"].data("{ clearingRuns(first: 5) { totalCount nodes { id status } } }")["clearingRuns"]["nodes"] == [
        {"id": run["id"], "status": "POSTED"}
    ]
    again = firms["T"].data(POST, input={"runId": run["id"]})["postClearing"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]
    assert firms["A"].data(ACCOUNT)["viewer"]["account"]["balance"] == {"amount": "0.00"}


STATEMENT = "query($id: ID!) { node(id: $id) { ... on Account { statement { nodes { amount { amount } balanceAfter { amount } counterparty memo transfer { kind reversible } } } transfers { nodes { kind } } } } }"


def test_a_posted_set_off_reads_as_two_lines_on_each_statement(app, firms):
    issue(firms, "B", "A", "100.00")
    issue(firms, "C", "B", "70.00")
    issue(firms, "A", "C", "50.00")
    run = firms["T"].data(PROPOSE)["proposeClearing"]["run"]
    assert firms["T"].data(POST, input={"runId": run["id"]})["postClearing"]["errors"] == []
    with app.app_context():
        number = get_session().scalar(sa.select(ClearingRun.id))
    account = firms["A"].data(STATEMENT, id=firms["accounts"]["A"])["node"]
    lines = [(line["amount"]["amount"], line["balanceAfter"]["amount"], line["counterparty"], line["memo"],
              line["transfer"]["kind"], line["transfer"]["reversible"]) for line in account["statement"]["nodes"]]
    assert lines == [
        ("-50.00", "-50.00", "", f"Multilateral clearing No. {number}: your invoices settled", "CLEARING", False),
        ("50.00", "0.00", "", f"Multilateral clearing No. {number}: invoices settled in your favour", "CLEARING", False),
    ]
    # The run is one entry for all its accounts (its amount is the whole run's): not a transfer of A's.
    assert account["transfers"]["nodes"] == []
    # The statement page, in French, links the lines to the invoices.
    with firms["A"].client.session_transaction() as browser:
        browser["lang"] = "fr"  # the header's language toggle
    page = firms["A"].client.get("/account/statement").get_data(as_text=True)
    assert f"Compensation multilatérale n°\u00a0{number}\u00a0: vos factures réglées" in page
    assert f"Compensation multilatérale n°\u00a0{number}\u00a0: factures réglées en votre faveur" in page
    assert 'href="/invoices"' in page


def test_stale_proposal_is_refused_with_code_stale(firms):
    invoice = issue(firms, "B", "A", "100.00")
    issue(firms, "A", "B", "40.00")
    run = firms["T"].data(PROPOSE)["proposeClearing"]["run"]
    firms["A"].data(PAY, input={"invoiceId": invoice["id"], "amount": "1.00"})
    assert firms["T"].data(RUN, id=run["id"])["node"]["stale"] is True
    refused = firms["T"].data(POST, input={"runId": run["id"]})["postClearing"]
    assert refused["run"] is None and [e["code"] for e in refused["errors"]] == ["STALE"]
    assert firms["T"].data(DISCARD, input={"runId": run["id"]})["discardClearing"]["run"]["status"] == "DISCARDED"


def test_posting_that_fails_halfway_writes_nothing(app, firms, monkeypatch):
    issue(firms, "B", "A", "100.00")
    issue(firms, "C", "B", "70.00")
    issue(firms, "A", "C", "50.00")
    run = firms["T"].data(PROPOSE)["proposeClearing"]["run"]
    real_insert = bulk.insert_rows

    def failing_insert(session, table, columns, rows):
        if table == "postings":  # the invoices are reduced and the entries written...
            raise RuntimeError("connection lost")  # ...then the posting breaks
        real_insert(session, table, columns, rows)

    monkeypatch.setattr(bulk, "insert_rows", failing_insert)
    body = firms["T"].gql(POST, input={"runId": run["id"]})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    # The request's app context is gone; look with a fresh session (no client shares it).
    with app.app_context():
        db = get_session()
        assert db.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 0
        assert db.scalar(sa.select(sa.func.count()).select_from(Posting)) == 0
        assert sorted(db.scalars(sa.select(Invoice.outstanding))) == [5_000, 7_000, 10_000]
        assert db.scalar(sa.select(ClearingRun.status)) == ClearingRunStatus.PROPOSED


def test_settling_with_mutual_credit(firms):
    issue(firms, "B", "A", "300.00")
    issue(firms, "C", "B", "50.00")
    run = firms["T"].data(PROPOSE, input={"method": "CREDIT_TRANSFERS"})["proposeClearing"]["run"]
    assert run["method"] == "CREDIT_TRANSFERS" and run["cleared"] == {"amount": "350.00"}
    assert firms["T"].data(POST, input={"runId": run["id"]})["postClearing"]["run"]["status"] == "POSTED"
    assert firms["A"].data(ACCOUNT)["viewer"]["account"]["balance"] == {"amount": "-300.00"}
    assert firms["B"].data(ACCOUNT)["viewer"]["account"]["balance"] == {"amount": "250.00"}
    assert firms["A"].data(LIST, status=["PAID"])["invoices"]["totalCount"] == 1


def test_first_above_100_is_invalid(firms):
    body = firms["A"].gql(LIST, first=101)
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


def test_anonymous_cannot_list_or_issue(api):
    assert api.gql(LIST)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    result = api.data(ISSUE, input={"debtorAccountId": "x", "amount": "1.00"})["issueInvoice"]
    assert [e["code"] for e in result["errors"]] == ["UNAUTHENTICATED"]


def test_statements_are_visible_to_their_account_and_the_treasurer(firms, app):
    import datetime as dt

    from models import Posting

    issue(firms, "A", "B", "10.00")
    invoice = firms["B"].data(LIST, direction="TO_PAY")["invoices"]["nodes"][0]
    firms["B"].data(PAY, input={"invoiceId": invoice["id"]})
    last_month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    with app.app_context():
        session = get_session()
        session.execute(sa.update(Posting).values(created_at=dt.datetime.combine(last_month, dt.time(9), dt.timezone.utc)))
        session.commit()
    close = "mutation($input: ClosePeriodInput!) { closePeriod(input: $input) { periodClose { id month } errors { code field message } } }"
    month = f"{last_month:%Y-%m}"
    assert firms["A"].data(close, input={"month": month})["closePeriod"]["errors"][0]["code"] == "FORBIDDEN"
    bad = firms["T"].data(close, input={"month": "2026-13"})["closePeriod"]["errors"]
    assert [(e["code"], e["field"]) for e in bad] == [("INVALID", ["month"])]
    closed = firms["T"].data(close, input={"month": month})["closePeriod"]
    assert closed["errors"] == [] and closed["periodClose"]["month"] == month
    # The audit trail names the month as the pages do ("oct. 2026"), not "2026-10".
    from babel.dates import format_date

    trail = firms["T"].client.get("/audit").get_data(as_text=True)
    assert month not in trail
    assert any(format_date(last_month, "MMM y", locale=lang) in trail for lang in ("fr_FR", "en_GB"))
    statements = "query($id: ID!) { node(id: $id) { ... on PeriodClose { statements(first: 50) { nodes { id accountName closingBalance { amount } lines { kind amount { amount } } } } } } }"
    everyone = firms["T"].data(statements, id=closed["periodClose"]["id"])["node"]["statements"]["nodes"]
    assert {s["accountName"] for s in everyone} >= {"Firm A", "Firm B", "Firm C"}
    mine = firms["B"].data(statements, id=closed["periodClose"]["id"])["node"]["statements"]["nodes"]
    assert [(s["accountName"], s["closingBalance"]["amount"]) for s in mine] == [("Firm B", "-10.00")]
    assert mine[0]["lines"] == [{"kind": "INVOICE", "amount": {"amount": "-10.00"}}]
    others = [s["id"] for s in everyone if s["accountName"] == "Firm A"]
    single = "query($id: ID!) { node(id: $id) { ... on AccountStatement { accountName } } }"
    assert firms["B"].data(single, id=others[0])["node"] is None
    assert firms["A"].data(single, id=others[0])["node"] == {"accountName": "Firm A"}


def test_the_list_of_runs_costs_the_same_queries_whatever_its_length(firms, app):
    """No N+1: listing 1 or 4 proposals (with `stale`) runs the same number of statements."""
    issue(firms, "B", "A", "100.00")
    issue(firms, "A", "B", "40.00")
    runs_query = "{ clearingRuns(first: 20) { nodes { id stale cleared { amount } } } }"

    def statements_for_listing():
        engine = app.extensions["db_engine"]
        count = []
        listener = lambda *args: count.append(1)  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            firms["T"].data(runs_query)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(count)

    firms["T"].data(PROPOSE)
    one = statements_for_listing()
    for _ in range(3):
        firms["T"].data(PROPOSE)
    assert statements_for_listing() == one
