"""Weekly series of bookings: book them all (or the free dates), cancel the rest of one."""
import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload
from app.api.validation import load
from app.catalog import schemas, series
from app.catalog.api.inputs import BookingActionInput, BookResourceSeriesInput, booking_pk, input_dict, resource_pk
from app.catalog.api.types import BookingType, SeriesOccurrence


@strawberry.type
class BookResourceSeriesPayload(Payload):
    bookings: list[BookingType] = strawberry.field(default_factory=list)
    skipped: list[SeriesOccurrence] = strawberry.field(default_factory=list)


@strawberry.type
class CancelBookingSeriesPayload(Payload):
    bookings: list[BookingType] = strawberry.field(default_factory=list, description="The cancelled occurrences.")


@strawberry.type
class SeriesBookingMutation:
    @strawberry.mutation(description="Book the same slot every N weeks until a date (spaces and skills).")
    @mutation_payload(BookResourceSeriesPayload)
    def book_resource_series(self, info: Info, input: BookResourceSeriesInput) -> BookResourceSeriesPayload:
        data = load(schemas.SeriesSchema(), {**input_dict(input), "start": input.start.isoformat(),
                                             "end": input.end.isoformat(), "until": input.until.isoformat()})
        _series, made, skipped = series.book_series(
            info.context.session, info.context.viewer, resource_pk(data["resource_id"]),
            data["start"], data["end"], data["until"], data["every_weeks"], data["quantity"],
            bool(input.skip_conflicts), data.get("note", ""), on_account=data["pay_on_account"],
        )
        return BookResourceSeriesPayload(bookings=BookingType.page(made), skipped=[SeriesOccurrence.of(o) for o in skipped])

    @strawberry.mutation(description="Cancel this occurrence and the rest of its series.")
    @mutation_payload(CancelBookingSeriesPayload)
    def cancel_booking_series(self, info: Info, input: BookingActionInput) -> CancelBookingSeriesPayload:
        cancelled = series.cancel_rest_of_series(
            info.context.session, info.context.viewer, booking_pk(input.booking_id)
        )
        return CancelBookingSeriesPayload(bookings=BookingType.page(cancelled))
