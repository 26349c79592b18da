"""Waiting for a taken slot (app.notices tells when it frees up)."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.catalog import schemas, waitlist
from app.catalog.api.inputs import JoinWaitlistInput, LeaveWaitlistInput, resource_pk
from app.catalog.api.types import WaitlistEntryType


@strawberry.type
class JoinWaitlistPayload(Payload):
    entry: Optional[WaitlistEntryType] = None


@strawberry.type
class LeaveWaitlistPayload(Payload):
    entry: Optional[WaitlistEntryType] = None


@strawberry.type
class WaitlistMutation:
    @strawberry.mutation(description="Wait for a taken slot: the viewer is told when it frees up.")
    @mutation_payload(JoinWaitlistPayload)
    def join_waitlist(self, info: Info, input: JoinWaitlistInput) -> JoinWaitlistPayload:
        data = load(schemas.BookResourceSchema(), {"resource_id": input.resource_id, "start": input.start.isoformat(),
                                                   "end": input.end.isoformat(), "quantity": input.quantity})
        entry = waitlist.join(info.context.session, info.context.viewer,
                              resource_pk(data["resource_id"]),
                              data["start"], data["end"], data["quantity"])
        return JoinWaitlistPayload(entry=WaitlistEntryType.page([entry])[0])

    @strawberry.mutation(description="Leave a waitlist.")
    @mutation_payload(LeaveWaitlistPayload)
    def leave_waitlist(self, info: Info, input: LeaveWaitlistInput) -> LeaveWaitlistPayload:
        entry = waitlist.leave(info.context.session, info.context.viewer,
                               node_pk(input.entry_id, "WaitlistEntry", "entryId", waitlist.NO_ENTRY))
        return LeaveWaitlistPayload(entry=WaitlistEntryType.page([entry])[0])
