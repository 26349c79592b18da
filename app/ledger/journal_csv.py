"""The hub-wide journal of a period as a CSV, written the way the statements are (UTF-8 with a
BOM, `;` between fields, decimal commas for a French reader): one row per posting, the rows of
an entry together. The treasurer's page fills it from the `Journal` operation, the command
`flask ledger export --journal` from the ledger's queries; both go through `journal_csv`."""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext

from app.api.relay import to_global_id
from app.ledger import queries
from app.ledger.memos import render_memo
from app.web.csv import csv_text
from models import Account


@dataclass
class JournalLine:
    created_at: dt.datetime
    number: int
    kind: str  # the kind's label, in the reader's language
    memo: str
    account: str
    amount: Decimal  # signed: negative when the account pays
    balance_after: Decimal
    reference: str


def journal_csv(lines: Iterable[JournalLine]) -> bytes:
    """The journal in the hub's one CSV format (app.web.csv), one row per posting."""
    header = [
        gettext("Date"), gettext("Entry"), gettext("Type"), gettext("Memo"), gettext("Account"),
        gettext("Debit"), gettext("Credit"), gettext("Balance"), gettext("Reference"),
    ]
    rows = (
        [
            line.created_at, line.number, line.kind, line.memo, line.account,
            -line.amount if line.amount < 0 else None, line.amount if line.amount > 0 else None,
            line.balance_after, line.reference,
        ]
        for line in lines
    )
    return csv_text(header, rows).encode("utf-8")


def journal_file_name(since: dt.date, until: dt.date) -> str:
    """journal_<first day>_<last day>.csv (the period's days, both included)."""
    return f"journal_{since.isoformat()}_{(until - dt.timedelta(days=1)).isoformat()}.csv"


def lines_from_ledger(session: so.Session, since: dt.datetime, until: dt.datetime, kind_label) -> Iterator[JournalLine]:
    """The journal's lines read straight from the ledger (for commands), page after page."""
    accounts = {a.id: a.name for a in session.execute(sa.select(Account.id, Account.name))}
    stmt = queries.journal(since, until)
    offset = 0
    while True:
        entries = list(session.scalars(stmt.offset(offset).limit(1000)))
        if not entries:
            return
        postings = queries.postings_of(session, [e.id for e in entries])
        for entry in entries:
            memo = render_memo(entry.memo, entry.system_memo)
            for p in postings[entry.id]:
                yield JournalLine(
                    entry.created_at, entry.id, kind_label(entry.kind.value), memo, accounts[p.account_id],
                    Decimal(p.amount) / 100, Decimal(p.balance_after) / 100, to_global_id("Transfer", entry.id),
                )
        offset += len(entries)
