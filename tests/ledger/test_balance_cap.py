"""The positive balance cap: the treasurer sets it with the credit limit (API and accounts
page), it is kept in the limit history, and the ledger enforces it."""
import pytest

from models import Role
from tests.conftest import GraphQLClient, csrf_token, page_client
from tests.ledger.test_ledger_api import pay

SET_LIMITS = """mutation($input: SetCreditLimitInput!) {
  setCreditLimit(input: $input) {
    account { id creditLimit { amount } balanceCap { amount currency }
      limitHistory { oldLimit { amount } newLimit { amount } oldBalanceCap { amount } newBalanceCap { amount } reason changedByName } }
    errors { code field message }
  }
}"""


def set_limits(client, account_id, **fields):
    return client.data(SET_LIMITS, input={"accountId": account_id, "creditLimit": "100.00", **fields})["setCreditLimit"]


def test_the_treasurer_sets_a_cap_with_the_limit_and_it_is_kept_in_the_history(three):
    clients, ids = three
    result = set_limits(clients["treasurer"], ids["bob"], creditLimit="150.00", balanceCap="40.00", reason="Nouveau membre")
    assert result["errors"] == []
    assert result["account"]["creditLimit"] == {"amount": "150.00"}
    assert result["account"]["balanceCap"] == {"amount": "40.00", "currency": "ALV"}
    assert result["account"]["limitHistory"][0] == {
        "oldLimit": {"amount": "100.00"}, "newLimit": {"amount": "150.00"},
        "oldBalanceCap": None, "newBalanceCap": {"amount": "40.00"},
        "reason": "Nouveau membre", "changedByName": "Trésorerie",
    }
    # Left out, the cap stays; null removes it. Each call is one more line of history.
    kept = set_limits(clients["treasurer"], ids["bob"], creditLimit="120.00")
    assert kept["account"]["balanceCap"] == {"amount": "40.00", "currency": "ALV"}
    assert kept["account"]["limitHistory"][0]["oldBalanceCap"] == kept["account"]["limitHistory"][0]["newBalanceCap"]
    removed = set_limits(clients["treasurer"], ids["bob"], balanceCap=None)
    assert removed["errors"] == [] and removed["account"]["balanceCap"] is None
    assert removed["account"]["limitHistory"][0]["oldBalanceCap"] == {"amount": "40.00"}
    assert removed["account"]["limitHistory"][0]["newBalanceCap"] is None
    assert len(removed["account"]["limitHistory"]) == 3


def test_the_cap_is_enforced_once_set(three):
    clients, ids = three
    assert set_limits(clients["treasurer"], ids["bob"], balanceCap="30.00")["errors"] == []
    assert pay(clients["alice"], ids["bob"], "25.00")["errors"] == []
    refused = pay(clients["alice"], ids["bob"], "10.00")["errors"]
    assert [e["code"] for e in refused] == ["BALANCE_CAP_EXCEEDED"]
    assert set_limits(clients["treasurer"], ids["bob"], balanceCap="")["errors"] == []  # "": no cap
    assert pay(clients["alice"], ids["bob"], "10.00")["errors"] == []


@pytest.mark.parametrize("cap, message", [
    ("0", "Le montant doit être supérieur à zéro."),
    ("-5.00", "Le montant doit être supérieur à zéro."),
    ("beaucoup", "Saisissez un montant, par exemple 12,50."),
    ("1.234", "Un montant a au plus deux décimales."),
])
def test_a_bad_cap_is_invalid_on_its_field_in_french(three, cap, message):
    clients, ids = three
    errors = set_limits(clients["treasurer"], ids["bob"], balanceCap=cap)["errors"]
    assert errors == [{"code": "INVALID", "field": ["balanceCap"], "message": message}]
    bob = clients["bob"].data("{ viewer { account { balanceCap { amount } } } }")
    assert bob["viewer"]["account"]["balanceCap"] is None


def test_only_the_treasurer_sets_a_cap(three):
    clients, ids = three
    errors = clients["alice"].data(SET_LIMITS, input={"accountId": ids["bob"], "creditLimit": "0", "balanceCap": "1.00"})
    assert [e["code"] for e in errors["setCreditLimit"]["errors"]] == ["FORBIDDEN"]


def test_the_accounts_page_sets_and_removes_the_cap(app, make_member):
    email = make_member(organization="Menuiserie Vuarnet", credit_limit=10_000)
    treasurer = make_member(role=Role.TREASURER)
    client = page_client(app, treasurer)
    api = GraphQLClient(app.test_client()).login(email)
    account_id = api.data("{ viewer { account { id } } }")["viewer"]["account"]["id"]
    token = csrf_token(client, "/treasury/accounts")
    form = {"csrf_token": token, "action": "limit", "account_id": account_id, "credit_limit": "200,00",
            "balance_cap": "5 000,00", "reason": "Plafond"}
    response = client.post("/treasury/accounts", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "son solde maximum de 5" in page
    assert 'name="balance_cap" value="5000,00"' in page
    response = client.post("/treasury/accounts", data={**form, "balance_cap": ""}, follow_redirects=True)
    assert "sans solde maximum" in response.get_data(as_text=True)
    bad = client.post("/treasury/accounts", data={**form, "balance_cap": "0"})
    assert bad.status_code == 400
    assert "Le montant doit être supérieur à zéro." in bad.get_data(as_text=True)
