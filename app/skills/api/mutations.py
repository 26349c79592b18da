"""The job's lifecycle as mutations, each with its payload's `job`: request, quote, decline,
accept, cancel, deliver, confirm, dispute, settle; messages and ratings. Thin: parse, call
the service (which checks the side and the state), return the payload."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload
from app.api.validation import load
from app.skills import conversation, fulfilment, jobs, schemas
from app.skills.api.inputs import (
    AcceptQuoteInput,
    CancelJobInput,
    ConfirmJobInput,
    DeclineJobInput,
    DeliverJobInput,
    DisputeJobInput,
    QuoteJobInput,
    RateJobInput,
    RequestSkillInput,
    SendJobMessageInput,
    SettleDisputeInput,
    job_pk,
    resource_pk,
)
from app.skills.api.types import JobType
from models import Job


@strawberry.type
class JobPayload(Payload):
    job: Optional[JobType] = None


def _payload(name: str):
    return strawberry.type(type(name, (JobPayload,), {}))


RequestSkillPayload = _payload("RequestSkillPayload")
QuoteJobPayload = _payload("QuoteJobPayload")
DeclineJobPayload = _payload("DeclineJobPayload")
AcceptQuotePayload = _payload("AcceptQuotePayload")
CancelJobPayload = _payload("CancelJobPayload")
DeliverJobPayload = _payload("DeliverJobPayload")
ConfirmJobPayload = _payload("ConfirmJobPayload")
DisputeJobPayload = _payload("DisputeJobPayload")
SettleDisputePayload = _payload("SettleDisputePayload")
SendJobMessagePayload = _payload("SendJobMessagePayload")
RateJobPayload = _payload("RateJobPayload")


def _data(schema, input) -> dict:
    return load(schema, strawberry.asdict(input))


def _job(info: Info, job_id: int) -> JobType:
    return JobType.from_model(info.context.session.get(Job, job_id))


@strawberry.type
class JobsMutation:
    @strawberry.mutation(description="Ask a provider for work on a skill offer (client).")
    @mutation_payload(RequestSkillPayload)
    def request_skill(self, info: Info, input: RequestSkillInput) -> RequestSkillPayload:
        data = _data(schemas.RequestSkillSchema(), input)
        job = jobs.request_skill(
            info.context.session, info.context.viewer, resource_pk(data["resource_id"]),
            description=data["description"], preferred_start=data["preferred_start"],
            preferred_end=data["preferred_end"], estimated_hundredths=data["estimated_hours"],
            pay_on_account=data["pay_on_account"],
        )
        return RequestSkillPayload(job=JobType.from_model(job))

    @strawberry.mutation(description="Quote hours, price, dates and conditions (provider); the last quote counts.")
    @mutation_payload(QuoteJobPayload)
    def quote_job(self, info: Info, input: QuoteJobInput) -> QuoteJobPayload:
        data = _data(schemas.QuoteJobSchema(), input)
        quote = jobs.quote_job(
            info.context.session, info.context.viewer, job_pk(data["job_id"]), hundredths=data["hours"],
            price=data["price"], start=data["start"], end=data["end"], conditions=data["conditions"],
        )
        return QuoteJobPayload(job=_job(info, quote.job_id))

    @strawberry.mutation(description="Turn the job down before acceptance (either side).")
    @mutation_payload(DeclineJobPayload)
    def decline_job(self, info: Info, input: DeclineJobInput) -> DeclineJobPayload:
        data = _data(schemas.ReasonSchema(), input)
        job = jobs.decline_job(info.context.session, info.context.viewer, job_pk(data["job_id"]), data["reason"])
        return DeclineJobPayload(job=JobType.from_model(job))

    @strawberry.mutation(description="Accept the last quote (client): a hold of its price, or none on account.")
    @mutation_payload(AcceptQuotePayload)
    def accept_quote(self, info: Info, input: AcceptQuoteInput) -> AcceptQuotePayload:
        data = _data(schemas.AcceptQuoteSchema(), input)
        job = fulfilment.accept_quote(
            info.context.session, info.context.viewer, job_pk(data["job_id"]), data["idempotency_key"],
            data["pay_on_account"],
        )
        return AcceptQuotePayload(job=JobType.from_model(job))

    @strawberry.mutation(description="Cancel before delivery (client); after acceptance the offer's "
                         "cancellation terms apply.")
    @mutation_payload(CancelJobPayload)
    def cancel_job(self, info: Info, input: CancelJobInput) -> CancelJobPayload:
        data = _data(schemas.ReasonSchema(), input)
        job = fulfilment.cancel_job(info.context.session, info.context.viewer, job_pk(data["job_id"]), data["reason"])
        return CancelJobPayload(job=JobType.from_model(job))

    @strawberry.mutation(description="Say the work is done, with the hours worked (provider).")
    @mutation_payload(DeliverJobPayload)
    def deliver_job(self, info: Info, input: DeliverJobInput) -> DeliverJobPayload:
        data = _data(schemas.DeliverJobSchema(), input)
        job = fulfilment.deliver_job(
            info.context.session, info.context.viewer, job_pk(data["job_id"]), worked=data["hours_worked"],
            insertion=data["insertion_hours"], training=data["training_hours"],
        )
        return DeliverJobPayload(job=JobType.from_model(job))

    @strawberry.mutation(description="Confirm the delivery (client): the hold is paid to the provider, "
                         "or the price invoiced on account.")
    @mutation_payload(ConfirmJobPayload)
    def confirm_job(self, info: Info, input: ConfirmJobInput) -> ConfirmJobPayload:
        job = fulfilment.confirm_job(info.context.session, info.context.viewer, job_pk(input.job_id))
        return ConfirmJobPayload(job=JobType.from_model(job))

    @strawberry.mutation(description="Dispute the delivery instead of confirming it (client).")
    @mutation_payload(DisputeJobPayload)
    def dispute_job(self, info: Info, input: DisputeJobInput) -> DisputeJobPayload:
        data = _data(schemas.ReasonSchema(), input)
        job = fulfilment.dispute_job(info.context.session, info.context.viewer, job_pk(data["job_id"]), data["reason"])
        return DisputeJobPayload(job=JobType.from_model(job))

    @strawberry.mutation(description="Decide a dispute (treasurer): exactly `amount` goes to the provider.")
    @mutation_payload(SettleDisputePayload)
    def settle_dispute(self, info: Info, input: SettleDisputeInput) -> SettleDisputePayload:
        data = _data(schemas.SettleDisputeSchema(), input)
        job = fulfilment.settle_dispute(
            info.context.session, info.context.viewer, job_pk(data["job_id"]), data["amount"], data["decision"]
        )
        return SettleDisputePayload(job=JobType.from_model(job))

    @strawberry.mutation(description="Write to the other side of the job.")
    @mutation_payload(SendJobMessagePayload)
    def send_job_message(self, info: Info, input: SendJobMessageInput) -> SendJobMessagePayload:
        data = _data(schemas.JobMessageSchema(), input)
        message = conversation.send_message(info.context.session, info.context.viewer, job_pk(data["job_id"]), data["body"])
        return SendJobMessagePayload(job=_job(info, message.job_id))

    @strawberry.mutation(description="Rate the other side, once, after completion or settlement.")
    @mutation_payload(RateJobPayload)
    def rate_job(self, info: Info, input: RateJobInput) -> RateJobPayload:
        data = _data(schemas.RateJobSchema(), input)
        rating = conversation.rate_job(
            info.context.session, info.context.viewer, job_pk(data["job_id"]), data["stars"], data["comment"]
        )
        return RateJobPayload(job=_job(info, rating.job_id))
