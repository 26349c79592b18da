"""Shared helpers of the organisations tests: an insertion workshop with its manager and a
worker, and the mutations that set rights."""
from dataclasses import dataclass

from tests.api.catalog_helpers import create_resource
from tests.conftest import GraphQLClient

VIEWER = "{ viewer { id name organization { id name } account { id name kind } } }"
SET_RIGHTS = """mutation($input: SetMemberRightsInput!) {
  setMemberRights(input: $input) {
    member { id name rights { isManager canBook canPay canHandleInvoices canListResources canProvideSkills
             bookingCap { amount } monthlyCap { amount } spentThisMonth { amount } } }
    errors { code field message }
  }
}"""
RIGHTS = """query($id: ID!) { node(id: $id) { ... on Member { name rights {
  isManager canBook canPay canHandleInvoices canListResources bookingCap { amount } monthlyCap { amount }
  spentThisMonth { amount } } account { id name kind } } } }"""
TRANSFER = """mutation($input: TransferInput!) {
  transfer(input: $input) {
    transfer { id amount { amount } fromName actor { id name } }
    errors { code field message }
  }
}"""


@dataclass
class Workshop:
    manager: GraphQLClient
    worker: GraphQLClient
    manager_id: str
    worker_id: str
    organization_id: str
    account_id: str
    supplier: GraphQLClient  # another organisation, which owns a saw and gets paid
    supplier_account_id: str
    saw: dict  # 20.00 a day


def workshop(app, make_member, credit_limit: int = 200_000) -> Workshop:
    """L'atelier d'insertion: Sophie manages it (2 000.00 of credit), Karim works there with no
    rights yet; the sawmill next door rents a saw at 20.00 a day."""
    manager = GraphQLClient(app.test_client()).login(
        make_member(name="Sophie Gay", organization="Atelier Bois & Vie", credit_limit=credit_limit)
    )
    worker = GraphQLClient(app.test_client()).login(make_member(name="Karim Benali", organization="Atelier Bois & Vie"))
    supplier = GraphQLClient(app.test_client()).login(
        make_member(name="Marc Duret", organization="Scierie du Giffre", credit_limit=100_000)
    )
    m, w, s = (c.data(VIEWER)["viewer"] for c in (manager, worker, supplier))
    saw = create_resource(supplier, title="Scie à ruban", price="20.00", priceUnit="DAY")
    return Workshop(
        manager=manager, worker=worker, manager_id=m["id"], worker_id=w["id"], organization_id=m["organization"]["id"],
        account_id=m["account"]["id"], supplier=supplier, supplier_account_id=s["account"]["id"], saw=saw,
    )


def set_rights(client: GraphQLClient, member_id: str, **rights) -> dict:
    return client.data(SET_RIGHTS, input={"memberId": member_id, **rights})["setMemberRights"]


def grant(client: GraphQLClient, member_id: str, **rights) -> dict:
    result = set_rights(client, member_id, **rights)
    assert result["errors"] == [], result
    return result["member"]["rights"]


def pay(client: GraphQLClient, to_account_id: str, amount: str, **extra) -> dict:
    return client.data(TRANSFER, input={"toAccountId": to_account_id, "amount": amount, **extra})["transfer"]
