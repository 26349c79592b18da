"""The treasurer's mutations: propose, post or discard a clearing run; close a month."""
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.errors import N_
from app.treasury import periods, runs, schemas
from app.treasury.api.statements import PeriodCloseType
from app.treasury.api.types import ClearingMethodEnum, ClearingRunType
from models import ClearingMethod

NO_RUN = N_("This clearing run does not exist.")


@strawberry.input
class ProposeClearingInput:
    method: ClearingMethodEnum = ClearingMethod.SET_OFF


@strawberry.input
class ClearingRunInput:
    run_id: strawberry.ID


@strawberry.input
class ClosePeriodInput:
    month: str = strawberry.field(description="YYYY-MM, a month that is over.")


@strawberry.type
class ProposeClearingPayload(Payload):
    run: Optional[ClearingRunType] = None


@strawberry.type
class PostClearingPayload(Payload):
    run: Optional[ClearingRunType] = None


@strawberry.type
class DiscardClearingPayload(Payload):
    run: Optional[ClearingRunType] = None


@strawberry.type
class ClosePeriodPayload(Payload):
    period_close: Optional[PeriodCloseType] = None


def _run_pk(input: ClearingRunInput) -> int:
    return node_pk(input.run_id, "ClearingRun", "runId", NO_RUN)


@strawberry.type
class TreasuryMutation:
    @strawberry.mutation(description="Compute a clearing of all accepted invoices and keep it as a proposal (treasurer).")
    @mutation_payload(ProposeClearingPayload, allowed=permissions.is_treasurer)
    def propose_clearing(self, info: Info, input: Optional[ProposeClearingInput] = None) -> ProposeClearingPayload:
        method = input.method if input else ClearingMethod.SET_OFF
        run = runs.propose_clearing(info.context.session, info.context.viewer, ClearingMethod(method.value))
        return ProposeClearingPayload(run=ClearingRunType.from_model(run))

    @strawberry.mutation(description="Post a proposal atomically; refused with STALE if an invoice changed (treasurer).")
    @mutation_payload(PostClearingPayload, allowed=permissions.is_treasurer)
    def post_clearing(self, info: Info, input: ClearingRunInput) -> PostClearingPayload:
        run = runs.post_clearing(info.context.session, info.context.viewer, _run_pk(input))
        return PostClearingPayload(run=ClearingRunType.from_model(run))

    @strawberry.mutation(description="Discard a proposal (treasurer).")
    @mutation_payload(DiscardClearingPayload, allowed=permissions.is_treasurer)
    def discard_clearing(self, info: Info, input: ClearingRunInput) -> DiscardClearingPayload:
        run = runs.discard_clearing(info.context.session, info.context.viewer, _run_pk(input))
        return DiscardClearingPayload(run=ClearingRunType.from_model(run))

    @strawberry.mutation(description="Write every account's statement for a finished month, once (treasurer).")
    @mutation_payload(ClosePeriodPayload, allowed=permissions.is_treasurer)
    def close_period(self, info: Info, input: ClosePeriodInput) -> ClosePeriodPayload:
        data = load(schemas.PeriodSchema(), strawberry.asdict(input))
        close = periods.close_period(info.context.session, info.context.viewer, periods.parse_month(data["month"]))
        return ClosePeriodPayload(period_close=PeriodCloseType.from_model(close))
