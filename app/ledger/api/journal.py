"""The treasurer's books through the API: the hub-wide journal of a period (every entry with
its postings) and the FEC of a fiscal year. Both answer FORBIDDEN to anyone else."""
import datetime as dt
from typing import Annotated, Optional

import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.permissions import TREASURER_ONLY, require_for_query
from app.api.relay import Connection, QueryError, check_first, paginate, to_global_id
from app.api.scalars import Money, money
from app.errors import DomainError
from app.hub import FIRST_YEAR, LAST_YEAR, hub_zone
from app.ledger import fec, queries
from app.ledger.api import loaders
from app.ledger.api.types import AccountType, TransferKindEnum, TransferType
from models import Posting, Transfer


@strawberry.type(description="One line of a journal entry: what it did to one account.")
class JournalPosting:
    model: strawberry.Private[Posting]
    account: AccountType
    account_name: str

    @strawberry.field(description="Signed: positive when the account receives, negative when it pays.")
    def amount(self) -> Money:
        return money(self.model.amount)

    @strawberry.field(description="What the account pays (0 when it receives).")
    def debit(self) -> Money:
        return money(-self.model.amount if self.model.amount < 0 else 0)

    @strawberry.field(description="What the account receives (0 when it pays).")
    def credit(self) -> Money:
        return money(self.model.amount if self.model.amount > 0 else 0)

    @strawberry.field(description="The account's balance right after this line.")
    def balance_after(self) -> Money:
        return money(self.model.balance_after)


@strawberry.type(description="A journal entry (a transfer) with its postings, which sum to zero.")
class JournalEntry:
    id: strawberry.ID = strawberry.field(description="The transfer's global id.")
    number: int = strawberry.field(description="The entry's number in the ledger.")
    kind: TransferKindEnum
    memo: str = strawberry.field(description="In the reader's language.")
    created_at: dt.datetime
    transfer: TransferType
    postings: list[JournalPosting]

    @classmethod
    def many(cls, info: Info, entries: list[Transfer]) -> list["JournalEntry"]:
        """A page of entries, their transfers, postings and accounts in a fixed number of queries."""
        postings = queries.postings_of(info.context.session, [e.id for e in entries])
        accounts = loaders.accounts_by_id(info, {p.account_id for lines in postings.values() for p in lines})
        return [
            cls(
                id=to_global_id("Transfer", t.id), number=t.id, kind=t.kind, memo=transfer.memo, created_at=t.created_at,
                transfer=transfer, postings=[
                    JournalPosting(
                        model=p, account=AccountType.from_model(accounts[p.account_id]),
                        account_name=accounts[p.account_id].name,
                    )
                    for p in postings[t.id]
                ],
            )
            for t, transfer in zip(entries, TransferType.many(info, entries), strict=True)
        ]


@strawberry.type(description="The FEC (fichier des écritures comptables) of one fiscal year.")
class FecExport:
    file_name: str = strawberry.field(description="<SIREN>FEC<closing date YYYYMMDD>.txt")
    start: dt.date = strawberry.field(description="The fiscal year's first day.")
    end: dt.date = strawberry.field(description="The fiscal year's closing date (included).")
    entry_count: int
    line_count: int
    total_debit: Money
    total_credit: Money
    content: str = strawberry.field(description="The file: tab-separated, one line per posting, CRLF line ends.")


def journal_period(from_: dt.date, to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[from, to) as whole days in the hub's time zone, in UTC."""
    if to <= from_:
        raise QueryError("`to` must be after `from`.")
    if any(not FIRST_YEAR <= day.year <= LAST_YEAR for day in (from_, to)):
        raise QueryError("A journal covers dates from 1900 on.")
    zone = hub_zone()
    return tuple(dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc) for day in (from_, to))


@strawberry.type
class JournalQuery:
    @strawberry.field(
        description="Every journal entry of the hub over [from, to) (whole days in the hub's time zone, `to` "
        "excluded), oldest first, with its postings (treasurer; FORBIDDEN for anyone else)."
    )
    def journal(
        self, info: Info, from_: Annotated[dt.date, strawberry.argument(name="from")], to: dt.date,
        first: Optional[int] = None, after: Optional[str] = None,
    ) -> Optional[Connection[JournalEntry]]:
        check_first(first)
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        since, until = journal_period(from_, to)
        return paginate(
            info.context.session, queries.journal(since, until), first, after, lambda rows: JournalEntry.many(info, rows)
        )

    @strawberry.field(
        description="The FEC of the fiscal year that closes in `year` (treasurer; FORBIDDEN for anyone else)."
    )
    def fec_export(self, info: Info, year: int) -> Optional[FecExport]:
        viewer = require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        try:
            books = fec.build_fec(
                info.context.session, viewer, year, fec.FecSettings.from_config(current_app.config), hub_zone()
            )
        except DomainError as exc:
            raise QueryError(str(exc.message)) from exc
        return FecExport(
            file_name=books.file_name, start=books.start, end=books.end, entry_count=books.entry_count,
            line_count=len(books.lines), total_debit=money(books.total_debit), total_credit=money(books.total_credit),
            content=books.text(),
        )
