"""The treasurer's books: the hub-wide journal of a period (API, CSV from the treasury pages,
command) and the FEC of a fiscal year (format, balance per entry and in total, agreement with
the ledger), on SQLite and PostgreSQL."""
import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.hub import hub_today
from app.ledger import fec
from models import Account, Posting, Transfer
from tests.conftest import page_client
from tests.ledger.test_ledger_api import REVERSE, forbidden, pay

SETTINGS = """mutation($input: UpdateLedgerSettingsInput!) { updateLedgerSettings(input: $input) { errors { code } } }"""
JOURNAL = """query($from: Date!, $to: Date!, $first: Int, $after: String) {
  journal(from: $from, to: $to, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id number kind memo createdAt transfer { id }
      postings { accountName account { id } amount { amount } debit { amount } credit { amount } balanceAfter { amount } } }
  }
}"""
FEC = """query($year: Int!) {
  fecExport(year: $year) { fileName start end entryCount lineCount totalDebit { amount } totalCredit { amount } content }
}"""
AMOUNT = re.compile(r"^\d+,\d{2}$")
DATE = re.compile(r"^\d{8}$")


@pytest.fixture
def books(app, three, db):
    """A fee of 1 % (minimum 0.10) on payments; last December Alice paid Bob 40.00; this year
    Alice paid Bob 25.50 and Bob paid Alice 10.00, which the treasurer reversed."""
    clients, ids = three
    treasurer = clients["treasurer"]
    fee = {"transferFeePercent": "1.00", "transferFeeMinimum": "0.10", "warningLevelPercent": 80}
    assert treasurer.data(SETTINGS, input=fee)["updateLedgerSettings"]["errors"] == []
    old = pay(clients["alice"], ids["bob"], "40.00", memo="Sciage décembre")["transfer"]["id"]
    pay(clients["alice"], ids["bob"], "25.50", memo="Sciage de mélèze")
    back = pay(clients["bob"], ids["alice"], "10.00")["transfer"]["id"]
    assert treasurer.data(REVERSE, input={"transferId": back})["reverseTransfer"]["errors"] == []
    last_december = dt.datetime(hub_today().year - 1, 12, 15, 10, tzinfo=dt.timezone.utc)
    old_pk = db.scalar(sa.select(Transfer.id).order_by(Transfer.id).limit(1))
    db.execute(sa.update(Transfer).where(Transfer.id == old_pk).values(created_at=last_december))
    db.execute(sa.update(Posting).where(Posting.transfer_id == old_pk).values(created_at=last_december))
    db.commit()
    return clients, ids, old


def parse_fec(content: str) -> tuple[list[str], list[dict]]:
    assert content.endswith("\r\n")
    rows = content[:-2].split("\r\n")
    header = rows[0].split("\t")
    lines = [dict(zip(header, row.split("\t"), strict=True)) for row in rows[1:]]
    assert all(len(row.split("\t")) == 18 for row in rows), "18 tab-separated fields on every line"
    return header, lines


def cents(text: str) -> int:
    units, decimals = text.split(",")
    return int(units) * 100 + int(decimals)


# --- FEC ----------------------------------------------------------------------------------------


def test_the_fec_has_the_legal_format_and_balances(app, books, db):
    clients, _ids, _old = books
    app.config["SIREN"] = "824512345"
    year = hub_today().year
    export = clients["treasurer"].data(FEC, year=year)["fecExport"]
    assert export["fileName"] == f"824512345FEC{year}1231.txt"
    assert (export["start"], export["end"]) == (f"{year}-01-01", f"{year}-12-31")
    header, lines = parse_fec(export["content"])
    assert header == list(fec.COLUMNS) == [
        "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
        "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
        "ValidDate", "Montantdevise", "Idevise",
    ]
    assert export["lineCount"] == len(lines)
    for line in lines:
        for column in ("EcritureDate", "PieceDate", "ValidDate"):
            assert DATE.match(line[column]) and line[column][:4] == str(year), line
        assert AMOUNT.match(line["Debit"]) and AMOUNT.match(line["Credit"]), line
        assert (cents(line["Debit"]) == 0) != (cents(line["Credit"]) == 0), "one side per line"
        assert line["EcritureLib"] and line["PieceRef"] and line["CompteNum"] and line["CompteLib"]
    by_entry = defaultdict(int)
    for line in lines:
        by_entry[line["EcritureNum"]] += cents(line["Debit"]) - cents(line["Credit"])
    assert set(by_entry.values()) == {0}, "every entry is balanced"
    assert [int(n) for n in by_entry] == list(range(1, export["entryCount"] + 1)), "one continuous sequence"
    total = sum(cents(line["Debit"]) for line in lines)
    assert total == sum(cents(line["Credit"]) for line in lines)
    assert export["totalDebit"] == export["totalCredit"] == {"amount": f"{Decimal(total) / 100:.2f}"}


def test_the_fec_agrees_with_the_ledger(app, books, db):
    clients, ids, _old = books
    _header, lines = parse_fec(clients["treasurer"].data(FEC, year=hub_today().year)["fecExport"]["content"])
    # Entry 1 carries last year's balances forward (journal AN); then this year's 3 entries.
    opening = [line for line in lines if line["EcritureNum"] == "1"]
    assert {line["JournalCode"] for line in opening} == {"AN"}
    assert {line["JournalCode"] for line in lines if line["EcritureNum"] != "1"} == {"VIR", "OD"}
    assert db.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 4
    # Per account, credits minus debits of the file are the ledger's balance.
    found = defaultdict(int)
    for line in lines:
        key = line["CompAuxNum"] or line["CompteNum"]
        found[key] += cents(line["Credit"]) - cents(line["Debit"])
    accounts = db.scalars(sa.select(Account)).all()
    for account in accounts:
        if account.system_code == "COMMONS":
            assert found.pop("706", 0) + found.pop("110", 0) == account.balance
        elif account.system_code == "EURO_SETTLEMENT":
            assert found.pop("512", 0) == account.balance
        else:
            assert found.pop(f"467{account.id:05d}", 0) == account.balance, account.name
            member_lines = [line for line in lines if line["CompAuxNum"] == f"467{account.id:05d}"]
            assert all(line["CompteNum"] == "467" and line["CompAuxLib"] == account.name for line in member_lines)
    assert not found, found
    # The fee went to the commons (706) this year; last year's fee is carried to 110.
    assert any(line["CompteNum"] == "706" for line in lines)
    assert [line["Credit"] for line in opening if line["CompteNum"] == "110"] == ["0,40"]


def test_the_fec_labels_are_the_memos_in_french(books):
    clients, _ids, _old = books
    _header, lines = parse_fec(clients["treasurer"].data(FEC, year=hub_today().year)["fecExport"]["content"])
    labels = {line["EcritureLib"] for line in lines}
    assert "Sciage de mélèze" in labels
    assert any(label.startswith("Annulation du virement n° ") for label in labels)
    assert "Soldes reportés de l'exercice précédent" in labels


def test_a_year_without_entries_is_an_empty_file_and_last_year_stands_alone(books):
    clients, _ids, _old = books
    last = clients["treasurer"].data(FEC, year=hub_today().year - 1)["fecExport"]
    _header, lines = parse_fec(last["content"])
    assert last["entryCount"] == 1 and {line["JournalCode"] for line in lines} == {"VIR"}
    assert [line["EcritureDate"] for line in lines] == [f"{hub_today().year - 1}1215"] * 3
    empty = clients["treasurer"].data(FEC, year=hub_today().year - 5)["fecExport"]
    assert empty["content"] == "\t".join(fec.COLUMNS) + "\r\n" and empty["entryCount"] == 0


def test_the_fec_is_the_treasurers(books):
    clients, _ids, _old = books
    assert forbidden(clients["alice"], FEC, year=2026) == ["FORBIDDEN"]
    body = clients["treasurer"].gql(FEC, year=12)
    assert body["data"] == {"fecExport": None} and body["errors"][0]["extensions"]["code"] == "INVALID"


def test_a_fiscal_year_closing_in_june():
    settings = fec.FecSettings.from_config({"FISCAL_YEAR_END": "06-30", "FEC_ACCOUNT": "4671"})
    assert settings.fiscal_year(2026) == (dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    assert settings.members.number == "4671" and settings.system["COMMONS"].number == "706"
    assert fec.amount(123456) == "1234,56" and fec.amount(5) == "0,05"
    assert fec.clean("Sciage\tdu | mélèze\r\n") == "Sciage du / mélèze"
    with pytest.raises(ValueError):
        fec.FecSettings.from_config({"FISCAL_YEAR_END": "02-30"})


def test_the_fec_from_the_treasury_page_and_the_command(app, books, runner, tmp_path, make_member):
    clients, _ids, _old = books
    year = hub_today().year
    api = clients["treasurer"].data(FEC, year=year)["fecExport"]
    client = page_client(app, "member4@example.test")  # the treasurer of the `three` fixture
    response = client.get(f"/treasury/fec?year={year}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{api["fileName"]}"'
    assert response.get_data(as_text=True) == api["content"]
    assert client.get("/treasury/fec?year=deux").status_code == 400
    assert page_client(app, "member1@example.test").get(f"/treasury/fec?year={year}").status_code == 403
    result = runner.invoke(args=["ledger", "export", "--fec", "--year", str(year), "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / api["fileName"]).read_bytes() == api["content"].encode("utf-8")
    assert runner.invoke(args=["ledger", "export"]).exit_code != 0


# --- The journal of a period -------------------------------------------------------------------


def test_the_journal_lists_every_entry_of_the_period_with_its_postings(books):
    clients, _ids, _old = books
    today = hub_today()
    period = {"from": today.isoformat(), "to": (today + dt.timedelta(days=1)).isoformat()}
    journal = clients["treasurer"].data(JOURNAL, **period)["journal"]
    assert journal["totalCount"] == 3
    kinds = [e["kind"] for e in journal["nodes"]]
    assert kinds == ["PAYMENT", "PAYMENT", "REVERSAL"]
    for entry in journal["nodes"]:
        assert entry["id"] == entry["transfer"]["id"]
        assert sum(Decimal(p["amount"]["amount"]) for p in entry["postings"]) == 0
        for p in entry["postings"]:
            assert Decimal(p["credit"]["amount"]) - Decimal(p["debit"]["amount"]) == Decimal(p["amount"]["amount"])
    assert len(journal["nodes"][0]["postings"]) == 3  # payer, payee and the commons' fee
    assert journal["nodes"][0]["memo"] == "Sciage de mélèze"
    first = clients["treasurer"].data(JOURNAL, first=2, **period)["journal"]
    rest = clients["treasurer"].data(JOURNAL, first=2, after=first["pageInfo"]["endCursor"], **period)["journal"]
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert [e["number"] for e in first["nodes"] + rest["nodes"]] == [e["number"] for e in journal["nodes"]]
    december = {"from": f"{today.year - 1}-12-01", "to": f"{today.year}-01-01"}
    assert [e["memo"] for e in clients["treasurer"].data(JOURNAL, **december)["journal"]["nodes"]] == ["Sciage décembre"]


def test_the_journal_is_the_treasurers_and_needs_a_period(books):
    clients, _ids, _old = books
    assert forbidden(clients["bob"], JOURNAL, **{"from": "2026-01-01", "to": "2026-02-01"}) == ["FORBIDDEN"]
    body = clients["treasurer"].gql(JOURNAL, **{"from": "2026-02-01", "to": "2026-02-01"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8")[1:]), delimiter=";"))


def test_the_journal_csv_from_the_exports_page_and_the_command(app, books, runner, tmp_path):
    _clients, _ids, _old = books
    client = page_client(app, "member4@example.test")
    today = hub_today()
    page = client.get(f"/treasury/exports?from={today.isoformat()}&to={today.isoformat()}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "3 écritures du" in text and "Sciage de mélèze" in text and "Télécharger le FEC" in text
    response = client.get(f"/treasury/journal.csv?from={today.isoformat()}&to={today.isoformat()}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="journal_{today.isoformat()}_{today.isoformat()}.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    assert rows[0] == ["Date", "Écriture", "Type", "Libellé", "Compte", "Débit", "Crédit", "Solde", "Référence"]
    assert len(rows) == 1 + 3 + 3 + 3  # two payments, each with its fee to the commons, and a reversal
    payer = next(r for r in rows if r[3] == "Sciage de mélèze" and r[4] == "Scierie du Giffre")
    assert payer[2] == "Paiement" and payer[5] == "25,76" and payer[6] == ""  # 25.50 and the 1 % fee
    debits = sum(Decimal(r[5].replace(",", ".")) for r in rows[1:] if r[5])
    assert debits == sum(Decimal(r[6].replace(",", ".")) for r in rows[1:] if r[6])
    assert page_client(app, "member1@example.test").get("/treasury/journal.csv").status_code == 403
    result = runner.invoke(args=[
        "ledger", "export", "--journal", "--from", today.isoformat(), "--to", today.isoformat(), "--output", str(tmp_path),
    ])
    assert result.exit_code == 0, result.output
    written = read_csv((tmp_path / f"journal_{today.isoformat()}_{today.isoformat()}.csv").read_bytes())
    assert [row[1:] for row in written] == [row[1:] for row in rows]
