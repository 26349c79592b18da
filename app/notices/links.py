"""Where a notice points: paths of the app's pages, built without a request (services write
notices); `render.absolute` makes them absolute with ALVEOLE_BASE_URL."""
import datetime as dt
from zoneinfo import ZoneInfo

# The global id is the same notion the pages read from their URLs; its encoding is the
# relay's (the one definition), imported here only so that no service imports the API layer.
from app.api.relay import to_global_id

INVOICES = "/invoices"
ACCOUNT = "/account"
STATEMENT = "/account/statement"
PAST_BOOKINGS = "/bookings?scope=past"


def booking_page(booking_id: int) -> str:
    return f"/bookings/{to_global_id('Booking', booking_id)}"


def resource_page(resource_id: int, start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> str:
    """/catalogue/<id>?start=...&end=..., the slot in the hub's local time as the form wants it."""
    local = lambda t: t.astimezone(zone).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    return f"/catalogue/{to_global_id('Resource', resource_id)}?start={local(start)}&end={local(end)}"
