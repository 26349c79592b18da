"""Pages of the catalogue and bookings, on one blueprint: the catalogue and a resource's page
(`catalogue`), my bookings and the owner's desk (`bookings`), one booking (`booking_page`), the
owner's resources (`editing`). Importing this package registers every route."""
from app.catalog.views import booking_page, bookings, catalogue, editing
from app.catalog.views.common import bp

__all__ = ["booking_page", "bookings", "bp", "catalogue", "editing"]
