"""The FEC as a property: whatever the entries (kinds, fees, dates across fiscal years), every
FEC entry is balanced, the file's debits equal its credits, and each account's lines (opening
balance included) add up to the ledger's balance at the fiscal year's close."""
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.hub import hub_zone
from app.ledger import fec
from app.ledger.services import accounts, posting
from models import (
    Account,
    AccountKind,
    HubSettings,
    Member,
    Organization,
    OrganizationKind,
    Posting,
    Role,
    Transfer,
    TransferKind,
)
from tests.conftest import empty_all_tables

FIRMS = 4
THIS_YEAR = dt.date.today().year
ledgers = st.fixed_dictionaries({
    "fee_bps": st.sampled_from([0, 100, 250]),
    "entries": st.lists(
        st.tuples(
            st.integers(0, FIRMS - 1), st.integers(0, FIRMS - 1), st.integers(1, 500_000),
            st.sampled_from([TransferKind.PAYMENT, TransferKind.BOOKING, TransferKind.SKILL, TransferKind.INVOICE]),
            st.integers(0, 700),  # days ago
        ).filter(lambda e: e[0] != e[1]),
        max_size=12,
    ),
})


def _arrange(session, ledger) -> Member:
    treasurer = Member(email="t@example.test", name="T", password_hash="-", role=Role.TREASURER)
    session.add(treasurer)
    session.add(HubSettings(id=1, transfer_fee_bps=ledger["fee_bps"], transfer_fee_min=0, warning_level_percent=80))
    accounts.ensure_system_accounts(session)
    ids = []
    for i in range(FIRMS):
        organization = Organization(name=f"Firm | {i}", kind=OrganizationKind.FIRM)
        session.add(organization)
        session.flush()
        ids.append(accounts.open_organization_account(session, organization, credit_limit=10**10).id)
    now = dt.datetime.now(dt.timezone.utc)
    for payer, payee, amount, kind, days in ledger["entries"]:
        entry = posting.transfer(
            session, treasurer, from_account=session.get(Account, ids[payer]), to_account_id=ids[payee],
            amount=amount, memo=f"n°{days}\tjours", kind=kind, check_permission=False,
        )
        when = now - dt.timedelta(days=days)
        session.execute(sa.update(Transfer).where(Transfer.id == entry.id).values(created_at=when))
        session.execute(sa.update(Posting).where(Posting.transfer_id == entry.id).values(created_at=when))
    session.flush()
    return treasurer


def _balances_at(session, until: dt.datetime) -> dict[int, int]:
    rows = session.execute(
        sa.select(Posting.account_id, sa.func.sum(Posting.amount))
        .join(Transfer, Transfer.id == Posting.transfer_id).where(Transfer.created_at < until).group_by(Posting.account_id)
    )
    return {account_id: int(total) for account_id, total in rows}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=ledgers)
def test_every_fec_is_balanced_and_agrees_with_the_ledger(app, engine, ledger):
    empty_all_tables(engine)
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        treasurer = _arrange(session, ledger)
        settings_ = fec.FecSettings()
        by_aux = {a.id: (f"467{a.id:05d}" if a.kind != AccountKind.SYSTEM else None) for a in session.scalars(sa.select(Account))}
        codes = {a.id: a.system_code for a in session.scalars(sa.select(Account))}
        for year in (THIS_YEAR - 2, THIS_YEAR - 1, THIS_YEAR):
            books = fec.build_fec(session, treasurer, year, settings_, hub_zone())
            rows = [line.split("\t") for line in books.text().split("\r\n")[1:-1]]
            assert all(len(row) == 18 for row in rows)
            per_entry, per_account = defaultdict(int), defaultdict(int)
            for row in rows:
                debit, credit = (int(v.replace(",", "")) for v in (row[11], row[12]))
                per_entry[row[2]] += debit - credit
                per_account[row[6] or row[4]] += credit - debit
            assert set(per_entry.values()) <= {0}
            assert books.total_debit == books.total_credit
            close = dt.datetime.combine(dt.date(year + 1, 1, 1), dt.time(), hub_zone())
            for account_id, balance in _balances_at(session, close).items():
                key = by_aux[account_id] or {"COMMONS": "706", "EURO_SETTLEMENT": "512"}[codes[account_id]]
                if codes[account_id] == "COMMONS":
                    balance -= per_account.pop("110", 0)  # the commons' past fees, carried forward
                assert per_account.pop(key, 0) == balance, (year, account_id)
            assert not any(per_account.values()), per_account
        session.rollback()
