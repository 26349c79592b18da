"""Input types of the catalogue's operations. The editable fields of a resource are built from
their one declaration (`app.catalog.fields`): createResource and updateResource share them."""
import datetime as dt
import enum
from typing import Optional

import strawberry

from app.api.mutations import node_pk
from app.catalog.api.types import ClosureKindEnum, PriceUnitEnum, ResourceKindEnum, ResourceStatusEnum
from app.catalog.bookings import NO_BOOKING
from app.catalog.fields import FIELDS, Kind
from app.catalog.resources import NO_RESOURCE
from models import ClosureKind


@strawberry.enum
class FutureBookingsChoice(enum.Enum):
    KEEP = "KEEP"
    CANCEL = "CANCEL"


@strawberry.enum
class BookingScope(enum.Enum):
    UPCOMING = "UPCOMING"
    PAST = "PAST"
    ALL = "ALL"


@strawberry.enum
class OwnerBookingView(enum.Enum):
    REQUESTS = "REQUESTS"
    CHECK_OUTS_TODAY = "CHECK_OUTS_TODAY"
    RETURNS_DUE = "RETURNS_DUE"
    TO_COMPLETE = "TO_COMPLETE"
    UPCOMING = "UPCOMING"
    PAST = "PAST"
    OVERDUE = "OVERDUE"


@strawberry.input
class OpeningSpanInput:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday")
    opens: str = strawberry.field(description='"08:00"')
    closes: str = strawberry.field(description='"18:00" (24:00 for midnight)')


_GRAPHQL_TYPE = {
    Kind.TEXT: str, Kind.MONEY: str, Kind.COUNT: int, Kind.HOURS: int, Kind.FLAG: bool,
    Kind.UNIT: PriceUnitEnum, Kind.OPENING_HOURS: list[OpeningSpanInput],
}


def _fields_input():
    """The optional editable fields, as the base of both resource inputs."""
    shared = [spec for spec in FIELDS if not spec.required_on_create]
    namespace = {spec.name: strawberry.field(default=None, description=spec.description) for spec in shared}
    namespace["__annotations__"] = {spec.name: Optional[_GRAPHQL_TYPE[spec.kind]] for spec in shared}
    return strawberry.input(type("ResourceFieldsInput", (), namespace))


ResourceFieldsInput = _fields_input()


@strawberry.input
class CreateResourceInput(ResourceFieldsInput):
    kind: ResourceKindEnum
    title: str
    owner_id: Optional[strawberry.ID] = strawberry.field(default=None, description="An organisation the viewer manages (default: theirs).")
    hub_pool: Optional[bool] = strawberry.field(default=None, description="Owned by the hub's shared pool (admin).")


@strawberry.input
class UpdateResourceInput(ResourceFieldsInput):
    resource_id: strawberry.ID
    title: Optional[str] = None


@strawberry.input
class SetResourceStatusInput:
    resource_id: strawberry.ID
    status: ResourceStatusEnum
    future_bookings: Optional[FutureBookingsChoice] = strawberry.field(
        default=None, description="Required when the resource still has future bookings."
    )
    reason: Optional[str] = None


@strawberry.input
class AddResourceClosureInput:
    resource_id: strawberry.ID
    start: dt.datetime
    end: dt.datetime
    kind: ClosureKindEnum = ClosureKind.CLOSED
    reason: Optional[str] = None


@strawberry.input
class RemoveResourceClosureInput:
    closure_id: strawberry.ID


@strawberry.input
class BookResourceInput:
    resource_id: strawberry.ID
    start: dt.datetime
    end: dt.datetime
    quantity: int = 1
    idempotency_key: Optional[str] = None
    note: Optional[str] = None
    pay_on_account: bool = strawberry.field(
        default=False, description="No hold: the price is invoiced to the booker when the booking completes."
    )


@strawberry.input
class BookingActionInput:
    booking_id: strawberry.ID
    reason: Optional[str] = None


@strawberry.input
class CheckOutBookingInput:
    booking_id: strawberry.ID
    condition_note: Optional[str] = None


@strawberry.input
class ReturnBookingInput:
    booking_id: strawberry.ID
    condition_note: Optional[str] = strawberry.field(default=None, description="The condition; with damage, what is damaged.")
    damage_reported: bool = False
    photos: Optional[list[str]] = strawberry.field(
        default=None, description="Photos of the damage, each base64-encoded (JPEG, PNG or WebP, at most 5 MB); "
        "they imply damageReported.")
    close_for_repair: bool = strawberry.field(
        default=False, description="Damage needing repair: the resource goes into maintenance (no new bookings).")


@strawberry.input
class BookResourceSeriesInput:
    resource_id: strawberry.ID
    start: dt.datetime = strawberry.field(description="The first occurrence.")
    end: dt.datetime
    until: dt.date = strawberry.field(description="The last date an occurrence may fall on.")
    every_weeks: int = 1
    quantity: int = 1
    skip_conflicts: bool = strawberry.field(default=False, description="Book the free dates and skip the others; "
                                            "otherwise any clash refuses the whole series.")
    note: Optional[str] = None
    pay_on_account: bool = strawberry.field(
        default=False, description="No hold: each date is invoiced to the booker when it completes."
    )


@strawberry.input
class JoinWaitlistInput:
    resource_id: strawberry.ID
    start: dt.datetime
    end: dt.datetime
    quantity: int = 1


@strawberry.input
class LeaveWaitlistInput:
    entry_id: strawberry.ID


@strawberry.input
class AddResourcePhotoInput:
    resource_id: strawberry.ID
    data: str = strawberry.field(description="The image file, base64-encoded (JPEG, PNG or WebP, at most 5 MB).")


@strawberry.input
class RemoveResourcePhotoInput:
    photo_id: strawberry.ID


@strawberry.input
class CreateCalendarFeedInput:
    resource_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="A resource the viewer manages; without it, the viewer's own bookings."
    )


def resource_pk(global_id: str) -> int:
    """The resource an input names as `resourceId`, else NOT_FOUND on that field."""
    return node_pk(global_id, "Resource", "resourceId", NO_RESOURCE)


def booking_pk(global_id: str) -> int:
    """The booking an input names as `bookingId`, else NOT_FOUND on that field."""
    return node_pk(global_id, "Booking", "bookingId", NO_BOOKING)


def input_dict(obj) -> dict:
    """An input as the plain dict its marshmallow schema loads."""
    return strawberry.asdict(obj)
