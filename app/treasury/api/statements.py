"""GraphQL types of the period close: a closed month and its accounts' statements. The
treasurer sees every statement, a member those of the accounts they act for; others read null."""
import datetime as dt
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.relay import Connection, Node, paginate, to_global_id
from app.api.scalars import Money, money
from app.ledger.memos import render_memo
from app.treasury import queries
from models import AccountStatement, PeriodClose


@strawberry.type
class ClosedStatementLine:
    posting_id: int
    at: dt.datetime
    kind: str = strawberry.field(description="The transfer kind (PAYMENT, BOOKING, INVOICE, CLEARING...).")
    memo: str
    counterparty: str = strawberry.field(description="The other account of the entry, named as it was at closing.")
    amount: Money
    balance_after: Money


@strawberry.type(name="AccountStatement")
class AccountStatementType(Node):
    account_id: strawberry.ID
    account_name: str
    month: str
    entry_count: int
    model: strawberry.Private[AccountStatement]

    @strawberry.field
    def opening_balance(self) -> Money:
        return money(self.model.opening_balance)

    @strawberry.field
    def total_in(self) -> Money:
        return money(self.model.total_in)

    @strawberry.field
    def total_out(self) -> Money:
        return money(self.model.total_out)

    @strawberry.field
    def closing_balance(self) -> Money:
        return money(self.model.closing_balance)

    @strawberry.field
    def lines(self, info: Info) -> list[ClosedStatementLine]:
        lines = self.model.lines
        # Months closed before the counterparty was kept (six values a line): today's names.
        older = queries.counterparty_names(info.context.session, [line[0] for line in lines if len(line) < 7])
        return [
            ClosedStatementLine(
                posting_id=line[0], at=dt.datetime.fromisoformat(line[1]), kind=line[2], memo=render_memo(*line[3]) if isinstance(line[3], list) else line[3],
                counterparty=line[6] if len(line) > 6 else older.get(line[0], ""),
                amount=money(line[4]), balance_after=money(line[5]),
            )
            for line in lines
        ]


def _month(close: PeriodClose) -> str:
    return f"{close.period_start.year:04d}-{close.period_start.month:02d}"


def statement_type(statement: AccountStatement, close: PeriodClose) -> AccountStatementType:
    return AccountStatementType(
        id=to_global_id("AccountStatement", statement.id),
        account_id=to_global_id("Account", statement.account_id),
        account_name=statement.account_name,
        month=_month(close),
        entry_count=statement.entry_count,
        model=statement,
    )


@strawberry.type
class StatementTotals:
    opening_balance: Money
    total_in: Money
    total_out: Money
    closing_balance: Money
    entry_count: int


@strawberry.type(name="PeriodClose")
class PeriodCloseType(Node):
    month: str
    created_at: dt.datetime
    model: strawberry.Private[PeriodClose]

    @strawberry.field(description="The sums of the statements the viewer sees (every account's: in equals out).")
    def totals(self, info: Info) -> StatementTotals:
        visible = permissions.visible_account_ids(info.context.session, info.context.viewer)
        opening, total_in, total_out, closing, entries = info.context.session.execute(
            queries.statement_totals(self.model.id, visible)
        ).one()
        return StatementTotals(
            opening_balance=money(opening), total_in=money(total_in), total_out=money(total_out),
            closing_balance=money(closing), entry_count=entries,
        )

    @classmethod
    def from_model(cls, close: PeriodClose) -> "PeriodCloseType":
        return cls(id=to_global_id("PeriodClose", close.id), month=_month(close), created_at=close.created_at, model=close)

    @strawberry.field(description="Every account's statement (treasurer), or the viewer's own.")
    def statements(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[AccountStatementType]:
        visible = permissions.visible_account_ids(info.context.session, info.context.viewer)
        stmt = queries.statements(self.model.id, visible)
        return paginate(info.context.session, stmt, first, after, lambda rows: [statement_type(r, self.model) for r in rows])


def resolve_statement_node(info: Info, pk: int) -> Optional[AccountStatementType]:
    viewer, session = info.context.viewer, info.context.session
    statement = session.get(AccountStatement, pk) if viewer else None
    if statement is None or not permissions.can_see_statement(session, viewer, statement):
        return None
    return statement_type(statement, session.get(PeriodClose, statement.close_id))


def resolve_period_close_node(info: Info, pk: int) -> Optional[PeriodCloseType]:
    if info.context.viewer is None:
        return None
    close = info.context.session.get(PeriodClose, pk)
    return PeriodCloseType.from_model(close) if close else None
