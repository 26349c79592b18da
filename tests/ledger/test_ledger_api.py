"""The ledger's GraphQL contract: transfer, setCreditLimit, reverseTransfer, accounts,
ledgerSummary, statements, node(id) and object-level permissions."""
import functools
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from app.api.relay import decode_id, to_global_id
from app.database import get_session
from models import Account, Posting, Role, Transfer
from tests.conftest import GraphQLClient

TRANSFER = """mutation($input: TransferInput!) {
  transfer(input: $input) {
    transfer { id amount { amount currency } fee { amount } from { id } to { id } fromName toName memo kind createdAt reversedBy { id } }
    account { balance { amount } available { amount } }
    errors { code field message }
  }
}"""
ACCOUNT = "{ viewer { account { id name balance { amount } creditLimit { amount } onHold { amount } available { amount } nearLimit overLimit limitUsePercent warningLevelPercent } } }"
SET_LIMIT = """mutation($input: SetCreditLimitInput!) {
  setCreditLimit(input: $input) { account { id creditLimit { amount } overLimit limitHistory { oldLimit { amount } newLimit { amount } reason changedByName } } errors { code field message } }
}"""
REVERSE = """mutation($input: ReverseTransferInput!) {
  reverseTransfer(input: $input) { transfer { id kind amount { amount } reverses { id } } reversed { id reversedBy { id } reversible } errors { code field message } }
}"""
STATEMENT = """query($id: ID!, $kind: TransferKind, $since: Date, $until: Date, $first: Int, $after: String) {
  node(id: $id) { ... on Account {
    statement(kind: $kind, since: $since, until: $until, first: $first, after: $after) {
      totalCount openingBalance { amount } closingBalance { amount } totalCredits { amount } totalDebits { amount }
      pageInfo { hasNextPage endCursor }
      edges { node { amount { amount } balanceAfter { amount } counterparty transfer { kind memo } } }
    }
  } }
}"""


@pytest.fixture
def three(app, make_member):
    """Alice and Bob manage their firms (limit 100.00); Carol is a plain member of Bob's firm."""
    emails = {
        "alice": make_member(name="Alice Favre", organization="Scierie du Giffre", credit_limit=10_000),
        "bob": make_member(name="Bob Duret", organization="Charpentes Arve", credit_limit=10_000),
    }
    emails["carol"] = make_member(name="Carol Gay", organization="Charpentes Arve")
    emails["treasurer"] = make_member(name="Trésorerie", role=Role.TREASURER)
    clients = {name: GraphQLClient(app.test_client()).login(email) for name, email in emails.items()}
    ids = {name: c.data(ACCOUNT)["viewer"]["account"]["id"] for name, c in clients.items() if name != "treasurer"}
    return clients, ids


def pay(client, to, amount, **extra):
    return client.data(TRANSFER, input={"toAccountId": to, "amount": amount, **extra})["transfer"]


def forbidden(client, query, **variables):
    """The codes of a query's top-level errors, once its data reads null: a treasurer-only
    list or summary refused to anyone else."""
    body = client.gql(query, **variables)
    assert all(value is None for value in body["data"].values()), body
    return [error["extensions"]["code"] for error in body["errors"]]


def count(app, model):
    with app.app_context():
        return get_session().scalar(sa.select(sa.func.count()).select_from(model))


def test_member_pays_another_member(three):
    clients, ids = three
    result = pay(clients["alice"], ids["bob"], "25.50", memo="Sciage de 2 m³ de mélèze", idempotencyKey="k-1")
    assert result["errors"] == []
    transfer = result["transfer"]
    assert transfer["amount"] == {"amount": "25.50", "currency": "ALV"}
    assert transfer["from"]["id"] == ids["alice"]
    assert transfer["to"] is None  # Alice may not see Bob's account, only its name
    assert (transfer["fromName"], transfer["toName"]) == ("Scierie du Giffre", "Charpentes Arve")
    assert transfer["kind"] == "PAYMENT" and transfer["reversedBy"] is None
    assert result["account"] == {"balance": {"amount": "-25.50"}, "available": {"amount": "74.50"}}
    bob = clients["bob"].data(ACCOUNT)["viewer"]["account"]
    assert bob["balance"] == {"amount": "25.50"} and bob["available"] == {"amount": "125.50"}
    # Bob sees the transfer from his side, Carol (not manager) has her own empty account.
    node = clients["bob"].data("query($id: ID!) { node(id: $id) { ... on Transfer { memo to { id } } } }", id=transfer["id"])
    assert node["node"] == {"memo": "Sciage de 2 m³ de mélèze", "to": {"id": ids["bob"]}}
    assert clients["carol"].data("query($id: ID!) { node(id: $id) { id } }", id=transfer["id"])["node"] is None


def test_same_key_twice_pays_once(app, three):
    clients, ids = three
    first = pay(clients["alice"], ids["bob"], "10.00", idempotencyKey="double-submit")
    second = pay(clients["alice"], ids["bob"], "10.00", idempotencyKey="double-submit")
    assert first["transfer"]["id"] == second["transfer"]["id"] and second["errors"] == []
    assert count(app, Transfer) == 1


@pytest.mark.parametrize("amount, message", [
    ("-5", "The amount must be greater than zero."),
    ("0", "The amount must be greater than zero."),
    ("0.00", "The amount must be greater than zero."),
    ("1.234", "An amount has at most two decimals."),
    ("10000000000000", "This amount is too large."),
    ("99999999999999999999999", "This amount is too large."),
    ("douze", "Enter an amount such as 12.50."),
    ("NaN", "Enter an amount such as 12.50."),
])
def test_bad_amounts_are_refused_with_a_clear_error(app, three, amount, message):
    clients, ids = three
    result = clients["alice"].gql(TRANSFER, input={"toAccountId": ids["bob"], "amount": amount})
    errors = result["data"]["transfer"]["errors"]
    assert [e["code"] for e in errors] == ["INVALID"] and errors[0]["field"] == ["amount"]
    assert errors[0]["message"] == _fr(message)  # Alice reads French
    assert count(app, Transfer) == 0 and count(app, Posting) == 0


def _fr(message):
    for po in Path("app").glob("**/translations/fr/LC_MESSAGES/messages.po"):
        with po.open("rb") as f:
            for m in read_po(f):
                if m.id == message and m.string:
                    return m.string
    return None


def test_errors_come_in_french_for_a_french_member(three):
    clients, ids = three
    errors = pay(clients["alice"], ids["bob"], "1.234")["errors"]
    assert errors[0]["message"] == "Un montant a au plus deux décimales."
    errors = pay(clients["alice"], ids["bob"], "500.00")["errors"]
    assert errors == [{"code": "CREDIT_LIMIT_EXCEEDED", "field": ["amount"], "message": "Crédit disponible insuffisant\u00a0: 100,00\u00a0ALV disponibles."}]


def test_to_oneself_unknown_or_closed_account(app, three):
    clients, ids = three
    alice = clients["alice"]
    assert pay(alice, ids["alice"], "1.00")["errors"][0]["code"] == "INVALID"
    for bad in (to_global_id("Account", 10**6), to_global_id("Member", 1), "not-an-id"):
        errors = pay(alice, bad, "1.00")["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [("NOT_FOUND", ["toAccountId"])]
    with app.app_context():
        db = get_session()
        db.execute(sa.update(Account).where(Account.id == decode_id(ids["carol"], "Account")).values(status="CLOSED"))
        db.commit()
    assert pay(alice, ids["carol"], "1.00")["errors"][0]["code"] == "INVALID_STATE"
    assert count(app, Transfer) == 0


def test_anonymous_cannot_pay(api, three):
    _, ids = three
    assert pay(api, ids["bob"], "1.00")["errors"][0]["code"] == "UNAUTHENTICATED"


def test_account_visibility(three):
    clients, ids = three
    query = "query($id: ID!) { node(id: $id) { ... on Account { name balance { amount } } } }"
    assert clients["alice"].data(query, id=ids["bob"])["node"] is None
    assert clients["carol"].data(query, id=ids["bob"])["node"] is None  # not the manager
    assert clients["bob"].data(query, id=ids["bob"])["node"]["name"] == "Charpentes Arve"
    assert clients["treasurer"].data(query, id=ids["bob"])["node"]["name"] == "Charpentes Arve"


def test_treasurer_sets_a_limit_with_a_reason_and_a_member_cannot(three):
    clients, ids = three
    pay(clients["alice"], ids["bob"], "90.00")
    denied = clients["alice"].data(SET_LIMIT, input={"accountId": ids["alice"], "creditLimit": "1000.00"})["setCreditLimit"]
    assert denied["errors"][0]["code"] == "FORBIDDEN" and denied["account"] is None
    result = clients["treasurer"].data(
        SET_LIMIT, input={"accountId": ids["alice"], "creditLimit": "50.00", "reason": "Impayés"}
    )["setCreditLimit"]
    assert result["errors"] == []
    assert result["account"]["creditLimit"] == {"amount": "50.00"} and result["account"]["overLimit"] is True
    assert result["account"]["limitHistory"][0] == {
        "oldLimit": {"amount": "100.00"}, "newLimit": {"amount": "50.00"}, "reason": "Impayés", "changedByName": "Trésorerie",
    }
    # Lowered below what she uses: she can no longer pay, the account is flagged.
    assert pay(clients["alice"], ids["bob"], "0.01")["errors"][0]["code"] == "CREDIT_LIMIT_EXCEEDED"
    account = clients["alice"].data(ACCOUNT)["viewer"]["account"]
    assert account["overLimit"] and account["nearLimit"] and account["limitUsePercent"] == 180
    for bad in ("-1", "1.001", "abc"):
        errors = clients["treasurer"].data(SET_LIMIT, input={"accountId": ids["alice"], "creditLimit": bad})["setCreditLimit"]["errors"]
        assert errors[0]["field"] == ["creditLimit"]


def test_warning_level_is_visible_to_the_member(three):
    clients, ids = three
    pay(clients["alice"], ids["bob"], "79.99")
    account = clients["alice"].data(ACCOUNT)["viewer"]["account"]
    assert (account["nearLimit"], account["warningLevelPercent"], account["limitUsePercent"]) == (False, 80, 79)
    pay(clients["alice"], ids["bob"], "0.01")
    assert clients["alice"].data(ACCOUNT)["viewer"]["account"]["nearLimit"] is True


def test_reverse_transfer_once_by_the_treasurer(three):
    clients, ids = three
    transfer_id = pay(clients["alice"], ids["bob"], "30.00")["transfer"]["id"]
    denied = clients["alice"].data(REVERSE, input={"transferId": transfer_id})["reverseTransfer"]
    assert denied["errors"][0]["code"] == "FORBIDDEN"
    result = clients["treasurer"].data(REVERSE, input={"transferId": transfer_id, "memo": "Doublon"})["reverseTransfer"]
    assert result["errors"] == []
    assert result["transfer"]["kind"] == "REVERSAL" and result["transfer"]["reverses"]["id"] == transfer_id
    assert result["reversed"]["reversedBy"]["id"] == result["transfer"]["id"] and not result["reversed"]["reversible"]
    again = clients["treasurer"].data(REVERSE, input={"transferId": transfer_id})["reverseTransfer"]
    assert again["errors"][0]["code"] == "INVALID_STATE"
    assert clients["alice"].data(ACCOUNT)["viewer"]["account"]["balance"] == {"amount": "0.00"}


def test_statement_running_balance_filters_and_pages(three):
    clients, ids = three
    for amount in ("10.00", "20.00", "30.00"):
        pay(clients["alice"], ids["bob"], amount, memo=f"bois {amount}")
    pay(clients["bob"], ids["alice"], "5.00", memo="retour")
    statement = clients["alice"].data(STATEMENT, id=ids["alice"], first=2)["node"]["statement"]
    assert statement["totalCount"] == 4 and statement["pageInfo"]["hasNextPage"]
    assert [e["node"]["balanceAfter"]["amount"] for e in statement["edges"]] == ["-10.00", "-30.00"]
    rest = clients["alice"].data(STATEMENT, id=ids["alice"], first=2, after=statement["pageInfo"]["endCursor"])["node"]["statement"]
    assert [(e["node"]["amount"]["amount"], e["node"]["balanceAfter"]["amount"], e["node"]["counterparty"]) for e in rest["edges"]] == [
        ("-30.00", "-60.00", "Charpentes Arve"), ("5.00", "-55.00", "Charpentes Arve"),
    ]
    assert (statement["openingBalance"], statement["closingBalance"]) == ({"amount": "0.00"}, {"amount": "-55.00"})
    assert (statement["totalCredits"], statement["totalDebits"]) == ({"amount": "5.00"}, {"amount": "60.00"})
    skills = clients["alice"].data(STATEMENT, id=ids["alice"], kind="SKILL")["node"]["statement"]
    assert skills["totalCount"] == 0
    future = clients["alice"].data(STATEMENT, id=ids["alice"], since="2999-01-01", until="2999-01-31")["node"]["statement"]
    assert future["totalCount"] == 0 and future["openingBalance"] == {"amount": "-55.00"}
    too_many = clients["alice"].gql(STATEMENT, id=ids["alice"], first=101)
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID"


def test_treasurer_lists_accounts_sorted_and_near_limit(three):
    clients, ids = three
    pay(clients["alice"], ids["bob"], "90.00")
    query = """query($nearLimit: Boolean, $orderBy: AccountOrder) {
      accounts(first: 10, nearLimit: $nearLimit, orderBy: $orderBy) { totalCount nodes { id name balance { amount } limitUsePercent nearLimit } }
    }"""
    assert forbidden(clients["alice"], query) == ["FORBIDDEN"]
    near = clients["treasurer"].data(query, nearLimit=True)["accounts"]
    assert [n["id"] for n in near["nodes"]] == [ids["alice"]]
    by_use = clients["treasurer"].data(query, orderBy="LIMIT_USE_DESC")["accounts"]["nodes"]
    assert by_use[0]["id"] == ids["alice"] and by_use[0]["limitUsePercent"] == 90
    by_balance = clients["treasurer"].data(query, orderBy="BALANCE_DESC")["accounts"]["nodes"]
    assert by_balance[0]["id"] == ids["bob"] and by_balance[-1]["id"] == ids["alice"]


def test_ledger_summary(three):
    clients, ids = three
    pay(clients["alice"], ids["bob"], "40.00")
    query = "{ ledgerSummary { sumOfBalances { amount } totalPositive { amount } totalNegative { amount } accountCount transferCount nearLimitCount } }"
    assert forbidden(clients["bob"], query) == ["FORBIDDEN"]
    summary = clients["treasurer"].data(query)["ledgerSummary"]
    assert summary["sumOfBalances"] == {"amount": "0.00"} and summary["transferCount"] == 1
    assert (summary["totalPositive"], summary["totalNegative"]) == ({"amount": "40.00"}, {"amount": "-40.00"})
    assert summary["accountCount"] >= 4


def test_payee_search_by_name(three):
    clients, ids = three
    query = 'query($s: String) { payees(search: $s, first: 10) { nodes { id name } } }'
    found = clients["alice"].data(query, s="charp")["payees"]["nodes"]
    assert found == [{"id": ids["bob"], "name": "Charpentes Arve"}]
    # ... or by the name of the member behind the account (Bob manages Charpentes Arve).
    assert clients["alice"].data(query, s="duret")["payees"]["nodes"] == found
    contacts = 'query($s: String) { payees(search: $s) { nodes { name contact } } }'
    assert clients["alice"].data(contacts, s="arve")["payees"]["nodes"] == [{"name": "Charpentes Arve", "contact": "Bob Duret"}]
    # Carol's own account: no one else behind it.
    assert clients["alice"].data(contacts, s="gay")["payees"]["nodes"] == [{"name": "Carol Gay", "contact": None}]
    names = [n["name"] for n in clients["alice"].data(query)["payees"]["nodes"]]
    assert "Scierie du Giffre" not in names and "Carol Gay" in names
    # Page after page, through the same cursors as every connection.
    paged = 'query($after: String) { payees(first: 1, after: $after) { pageInfo { hasNextPage endCursor } nodes { name } } }'
    seen, after = [], None
    while True:
        page = clients["alice"].data(paged, after=after)["payees"]
        seen += [n["name"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == names


def statements_run(app, run):
    """`run()`'s result, and how many SQL statements it sent to the database."""
    statements = []

    def listener(*args):
        statements.append(args[2])

    engine = app.extensions["db_engine"]
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        result = run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return result, len(statements)


def test_transfer_list_costs_the_same_sql_for_more_rows(app, three):
    """No N+1: a page of 12 transfers runs as many statements as a page of 2."""
    clients, ids = three
    for _ in range(12):
        pay(clients["bob"], ids["alice"], "1.00")
    query = "query($id: ID!, $n: Int) { node(id: $id) { ... on Account { transfers(first: $n) { nodes { id from { id } to { id } fromName toName reversedBy { id } } } } } }"
    counts = []
    for n in (2, 12):
        data, count = statements_run(app, functools.partial(clients["treasurer"].data, query, id=ids["alice"], n=n))
        assert len(data["node"]["transfers"]["nodes"]) == n
        counts.append(count)
    assert counts[0] == counts[1], counts
