"""GraphQL types and operations of the ledger."""
from typing import Optional

import sqlalchemy as sa
import strawberry

from app.api.context import Info
from app.api.relay import Node, to_global_id
from app.api.scalars import Money, money
from app.ledger import services
from models import Account, AccountKind, AccountStatus, Member

AccountKindEnum = strawberry.enum(AccountKind, name="AccountKind")
AccountStatusEnum = strawberry.enum(AccountStatus, name="AccountStatus")


@strawberry.type(name="Account")
class AccountType(Node):
    name: str
    kind: AccountKindEnum
    status: AccountStatusEnum
    model: strawberry.Private[Account]

    @classmethod
    def from_model(cls, account: Account) -> "AccountType":
        return cls(
            id=to_global_id("Account", account.id),
            name=account.name,
            kind=account.kind,
            status=account.status,
            model=account,
        )

    @strawberry.field
    def balance(self) -> Money:
        return money(self.model.balance)

    @strawberry.field(description="How far below zero the account may go.")
    def credit_limit(self) -> Money:
        return money(self.model.credit_limit)

    @strawberry.field
    def balance_cap(self) -> Optional[Money]:
        return None if self.model.balance_cap is None else money(self.model.balance_cap)

    @strawberry.field
    def on_hold(self) -> Money:
        return money(self.model.on_hold)

    @strawberry.field(description="balance + creditLimit - onHold")
    def available(self) -> Money:
        return money(self.model.available)

    @strawberry.field(description="Share of the credit limit in use, holds included, in percent.")
    def limit_use_percent(self) -> Optional[int]:
        return services.limit_use_percent(self.model)


def visible_account(
    info: Info, *, paying_for: Optional[Member] = None, organization_id: Optional[int] = None
) -> Optional[AccountType]:
    """The account of a member or an organisation, or None if the viewer may not see it."""
    viewer, session = info.context.viewer, info.context.session
    if viewer is None:
        return None
    if paying_for is not None:
        account = services.paying_account(session, paying_for)
    else:
        account = session.scalar(sa.select(Account).where(Account.organization_id == organization_id))
    if account is None or not services.can_see(session, viewer, account):
        return None
    return AccountType.from_model(account)


def resolve_account_node(info: Info, pk: int) -> Optional[AccountType]:
    viewer, session = info.context.viewer, info.context.session
    account = session.get(Account, pk) if viewer else None
    if account is None or not services.can_see(session, viewer, account):
        return None
    return AccountType.from_model(account)
