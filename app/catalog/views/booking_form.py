"""The resource page's booking form, beyond the calendar: the slot picked by tapping a start
cell then an end cell, the half-day and day presets, and the quote of the chosen slot (price,
credit held, cancellation terms) read from the API before the member confirms."""
import datetime as dt
from typing import Optional

from flask import render_template, request, url_for

from app.catalog.views.common import bp, to_iso
from app.hub import hub_zone
from app.web.pages import Result, query

LOCAL = "%Y-%m-%dT%H:%M"
NOON = 12 * 60
# Without opening hours: a working day, with a lunch break between the half-days.
DEFAULT_DAY = [(8 * 60, NOON), (13 * 60, 18 * 60)]


def parse_local(value: Optional[str]) -> Optional[dt.datetime]:
    """A datetime-local value ("2026-12-07T08:00") as an aware time of the hub, or None."""
    try:
        naive = dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if naive is None:
        return None
    return naive if naive.tzinfo else naive.replace(tzinfo=hub_zone())


def selection() -> tuple[Optional[dt.datetime], Optional[dt.datetime], bool]:
    """(start, end, waiting for the end tap) of the slot in the page's URL."""
    start, end = parse_local(request.args.get("start")), parse_local(request.args.get("end"))
    if start and end and end <= start:
        end = None
    return start, end, request.args.get("pick") == "end" and start is not None


def cell_links(days: list[dict], resource_id: str, monday: dt.date) -> None:
    """Give each free cell of the week the link of a tap: the first tap picks a start (and an
    hour), the second, on a later cell, stretches the slot to that cell's end. Cells of the
    chosen slot are marked `selected`."""
    start, end, picking_end = selection()
    for day in days:
        for cell in day["cells"]:
            cell_start = parse_local(cell["start"])
            cell_end = cell_start + dt.timedelta(hours=1)
            cell["selected"] = bool(start and end and start < cell_end and cell_start < end)
            if picking_end and cell_end > start:  # the end tap: on to the form
                args, anchor = {"start": start.strftime(LOCAL), "end": cell_end.strftime(LOCAL)}, "#book"
            else:  # the start tap: stay on the calendar for the end tap
                args, anchor = {"start": cell["start"], "end": cell_end.strftime(LOCAL), "pick": "end"}, "#calendar"
            cell["href"] = url_for("catalog.resource_page", resource_id=resource_id, week=monday.isoformat(),
                                   quantity=request.args.get("quantity"), **args) + anchor


def _spans(opening_hours: list[dict], day: dt.date) -> list[tuple[int, int]]:
    if not opening_hours:
        return DEFAULT_DAY
    minutes = lambda hhmm: int(hhmm[:2]) * 60 + int(hhmm[3:])  # noqa: E731
    return sorted((minutes(s["opens"]), minutes(s["closes"])) for s in opening_hours
                  if s["weekday"] == day.isoweekday())


def presets(opening_hours: list[dict], day: dt.date) -> list[dict]:
    """Morning, afternoon and whole day of `day` within its opening hours (none when closed):
    each a label key and the form's start and end."""
    spans = _spans(opening_hours, day)
    if not spans:
        return []
    opens, closes = spans[0][0], spans[-1][1]
    if len(spans) > 1:
        halves = [spans[0], spans[-1]]
    elif opens < NOON < closes:
        halves = [(opens, NOON), (NOON, closes)]
    else:
        halves = []
    at = lambda minutes: (dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)).strftime(LOCAL)  # noqa: E731
    keys = ("morning", "afternoon")[:len(halves)]
    choices = [{"key": key, "start": at(a), "end": at(b)} for key, (a, b) in zip(keys, halves, strict=True)]
    return choices + [{"key": "day", "start": at(opens), "end": at(closes)}]


def preset_day(form: dict, next_free: Optional[dict]) -> dt.date:
    """The day the presets are for: the chosen start's, else the next free slot's, else today."""
    start = parse_local(form.get("start"))
    if start is None and next_free:
        start = dt.datetime.fromisoformat(next_free["start"]).astimezone(hub_zone())
    return (start or dt.datetime.now(hub_zone())).date()


def booking_quote(resource_id: str, form: dict, on_account: bool, said: Optional[Result] = None) -> Optional[dict]:
    """The API's quote of the slot in the form, or None when no slot is chosen yet. Its errors
    leave out those the refused booking `said` already shows by the form's fields."""
    start, end = to_iso(form.get("start")), to_iso(form.get("end"))
    if not start or not end or parse_local(start) is None or parse_local(end) is None:
        return None
    try:
        quantity = min(max(int(form.get("quantity") or 1), 1), 10**6)  # the API explains a wrong one
    except ValueError:
        quantity = 1
    quote = query("BookingQuote", resourceId=resource_id, start=start, end=end, quantity=quantity,
                  payOnAccount=on_account)["bookingQuote"]
    if said is not None:
        shown = {e["message"] for e in said.errors}
        quote["errors"] = [e for e in quote["errors"] if e["message"] not in shown]
    terms = quote["cancellation"]
    if terms is not None:  # free cancellation already over when booking now
        terms["costsNow"] = dt.datetime.fromisoformat(terms["freeUntil"]) <= dt.datetime.now(dt.timezone.utc)
    return quote


@bp.route("/catalogue/<resource_id>/quote")
def quote_fragment(resource_id: str):
    """The quote box alone, for the page's script to refresh it as the member edits the form."""
    form = {k: request.args.get(k, "") for k in ("start", "end", "quantity")}
    quote = booking_quote(resource_id, form, request.args.get("pay_on_account") == "1")
    return render_template("catalog/_quote.html", quote=quote)
