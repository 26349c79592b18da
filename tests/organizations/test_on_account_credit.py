"""A booking left on account reserves no credit but does not skip the credit check: the
account's open on-account debt (unpaid invoices, bookings on account not billed yet), plus the
new booking's price, must fit in what it has available (app.invoices.on_account)."""
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.catalog_helpers import BOOK, account, base_time, create_resource, iso, signed_in

ISSUE = """mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } errors { code message } } }"""


def on_account(client, resource_id, days, **extra):
    start = base_time(10) + dt.timedelta(days=days - 10)  # one day after another, from a Monday
    return client.data(BOOK, input={
        "resourceId": resource_id, "start": iso(start), "end": iso(start + dt.timedelta(hours=4)), "payOnAccount": True, **extra,
    })["bookResource"]


def test_on_account_debt_counts_against_the_credit_limit(app, make_member):
    owner = signed_in(app, make_member, "Scierie", 0)
    saw = create_resource(owner, price="20.00", priceUnit="DAY")
    firm = signed_in(app, make_member, "Menuiserie", 5000)  # 50.00 of credit
    assert on_account(firm, saw["id"], 10)["errors"] == []
    assert on_account(firm, saw["id"], 11)["errors"] == []  # 40.00 owed on account
    assert account(firm)["onHold"] == {"amount": "0.00"}  # nothing reserved, all the same
    refused = on_account(firm, saw["id"], 12)
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("CREDIT_LIMIT_EXCEEDED", ["payOnAccount"])]
    assert refused["errors"][0]["message"] == (
        "Pas assez de crédit pour réserver sur facture\u00a0: 50,00\u00a0ALV disponibles, 40,00\u00a0ALV déjà dus sur facture, "
        "et cette réservation coûte 20,00\u00a0ALV."
    )
    # An unpaid invoice the firm owes counts too, and so does credit held for a booking paid at once.
    other = signed_in(app, make_member, "Ossature", 5000)
    assert on_account(other, saw["id"], 13)["errors"] == []
    issued = owner.data(ISSUE, input={"debtorAccountId": account(other)["id"], "amount": "25.00"})["issueInvoice"]
    assert issued["errors"] == []
    assert [e["code"] for e in on_account(other, saw["id"], 14)["errors"]] == ["CREDIT_LIMIT_EXCEEDED"]
    third = signed_in(app, make_member, "Charpentes", 5000)
    start = base_time(10) + dt.timedelta(days=5)
    held = third.data(BOOK, input={"resourceId": saw["id"], "start": iso(start), "end": iso(start + dt.timedelta(hours=40))})
    assert held["bookResource"]["errors"] == []  # 40.00 on hold
    assert [e["code"] for e in on_account(third, saw["id"], 20)["errors"]] == ["CREDIT_LIMIT_EXCEEDED"]


@pytest.mark.slow
def test_two_bookings_on_account_at_once_cannot_both_pass(app, make_member):
    """Each fits alone, not both: the account row lock checks them one after the other."""
    owner = signed_in(app, make_member, "Scierie", 0)
    tools = [create_resource(owner, title=f"Outil {i}", price="30.00", priceUnit="DAY") for i in range(6)]
    firm_email = make_member(organization="Menuiserie", credit_limit=10_000)  # 100.00: three of them
    from tests.conftest import GraphQLClient

    clients = [GraphQLClient(app.test_client()).login(firm_email) for _ in tools]
    barrier = threading.Barrier(len(clients))

    def attempt(i):
        barrier.wait()
        return on_account(clients[i], tools[i]["id"], 10)

    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(attempt, range(len(clients))))
    assert len([r for r in results if r["booking"]]) == 3
    assert {e["code"] for r in results if not r["booking"] for e in r["errors"]} == {"CREDIT_LIMIT_EXCEEDED"}
