"""The treasurer sets the hub's fee and warning level, and closes empty accounts."""
import re

import sqlalchemy as sa

from models import Account, AccountStatus, Role, Transfer
from tests.conftest import csrf_token, sign_in

SETTINGS = """mutation($input: UpdateLedgerSettingsInput!) {
  updateLedgerSettings(input: $input) {
    settings { transferFeePercent transferFeeMinimum { amount } warningLevelPercent }
    errors { code field message }
  }
}"""
PAY = """mutation($input: TransferInput!) { transfer(input: $input) { transfer { amount { amount } fee { amount } } errors { code } } }"""


def test_fee_policy_applies_to_the_next_payment(treasurer_api, member_api, make_member):
    result = treasurer_api.data(SETTINGS, input={"transferFeePercent": "1.50", "transferFeeMinimum": "0.20", "warningLevelPercent": 70})
    assert result["updateLedgerSettings"] == {
        "settings": {"transferFeePercent": "1.50", "transferFeeMinimum": {"amount": "0.20"}, "warningLevelPercent": 70},
        "errors": [],
    }
    make_member(organization="Payee Org")
    payee = member_api.data('{ payees(search: "Payee Org") { nodes { id } } }')["payees"]["nodes"][0]["id"]
    paid = member_api.data(PAY, input={"toAccountId": payee, "amount": "100.00"})["transfer"]
    assert paid == {"transfer": {"amount": {"amount": "100.00"}, "fee": {"amount": "1.50"}}, "errors": []}


def test_only_the_treasurer_sets_the_policy_and_bad_values_change_nothing(treasurer_api, member_api):
    errors = member_api.data(SETTINGS, input={"transferFeePercent": "5"})["updateLedgerSettings"]["errors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN"]
    for bad, field in [({"transferFeePercent": "101"}, "transferFeePercent"), ({"transferFeePercent": "1.234"}, "transferFeePercent"),
                       ({"warningLevelPercent": 0}, "warningLevelPercent"), ({"transferFeeMinimum": "-1"}, "transferFeeMinimum")]:
        errors = treasurer_api.data(SETTINGS, input=bad)["updateLedgerSettings"]["errors"]
        assert errors[0]["field"] == [field], (bad, errors)
    settings = treasurer_api.data("{ ledgerSettings { transferFeePercent warningLevelPercent } }")["ledgerSettings"]
    assert settings == {"transferFeePercent": "0.00", "warningLevelPercent": 80}
    refused = member_api.gql("{ ledgerSettings { warningLevelPercent } }")
    assert refused["data"] == {"ledgerSettings": None}
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]


def test_treasurer_closes_an_empty_account_from_the_accounts_page(app, make_member, db):
    client = app.test_client()
    make_member(organization="Dormant Org")
    sign_in(client, make_member(role=Role.TREASURER))
    page = client.get("/treasury/accounts?q=Dormant").get_data(as_text=True)
    account_id = re.search(r'name="action" value="close"><input type="hidden" name="account_id" value="([^"]+)"', page).group(1)
    response = client.post("/treasury/accounts", data={"csrf_token": csrf_token(client, "/treasury/accounts"), "action": "close", "account_id": account_id})
    assert response.status_code == 302
    assert db.scalar(sa.select(Account.status).where(Account.name == "Dormant Org")) == AccountStatus.CLOSED
    assert db.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 0


def test_policy_form_explains_a_bad_warning_level(app, make_member):
    client = app.test_client()
    sign_in(client, make_member(role=Role.TREASURER))
    response = client.post("/treasury/accounts", data={
        "csrf_token": csrf_token(client, "/treasury/accounts"), "action": "settings",
        "transfer_fee_percent": "1", "transfer_fee_minimum": "0", "warning_level_percent": "beaucoup",
    })
    assert response.status_code == 400
    assert "Le seuil d" in response.get_data(as_text=True)
