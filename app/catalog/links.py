"""Where a stored notice points: the web page of a resource at a given slot. A plain function
for the services that write notices, which know nothing of requests or of the API."""
import datetime as dt
from zoneinfo import ZoneInfo

# The global id is the same notion the pages read from their URLs; its encoding is the
# relay's (the one definition), imported here only so that no service imports the API layer.
from app.api.relay import to_global_id


def resource_page(resource_id: int, start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> str:
    """/catalogue/<id>?start=...&end=..., the slot in the hub's local time as the form wants it."""
    local = lambda t: t.astimezone(zone).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    return f"/catalogue/{to_global_id('Resource', resource_id)}?start={local(start)}&end={local(end)}"
