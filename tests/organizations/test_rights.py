"""Spending for one's organisation: each action checks its own right, the manager grants them,
Member.account follows them, and a refusal says whom to ask."""
import logging

from tests.api.catalog_helpers import ACCOUNT, BOOK, CREATE_RESOURCE, base_time, iso
from tests.conftest import GraphQLClient
from tests.organizations.org_helpers import RIGHTS, VIEWER, grant, pay, set_rights, workshop

ISSUE = """mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { id } errors { code field message } } }"""
ACCEPT = """mutation($input: InvoiceActionInput!) { acceptInvoice(input: $input) { invoice { status } errors { code message } } }"""
PAY_INVOICE = """mutation($input: PayInvoiceInput!) { payInvoice(input: $input) { invoice { status } errors { code message } } }"""


def book_saw(w, client, days=10, hours=4, **extra):
    start = base_time(days)
    return client.data(BOOK, input={
        "resourceId": w.saw["id"], "start": iso(start), "end": iso(start.replace(hour=8 + hours)), **extra,
    })["bookResource"]


def test_a_member_without_rights_is_refused_everywhere_with_whom_to_ask(app, make_member):
    w = workshop(app, make_member)
    booked = book_saw(w, w.worker)
    assert booked["booking"] is None
    assert [(e["code"], e["message"]) for e in booked["errors"]] == [(
        "FORBIDDEN", "Vous n’avez pas le droit de réserver pour Atelier Bois & Vie. Demandez-le à Sophie Gay, son gérant.",
    )]
    paid = pay(w.worker, w.supplier_account_id, "5.00")
    assert [e["code"] for e in paid["errors"]] == ["FORBIDDEN"] and "Sophie Gay" in paid["errors"][0]["message"]
    listed = w.worker.data(CREATE_RESOURCE, input={"kind": "TOOL", "title": "Rabot", "price": "5.00", "priceUnit": "DAY"})
    assert [e["code"] for e in listed["createResource"]["errors"]] == ["FORBIDDEN"]
    assert "proposer des ressources" in listed["createResource"]["errors"][0]["message"]
    # Their account is their own (a personal one), not the workshop's.
    assert w.worker.data(VIEWER)["viewer"]["account"]["kind"] == "MEMBER"


def test_each_right_opens_its_own_action_and_the_organisations_account(app, make_member):
    w = workshop(app, make_member)
    rights = grant(w.manager, w.worker_id, canBook=True)
    assert rights["canBook"] and not rights["canPay"] and not rights["isManager"]
    viewer = w.worker.data(VIEWER)["viewer"]
    assert viewer["account"] == {"id": w.account_id, "name": "Atelier Bois & Vie", "kind": "ORGANIZATION"}
    booked = book_saw(w, w.worker)
    assert booked["errors"] == [] and booked["booking"]["booker"]["name"] == "Karim Benali"
    assert w.manager.data(ACCOUNT)["viewer"]["account"]["onHold"] == {"amount": "20.00"}  # on the workshop's account
    # Booking is not paying.
    assert [e["code"] for e in pay(w.worker, w.supplier_account_id, "5.00")["errors"]] == ["FORBIDDEN"]
    grant(w.manager, w.worker_id, canBook=True, canPay=True)
    paid = pay(w.worker, w.supplier_account_id, "5.00", memo="Affûtage")
    assert paid["errors"] == []
    assert paid["transfer"]["fromName"] == "Atelier Bois & Vie"
    assert paid["transfer"]["actor"] == {"id": w.worker_id, "name": "Karim Benali"}
    # Listing resources is its own right too.
    listed = w.worker.data(CREATE_RESOURCE, input={"kind": "TOOL", "title": "Rabot", "price": "5.00", "priceUnit": "DAY"})
    assert [e["code"] for e in listed["createResource"]["errors"]] == ["FORBIDDEN"]
    grant(w.manager, w.worker_id, canListResources=True)
    listed = w.worker.data(CREATE_RESOURCE, input={"kind": "TOOL", "title": "Rabot", "price": "5.00", "priceUnit": "DAY"})
    assert listed["createResource"]["errors"] == [] and listed["createResource"]["resource"]["ownerName"] == "Atelier Bois & Vie"
    # Without any right to spend, the workshop's account is no longer theirs to pay from.
    assert w.worker.data(VIEWER)["viewer"]["account"]["kind"] == "MEMBER"
    assert [e["code"] for e in book_saw(w, w.worker, days=20)["errors"]] == ["FORBIDDEN"]


def test_invoices_need_the_right_to_handle_them(app, make_member):
    w = workshop(app, make_member)
    issued = w.supplier.data(ISSUE, input={"debtorAccountId": w.account_id, "amount": "30.00"})["issueInvoice"]
    invoice_id = issued["invoice"]["id"]
    grant(w.manager, w.worker_id, canBook=True, canPay=True)
    # The worker sees the workshop's invoices now (they act for its account) but may not settle them.
    refused = w.worker.data(ACCEPT, input={"invoiceId": invoice_id})["acceptInvoice"]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert "gérer les factures" in refused["errors"][0]["message"]
    refused = w.worker.data(PAY_INVOICE, input={"invoiceId": invoice_id})["payInvoice"]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    grant(w.manager, w.worker_id, canHandleInvoices=True)
    assert w.worker.data(ACCEPT, input={"invoiceId": invoice_id})["acceptInvoice"]["invoice"]["status"] == "ACCEPTED"
    assert w.worker.data(PAY_INVOICE, input={"invoiceId": invoice_id})["payInvoice"]["invoice"]["status"] == "PAID"
    statement = w.manager.data(
        """query($id: ID!) { node(id: $id) { ... on Account { transfers(first: 5) { nodes { kind actor { name } } } } } }""",
        id=w.account_id,
    )["node"]["transfers"]["nodes"]
    assert statement[0] == {"kind": "INVOICE", "actor": {"name": "Karim Benali"}}


def test_who_sets_rights_and_who_sees_them(app, make_member, admin_api, caplog):
    w = workshop(app, make_member)
    # Not the member themself, not another organisation's manager.
    for client in (w.worker, w.supplier):
        result = set_rights(client, w.worker_id, canBook=True)
        assert [e["code"] for e in result["errors"]] == ["FORBIDDEN"]
        assert "Atelier Bois & Vie" in result["errors"][0]["message"]
    # The admin may; the manager may, and it is logged.
    assert grant(admin_api, w.worker_id, canPay=True)["canPay"]
    with caplog.at_level(logging.INFO, logger="alveole.organizations"):
        rights = grant(w.manager, w.worker_id, canBook=True, bookingCap="50.00", monthlyCap="200,00")
    assert (rights["canPay"], rights["bookingCap"], rights["monthlyCap"]) == (False, {"amount": "50.00"}, {"amount": "200.00"})
    assert any("rights of member" in r.getMessage() for r in caplog.records)
    # The manager's own rights are all of them.
    result = set_rights(w.manager, w.manager_id, canBook=False)
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID_STATE", ["memberId"])]
    assert w.manager.data(RIGHTS, id=w.manager_id)["node"]["rights"]["isManager"] is True
    # A bad cap is an INVALID on its field, in French.
    result = set_rights(w.manager, w.worker_id, canBook=True, monthlyCap="-5")
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", ["monthlyCap"])]
    # Seen by the member, the manager, the admin; not by another organisation.
    for client in (w.worker, w.manager, admin_api):
        assert client.data(RIGHTS, id=w.worker_id)["node"]["rights"]["canBook"] is True
    assert w.supplier.data(RIGHTS, id=w.worker_id)["node"]["rights"] is None
    # A member without an organisation has no rights to show.
    loner = GraphQLClient(app.test_client()).login(make_member(name="Sans structure"))
    assert loner.data(RIGHTS, id=loner.data(VIEWER)["viewer"]["id"])["node"]["rights"] is None
