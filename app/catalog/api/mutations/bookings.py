"""Booking a resource and the booking's lifecycle: cancel, approve or reject a request, hand
over, take back, complete, mark a no-show."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.errors import to_user_errors
from app.api.mutations import Payload, mutation_payload
from app.api.validation import load
from app.catalog import bookings, schemas
from app.catalog.api.inputs import (
    BookingActionInput,
    BookResourceInput,
    CheckOutBookingInput,
    ReturnBookingInput,
    booking_pk,
    input_dict,
    resource_pk,
)
from app.catalog.api.mutations.photos import decode_photo
from app.catalog.api.types import BookingType, TimeSlot
from app.catalog.booking_rules import SlotTaken
from app.hub import MEMO_LENGTH


@strawberry.type
class BookResourcePayload(Payload):
    booking: Optional[BookingType] = None
    suggested_slots: list[TimeSlot] = strawberry.field(
        default_factory=list, description="On CONFLICT: the next free slots of the same length."
    )


@strawberry.type
class BookingPayload(Payload):
    booking: Optional[BookingType] = None


# Specific payload names, as the conventions ask, all of the same shape.
CancelBookingPayload = strawberry.type(type("CancelBookingPayload", (BookingPayload,), {}))
ApproveBookingPayload = strawberry.type(type("ApproveBookingPayload", (BookingPayload,), {}))
RejectBookingPayload = strawberry.type(type("RejectBookingPayload", (BookingPayload,), {}))
CheckOutBookingPayload = strawberry.type(type("CheckOutBookingPayload", (BookingPayload,), {}))
ReturnBookingPayload = strawberry.type(type("ReturnBookingPayload", (BookingPayload,), {}))
CompleteBookingPayload = strawberry.type(type("CompleteBookingPayload", (BookingPayload,), {}))
MarkNoShowPayload = strawberry.type(type("MarkNoShowPayload", (BookingPayload,), {}))


@strawberry.type
class BookingMutation:
    @strawberry.mutation(description="Book a resource over [start, end); paid with a hold on the viewer's account. "
                         "CONFLICT when the slot is taken, with suggestedSlots.")
    @mutation_payload(BookResourcePayload)
    def book_resource(self, info: Info, input: BookResourceInput) -> BookResourcePayload:
        data = load(schemas.BookResourceSchema(), input_dict(input))
        session = info.context.session
        resource_id = resource_pk(data["resource_id"])
        try:
            with session.begin_nested():
                booking = bookings.book_resource(
                    session, info.context.viewer, resource_id, data["start"], data["end"], data["quantity"],
                    data.get("idempotency_key"), data.get("note", ""), on_account=data["pay_on_account"],
                )
        except SlotTaken as exc:
            return BookResourcePayload(
                errors=to_user_errors(exc),
                suggested_slots=[TimeSlot(start=s.start, end=s.end) for s in exc.suggestions],
            )
        return BookResourcePayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Cancel a booking: free until the resource's notice, then a fee; "
                         "the owner may cancel free of charge.")
    @mutation_payload(CancelBookingPayload)
    def cancel_booking(self, info: Info, input: BookingActionInput) -> CancelBookingPayload:
        booking = bookings.cancel_booking(
            info.context.session, info.context.viewer, booking_pk(input.booking_id), input.reason or ""
        )
        return CancelBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Accept a booking request (owner).")
    @mutation_payload(ApproveBookingPayload)
    def approve_booking(self, info: Info, input: BookingActionInput) -> ApproveBookingPayload:
        booking = bookings.approve_booking(info.context.session, info.context.viewer, booking_pk(input.booking_id))
        return ApproveBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Turn down a booking request with a reason (owner); releases the hold.")
    @mutation_payload(RejectBookingPayload)
    def reject_booking(self, info: Info, input: BookingActionInput) -> RejectBookingPayload:
        booking = bookings.reject_booking(
            info.context.session, info.context.viewer, booking_pk(input.booking_id), input.reason or ""
        )
        return RejectBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Hand the resource over (owner), noting its condition.")
    @mutation_payload(CheckOutBookingPayload)
    def check_out_booking(self, info: Info, input: CheckOutBookingInput) -> CheckOutBookingPayload:
        booking = bookings.check_out_booking(
            info.context.session, info.context.viewer, booking_pk(input.booking_id),
            (input.condition_note or "")[:MEMO_LENGTH],
        )
        return CheckOutBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Take the resource back (owner): condition, damage with photos (and "
                         "the resource closed for repair if asked), late fee; completes the booking unless "
                         "damage is reported.")
    @mutation_payload(ReturnBookingPayload)
    def return_booking(self, info: Info, input: ReturnBookingInput) -> ReturnBookingPayload:
        pictures = [decode_photo(data, "photos") for data in input.photos or []]
        booking = bookings.return_booking(
            info.context.session, info.context.viewer, booking_pk(input.booking_id),
            (input.condition_note or "")[:MEMO_LENGTH], input.damage_reported,
            photos=pictures, close_for_repair=input.close_for_repair,
        )
        return ReturnBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="Close a returned booking, or an ended workspace/skill booking (owner): "
                         "the hold is paid to the owner.")
    @mutation_payload(CompleteBookingPayload)
    def complete_booking(self, info: Info, input: BookingActionInput) -> CompleteBookingPayload:
        booking = bookings.complete_booking(info.context.session, info.context.viewer, booking_pk(input.booking_id))
        return CompleteBookingPayload(booking=BookingType.from_model(booking))

    @strawberry.mutation(description="The booker did not come (owner): the price is due.")
    @mutation_payload(MarkNoShowPayload)
    def mark_no_show(self, info: Info, input: BookingActionInput) -> MarkNoShowPayload:
        booking = bookings.mark_no_show(info.context.session, info.context.viewer, booking_pk(input.booking_id))
        return MarkNoShowPayload(booking=BookingType.from_model(booking))
