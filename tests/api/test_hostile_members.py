"""Issue 10, the low findings about members: concurrent retries of one payment, memos copied
past their limit, paying the hub's own accounts, calendar feeds created at once, and the
managers' names shown to anonymous clients."""
import threading

import sqlalchemy as sa

from app.api.relay import parse_global_id, to_global_id
from app.database import get_session
from app.hub import MEMO_LENGTH
from app.ledger.services import accounts
from models import COMMONS, EURO_SETTLEMENT, CalendarFeed, Invoice, InvoicePayment, Transfer
from tests.api.catalog_helpers import create_resource
from tests.conftest import GraphQLClient

ISSUE = """mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } errors { code message } } }"""
PAY = """mutation($input: PayInvoiceInput!) { payInvoice(input: $input) {
  invoice { id status outstanding { amount } } errors { code message } } }"""
TRANSFER = """mutation($input: TransferInput!) { transfer(input: $input) { transfer { id } errors { code field } } }"""
FEED = """mutation($input: CreateCalendarFeedInput!) { createCalendarFeed(input: $input) { url errors { code } } }"""


def _account_id(client: GraphQLClient) -> str:
    return client.data("{ viewer { account { id } } }")["viewer"]["account"]["id"]


def _clients(app, email, count):
    return [GraphQLClient(app.test_client()).login(email) for _ in range(count)]


def _at_once(count, work):
    barrier = threading.Barrier(count)
    results, crashes = [None] * count, []

    def run(n):
        try:
            barrier.wait()
            results[n] = work(n)
        except BaseException as exc:
            crashes.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashes == []
    return results


def _invoice(app, make_member, memo="Location scie", amount="100.00", firms=""):
    # New organisations each time: their first member manages them (and handles their invoices).
    creditor_email = make_member(organization=f"Scierie{firms}", credit_limit=100_000)
    debtor_email = make_member(organization=f"Charpentes{firms}", credit_limit=100_000)
    creditor = GraphQLClient(app.test_client()).login(creditor_email)
    debtor = GraphQLClient(app.test_client()).login(debtor_email)
    issued = creditor.data(ISSUE, input={"debtorAccountId": _account_id(debtor), "amount": amount, "memo": memo})
    assert issued["issueInvoice"]["errors"] == [], issued
    return issued["issueInvoice"]["invoice"]["id"], debtor_email, debtor


def _pay_at_once(app, make_member, amount):
    invoice_id, debtor_email, _ = _invoice(app, make_member, firms=f" {amount}")
    clients = _clients(app, debtor_email, 8)
    bodies = _at_once(8, lambda n: clients[n].gql(PAY, input={"invoiceId": invoice_id, "amount": amount, "idempotencyKey": "once"}))
    with app.app_context():
        session = get_session()
        payments = session.scalar(sa.select(sa.func.count()).select_from(InvoicePayment))
        outstanding = session.scalar(sa.select(Invoice.outstanding))
    return bodies, payments, outstanding


def test_eight_concurrent_payments_with_one_key_pay_once_and_all_get_the_first_result(app, make_member):
    for amount, left in (("10.00", "90.00"), (None, "0.00")):
        bodies, payments, _ = _pay_at_once(app, make_member, amount)
        assert all("errors" not in body for body in bodies), [b.get("errors") for b in bodies]
        results = [body["data"]["payInvoice"] for body in bodies]
        assert all(result["errors"] == [] for result in results), results
        assert {result["invoice"]["outstanding"]["amount"] for result in results} == {left}
        assert payments == 1
        with app.app_context():
            session = get_session()
            session.execute(sa.delete(InvoicePayment))
            session.execute(sa.delete(Invoice))
            session.commit()


def invoice_id_pk(global_id: str) -> int:
    return parse_global_id(global_id)[1]


def test_an_invoice_with_the_longest_memo_can_be_paid_in_credits(app, make_member):
    invoice_id, _, debtor = _invoice(app, make_member, memo="m" * MEMO_LENGTH)
    result = debtor.data(PAY, input={"invoiceId": invoice_id, "idempotencyKey": "k"})["payInvoice"]
    assert result["errors"] == [] and result["invoice"]["status"] == "PAID"
    with app.app_context():
        memo, system = get_session().execute(sa.select(Transfer.memo, Transfer.system_memo).where(Transfer.kind == "INVOICE")).one()
    # The member's memo travels whole; the hub's part ("Invoice No. n") is stored apart, as a key.
    assert memo == "m" * MEMO_LENGTH and system == {"key": "invoice_payment", "args": {"number": int(invoice_id_pk(invoice_id))}}


def test_a_transfer_to_a_system_account_is_refused_like_an_invoice_to_one(app, member_api):
    with app.app_context():
        session = get_session()
        system_ids = [accounts.system_account(session, code).id for code in (COMMONS, EURO_SETTLEMENT)]
        session.commit()
    assert system_ids
    for pk in system_ids:
        result = member_api.data(TRANSFER, input={"toAccountId": to_global_id("Account", pk), "amount": "1.00"})["transfer"]
        assert result["transfer"] is None and result["errors"][0]["code"] == "NOT_FOUND"
        assert result["errors"][0]["field"] == ["toAccountId"]


def test_eight_concurrent_calendar_feeds_leave_one_per_member_and_scope(app, make_member):
    email = make_member(organization="Atelier", credit_limit=100_000)
    clients = _clients(app, email, 8)
    resource = create_resource(clients[0])
    for scope in ({}, {"resourceId": resource["id"]}):
        bodies = _at_once(8, lambda n, scope=scope: clients[n].gql(FEED, input=scope))
        assert all("errors" not in body and body["data"]["createCalendarFeed"]["errors"] == [] for body in bodies), bodies
        urls = [body["data"]["createCalendarFeed"]["url"] for body in bodies]
        live = [url for url in urls if clients[0].client.get(url.split("localhost", 1)[1]).status_code == 200]
        assert len(live) == 1
    with app.app_context():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 2


def test_anonymous_clients_see_organisations_not_their_managers(api, member_api):
    create_resource(member_api, title="Dégauchisseuse")
    query = "{ resources { nodes { title owner { name manager { name role status } } } } }"
    anonymous = api.data(query)["resources"]["nodes"][0]
    assert anonymous["owner"]["name"] and anonymous["owner"]["manager"] is None
    signed_in = member_api.data(query)["resources"]["nodes"][0]
    assert signed_in["owner"]["manager"]["name"]
