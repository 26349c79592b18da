"""The catalogue's mutations, one module per theme, composed into the root types the schema
assembles."""
import strawberry

from app.catalog.api.mutations.bookings import BookingMutation
from app.catalog.api.mutations.closures import ClosureMutation
from app.catalog.api.mutations.feeds import FeedMutation
from app.catalog.api.mutations.photos import PhotoMutation
from app.catalog.api.mutations.resources import ResourceMutation
from app.catalog.api.mutations.series import SeriesBookingMutation
from app.catalog.api.mutations.waitlist import WaitlistMutation


# A root type lists its bases' fields in the order of the bases.
@strawberry.type
class CatalogMutation(FeedMutation, ResourceMutation, ClosureMutation, BookingMutation):
    pass


@strawberry.type
class SeriesMutation(SeriesBookingMutation, WaitlistMutation):
    pass


__all__ = ["CatalogMutation", "PhotoMutation", "SeriesMutation"]
