"""The ledger's mutations: transfer, and for the treasurer setCreditLimit, reverseTransfer,
updateLedgerSettings and closeAccount. Each checks who may call it (mutation_payload), reads
its input, calls the service and wraps the result; the services check again."""
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.errors import N_, DomainError, ErrorCode
from app.ledger import schemas
from app.ledger.api.types import AccountType, LedgerSettings, TransferType
from app.ledger.services import accounts, policy, posting, reversals
from models import Account, Transfer

NO_ACCOUNT = N_("This account does not exist.")


@strawberry.input
class TransferInput:
    to_account_id: strawberry.ID
    amount: str = strawberry.field(description='A Decimal string such as "12.50".')
    memo: Optional[str] = ""
    idempotency_key: Optional[str] = strawberry.field(
        default=None,
        description="Send the same key again (a retry, a double click) and the first transfer is "
        "returned instead of paying twice. Without one, every call pays.",
    )
    from_account_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Defaults to the viewer's paying account."
    )


@strawberry.type
class TransferPayload(Payload):
    transfer: Optional[TransferType] = None
    account: Optional[AccountType] = strawberry.field(default=None, description="The paying account, after.")


@strawberry.input
class SetCreditLimitInput:
    account_id: strawberry.ID
    credit_limit: str = strawberry.field(description='A Decimal string such as "1500.00".')
    reason: Optional[str] = ""
    balance_cap: Optional[str] = strawberry.field(
        default=strawberry.UNSET,
        description='How far above zero the balance may rise, a Decimal string such as "20000.00"; '
        'null or "" for no cap; left out, the cap is unchanged.',
    )


@strawberry.type
class SetCreditLimitPayload(Payload):
    account: Optional[AccountType] = None


@strawberry.input
class ReverseTransferInput:
    transfer_id: strawberry.ID
    memo: Optional[str] = ""


@strawberry.type
class ReverseTransferPayload(Payload):
    transfer: Optional[TransferType] = strawberry.field(default=None, description="The reversing entry.")
    reversed: Optional[TransferType] = strawberry.field(default=None, description="The original, now reversed.")


@strawberry.input
class UpdateLedgerSettingsInput:
    transfer_fee_percent: Optional[str] = strawberry.field(default=None, description='e.g. "1.50" for 1.5 %.')
    transfer_fee_minimum: Optional[str] = strawberry.field(default=None, description='A Decimal string such as "0.50".')
    warning_level_percent: Optional[int] = None


@strawberry.type
class UpdateLedgerSettingsPayload(Payload):
    settings: Optional[LedgerSettings] = None


@strawberry.input
class CloseAccountInput:
    account_id: strawberry.ID


@strawberry.type
class CloseAccountPayload(Payload):
    account: Optional[AccountType] = None


def _source_account(info: Info, from_account_id: Optional[str]) -> Account:
    """The account a transfer pays from: the one named, if the viewer may use it, else theirs."""
    viewer, session = info.context.viewer, info.context.session
    if from_account_id:
        source = session.get(Account, node_pk(from_account_id, "Account", "fromAccountId", NO_ACCOUNT))
        if source is None or not permissions.can_use_account(session, viewer, source):
            raise DomainError(ErrorCode.FORBIDDEN, "You cannot pay from this account.", "fromAccountId")
        return source
    source = accounts.paying_account(session, viewer)
    if source is None:
        raise DomainError(ErrorCode.INVALID_STATE, "You have no account to pay from.")
    return source


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(description="Pay another account from the viewer's account.")
    @mutation_payload(TransferPayload)
    def transfer(self, info: Info, input: TransferInput) -> TransferPayload:
        viewer, session = info.context.viewer, info.context.session
        data = load(schemas.TransferSchema(), strawberry.asdict(input) | {"to_account_id": None, "from_account_id": None})
        to_id = node_pk(input.to_account_id, "Account", "toAccountId", NO_ACCOUNT)
        source = _source_account(info, input.from_account_id)
        entry = posting.transfer(
            session, viewer, from_account=source, to_account_id=to_id, amount=data["amount"],
            memo=data["memo"], idempotency_key=data.get("idempotency_key") or posting.new_idempotency_key(),
        )
        return TransferPayload(
            transfer=TransferType.one(info, entry),
            account=AccountType.from_model(session.get(Account, source.id, populate_existing=True)),
        )

    @strawberry.mutation(
        description="Set how far below zero an account may go, and optionally how far above zero it may rise, "
        "with a reason (treasurer)."
    )
    @mutation_payload(
        SetCreditLimitPayload, allowed=permissions.is_treasurer, message=N_("Only the treasurer can change credit limits.")
    )
    def set_credit_limit(self, info: Info, input: SetCreditLimitInput) -> SetCreditLimitPayload:
        cap = policy.UNCHANGED if input.balance_cap is strawberry.UNSET else (input.balance_cap or "").strip() or None
        values = {"credit_limit": input.credit_limit, "reason": input.reason, "balance_cap": cap}
        data = load(schemas.SetCreditLimitSchema(), values if isinstance(cap, str) else values | {"balance_cap": None})
        account_id = node_pk(input.account_id, "Account", "accountId", NO_ACCOUNT)
        account = policy.set_credit_limit(
            info.context.session, info.context.viewer, account_id, data["credit_limit"], data["reason"],
            balance_cap=data["balance_cap"] if isinstance(cap, str) else cap,
        )
        return SetCreditLimitPayload(account=AccountType.from_model(account))

    @strawberry.mutation(description="Undo a transfer with a reversing entry, once (treasurer).")
    @mutation_payload(
        ReverseTransferPayload, allowed=permissions.is_treasurer, message=N_("Only the treasurer can reverse a transfer.")
    )
    def reverse_transfer(self, info: Info, input: ReverseTransferInput) -> ReverseTransferPayload:
        data = load(schemas.ReverseTransferSchema(), {"memo": input.memo})
        pk = node_pk(input.transfer_id, "Transfer", "transferId", N_("This transfer does not exist."))
        session = info.context.session
        entry = reversals.reverse_transfer(session, info.context.viewer, pk, data["memo"])
        original = session.get(Transfer, pk)
        return ReverseTransferPayload(transfer=TransferType.one(info, entry), reversed=TransferType.one(info, original))

    @strawberry.mutation(description="Set the transfer fee and the warning level (treasurer).")
    @mutation_payload(
        UpdateLedgerSettingsPayload,
        allowed=permissions.is_treasurer,
        message=N_("Only the treasurer can change the hub's ledger settings."),
    )
    def update_ledger_settings(self, info: Info, input: UpdateLedgerSettingsInput) -> UpdateLedgerSettingsPayload:
        data = load(schemas.LedgerSettingsSchema(), strawberry.asdict(input))
        settings = policy.update_settings(
            info.context.session, info.context.viewer,
            transfer_fee_bps=data.get("transfer_fee_percent"),
            transfer_fee_min=data.get("transfer_fee_minimum"),
            warning_level_percent=data.get("warning_level_percent"),
        )
        return UpdateLedgerSettingsPayload(settings=LedgerSettings.from_model(settings))

    @strawberry.mutation(description="Close an empty account: it neither pays nor receives any more (treasurer).")
    @mutation_payload(
        CloseAccountPayload, allowed=permissions.is_treasurer, message=N_("Only the treasurer can close an account.")
    )
    def close_account(self, info: Info, input: CloseAccountInput) -> CloseAccountPayload:
        account_id = node_pk(input.account_id, "Account", "accountId", NO_ACCOUNT)
        account = accounts.close_account(info.context.session, info.context.viewer, account_id)
        return CloseAccountPayload(account=AccountType.from_model(account))
