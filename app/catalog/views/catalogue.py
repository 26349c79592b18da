"""The catalogue's public pages: the search, a resource with its calendar and the booking
form (a booking, a weekly series, a place on the waitlist), and the photos."""
import datetime as dt
import secrets
from typing import Optional

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app.api.relay import decode_id
from app.catalog import queries
from app.catalog.views import booking_form
from app.catalog.views.common import bp, to_iso, to_local_input
from app.database import get_session
from app.hub import hub_zone
from app.web.forms import form_status, submit
from app.web.pages import Result, query

HOURS = range(7, 21)  # rows of the week calendar, hub time
PAGE_SIZE = 24
BOOKING_FORM = ("start", "end", "quantity", "note", "until", "pay_on_account")


# --- The calendar shown ----------------------------------------------------------------------


def _monday(value: str | None) -> dt.date:
    today = dt.datetime.now(hub_zone()).date()
    try:
        day = dt.date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    if abs(day.year - today.year) > 50:  # far outside any calendar a member browses
        abort(400)
    return day - dt.timedelta(days=day.weekday())


STATE_RANK = {"CLOSED": 0, "BOOKED": 1, "PARTLY_BOOKED": 2, "FREE": 3}  # least free first


def week_grid(periods: list[dict], monday: dt.date) -> list[dict]:
    """Days × hours: each cell gets the least free state of the periods it overlaps."""
    zone = hub_zone()
    now = dt.datetime.now(zone)
    spans = [
        (dt.datetime.fromisoformat(p["start"]), dt.datetime.fromisoformat(p["end"]), p["state"], p["freeCapacity"])
        for p in periods
    ]
    days = []
    for i in range(7):
        day = monday + dt.timedelta(days=i)
        cells = []
        for hour in HOURS:
            start = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
            end = start + dt.timedelta(hours=1)
            overlapping = [(STATE_RANK[st], st, fc) for s, e, st, fc in spans if s < end and start < e]
            _rank, state, free = min(overlapping) if overlapping else (0, "CLOSED", 0)
            if end <= now:
                state = "PAST"
            cells.append({"hour": hour, "state": state, "free": free, "start": start.strftime("%Y-%m-%dT%H:%M")})
        days.append({"date": day, "cells": cells})
    return days


def month_grid(periods: list[dict], monday: dt.date, first: dt.date) -> list[list[dict]]:
    """Six weeks of days, each FREE (free whenever open), BOOKED (never free while open),
    PARTLY_BOOKED, CLOSED (not open at all) or PAST."""
    zone = hub_zone()
    today = dt.datetime.now(zone).date()
    spans = [(dt.datetime.fromisoformat(p["start"]), dt.datetime.fromisoformat(p["end"]), p["state"]) for p in periods]
    weeks = []
    for w in range(6):
        row = []
        for d in range(7):
            day = monday + dt.timedelta(days=w * 7 + d)
            start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            end = start + dt.timedelta(days=1)
            states = {st for s, e, st in spans if s < end and start < e and st != "CLOSED"}
            if day < today:
                state = "PAST"
            elif not states:
                state = "CLOSED"
            elif states == {"FREE"}:
                state = "FREE"
            elif "FREE" in states or "PARTLY_BOOKED" in states:
                state = "PARTLY_BOOKED"
            else:
                state = "BOOKED"
            row.append({"date": day, "state": state, "in_month": day.month == first.month,
                        "week": (day - dt.timedelta(days=day.weekday())).isoformat()})
        weeks.append(row)
    return weeks


def _calendar_range(zone) -> tuple[dt.date, Optional[dt.date], dt.datetime, dt.datetime]:
    """(first Monday shown, first of the month in the month view or None, start, end)."""
    # The week asked for, else the week of the slot carried over from a search.
    week = request.args.get("week") or (request.args.get("start") or "")[:10] or None
    monday = _monday(week)
    if request.args.get("view") != "month":
        start = dt.datetime.combine(monday, dt.time(), tzinfo=zone)
        return monday, None, start, start + dt.timedelta(days=7)
    # Six weeks from the Monday on or before the first of the month.
    first = monday.replace(day=1) if week else dt.datetime.now(zone).date().replace(day=1)
    monday = first - dt.timedelta(days=first.weekday())
    start = dt.datetime.combine(monday, dt.time(), tzinfo=zone)
    return monday, first, start, start + dt.timedelta(days=42)


def _neighbours(monday: dt.date, first: Optional[dt.date]) -> tuple[str, str]:
    """The previous and next week (or month) to browse to."""
    if first is not None:
        return (first - dt.timedelta(days=1)).replace(day=1).isoformat(), (first + dt.timedelta(days=32)).replace(day=1).isoformat()
    return (monday - dt.timedelta(days=7)).isoformat(), (monday + dt.timedelta(days=7)).isoformat()


# --- Catalogue -----------------------------------------------------------------------------


def _window(args) -> tuple[dict, Optional[str]]:
    """The free window asked for, as the query's variables, or why it cannot be read."""
    start, end = to_iso(args.get("from")), to_iso(args.get("to"))
    if start and end:
        try:
            if dt.datetime.fromisoformat(end) <= dt.datetime.fromisoformat(start):
                return {}, gettext("The end must be after the start.")
        except ValueError:
            return {}, gettext("Enter a date and time.")
        return {"from": start, "to": end}, None
    if start or end:
        return {}, gettext("Give both the start and the end of the period.")
    return {}, None


def _max_price(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    try:
        float(value.replace(",", "."))
    except ValueError:
        return None
    return value.replace(",", ".")


@bp.route("/catalogue")
def catalogue():
    args = request.args
    variables = {
        "search": args.get("q") or None,
        "kind": args.get("kind") if args.get("kind") in ("TOOL", "WORKSPACE", "SKILL") else None,
        "category": args.get("category") or None,
        "town": args.get("town") or None,
        "maxPrice": _max_price(args.get("max_price")),
        "first": PAGE_SIZE,
        "after": args.get("after") or None,
    }
    window, window_error = _window(args)
    variables.update(window)
    data = query("CatalogueSearch", **variables)
    return render_template(
        "catalog/catalogue.html", page=data["resources"], facets=data["catalogueFacets"],
        args=args, window=bool(window), window_error=window_error,
    )


# --- A resource and its booking form -------------------------------------------------------


def _booked(result: Result) -> str:
    if result["booking"]["status"] == "REQUESTED":
        return gettext("Your request is sent: the owner will confirm it.")
    if request.form.get("pay_on_account") == "1":
        return gettext("Booked on account: the owner will invoice you when the booking is completed.")
    return gettext("Booked. The price is reserved on your account until the booking is completed.")


def _series_preview(resource_id: str, slot: dict, until: str, quantity: int) -> tuple[Result, Optional[list]]:
    """A weekly series: first show which dates clash, then let the member choose."""
    try:
        preview = query("BookingSeriesPreview", resourceId=resource_id, start=slot["start"], end=slot["end"],
                        until=until, quantity=quantity)["bookingSeriesPreview"]
    except Exception:  # an unreadable date from the form: the API's field error below
        preview = {"occurrences": [], "errors": [{"code": "INVALID", "field": ["until"], "message": gettext("Enter a date and time.")}]}
    result = Result({"errors": preview["errors"]})
    return result, preview["occurrences"] if result.ok else None


def _book(resource_id: str) -> tuple[Result, dict, Optional[list]]:
    """The booking form's POST: (the refused result, the form as sent, a series' dates)."""
    if not current_user.is_authenticated:
        abort(401)
    form = {k: request.form.get(k, "") for k in BOOKING_FORM}
    try:
        quantity = int(form["quantity"] or 1)
    except ValueError:
        quantity = 0
    action = request.form.get("action", "book")
    slot = {"resourceId": resource_id, "start": to_iso(form["start"]) or "", "end": to_iso(form["end"]) or ""}
    then = url_for("catalog.my_bookings")
    if action == "waitlist":
        result = submit("JoinWaitlist", {**slot, "quantity": quantity}, then=then,
                        done=gettext("You are on the waitlist: you will be told if this slot frees up."))
        return result, form, None
    if form["until"] and action in ("book", "preview"):
        result, preview = _series_preview(resource_id, slot, form["until"], quantity)
        return result, form, preview
    if action in ("series-skip", "series-all"):
        result = submit("BookResourceSeries", {
            **slot, "until": form["until"], "quantity": quantity, "note": form["note"],
            "skipConflicts": action == "series-skip", "payOnAccount": form["pay_on_account"] == "1",
        }, done=lambda r: gettext("%(count)s dates booked.", count=len(r["bookings"])), then=then)
        return result, form, None
    result = submit("BookResource", {
        **slot, "quantity": quantity, "note": form["note"],
        "idempotencyKey": request.form.get("idempotency_key") or None,
        "payOnAccount": form["pay_on_account"] == "1",
    }, done=_booked, then=then)
    return result, form, None


def _suggestions(result: Optional[Result]) -> list[dict]:
    """The free slots a refused booking suggests, as the form's values."""
    slots = (result.payload.get("suggestedSlots") or []) if result else []
    return [{"start": to_local_input(s["start"]), "end": to_local_input(s["end"]), "iso": s["start"]} for s in slots]


@bp.route("/catalogue/<resource_id>", methods=["GET", "POST"])
def resource_page(resource_id: str):
    monday, first, week_start, week_end = _calendar_range(hub_zone())
    result = series_preview = None
    form = {
        "start": request.args.get("start", ""), "end": request.args.get("end", ""),
        "quantity": request.args.get("quantity", "1"), "note": "", "until": "",
        "pay_on_account": request.args.get("pay_on_account", ""),
    }
    if request.method == "POST":
        result, form, series_preview = _book(resource_id)
    resource = query("ResourceDetail", id=resource_id, **{"from": week_start.isoformat(), "to": week_end.isoformat()})["resource"]
    if resource is None:
        abort(404)
    if not form["start"] and resource["nextFreeSlot"]:
        form["start"] = to_local_input(resource["nextFreeSlot"]["start"])
        form["end"] = to_local_input(resource["nextFreeSlot"]["end"])
    previous_page, next_page = _neighbours(monday, first)
    month_view = first is not None
    days = week_grid(resource["availability"], monday) if not month_view else None
    if days:
        booking_form.cell_links(days, resource["id"], monday)
    return render_template(
        "catalog/resource.html", resource=resource, days=days,
        quote=booking_form.booking_quote(resource["id"], form, form["pay_on_account"] == "1", said=result),
        presets=booking_form.presets(resource["openingHours"], booking_form.preset_day(form, resource["nextFreeSlot"])),
        picking_end=booking_form.selection()[2],
        month=month_grid(resource["availability"], monday, first) if month_view else None, first=first,
        monday=monday, previous_week=previous_page, next_week=next_page, result=result, form=form,
        view="month" if month_view else "week", suggestions=_suggestions(result),
        idempotency_key=secrets.token_hex(12), hours=HOURS, series_preview=series_preview,
        conflict=bool(result and any(e["code"] == "CONFLICT" for e in result.errors) and not form.get("until")),
    ), form_status(result)


@bp.route("/photos/<photo_id>.jpg")
def photo(photo_id: str):
    """A photo's bytes (public, like the catalogue); re-encoded JPEG, so safe to serve inline."""
    pk = decode_id(photo_id, "ResourcePhoto")
    data = queries.photo_bytes(get_session(), pk, thumbnail=request.args.get("size") == "thumb") if pk else None
    if data is None:
        abort(404)
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})
