"""Pages of the catalogue and bookings: browse, a resource with its week calendar and the
booking form, my bookings, the owner's desk (requests, check-outs, returns), my resources."""
import base64
import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app.errors import N_
from app.hub import hub_zone
from app.web import amount_for_input
from app.web.pages import Result, mutate, query, safe_next

bp = Blueprint("catalog", __name__)


@bp.app_context_processor
def labels():
    """The catalogue's enum labels, translated, for its pages and the home page."""
    return {
        "kind_labels": {"TOOL": _l("Tool"), "WORKSPACE": _l("Workspace"), "SKILL": _l("Skill")},
        "unit_labels": {"HOUR": _l("per hour"), "HALF_DAY": _l("per half-day"), "DAY": _l("per day")},
        "status_labels": {"AVAILABLE": _l("Available"), "MAINTENANCE": _l("In maintenance"), "RETIRED": _l("Retired")},
        "booking_labels": {
            "REQUESTED": _l("Awaiting approval"), "CONFIRMED": _l("Confirmed"), "CHECKED_OUT": _l("Handed over"),
            "RETURNED": _l("Returned"), "COMPLETED": _l("Completed"), "CANCELLED": _l("Cancelled"),
            "REJECTED": _l("Turned down"), "NO_SHOW": _l("No-show"),
        },
        "booking_badges": {
            "REQUESTED": "warn", "CONFIRMED": "ok", "CHECKED_OUT": "ok", "RETURNED": "warn", "COMPLETED": "",
            "CANCELLED": "bad", "REJECTED": "bad", "NO_SHOW": "bad",
        },
        "state_labels": {"FREE": _l("Free"), "PARTLY_BOOKED": _l("Partly booked"), "BOOKED": _l("Booked"), "CLOSED": _l("Closed"), "PAST": _l("Past")},
        "weekday_labels": {1: _l("Monday"), 2: _l("Tuesday"), 3: _l("Wednesday"), 4: _l("Thursday"),
                           5: _l("Friday"), 6: _l("Saturday"), 7: _l("Sunday")},
        "now_iso": dt.datetime.now(dt.timezone.utc).isoformat(),
    }

HOURS = range(7, 21)  # rows of the week calendar, hub time
PAGE_SIZE = 24


# --- Helpers -------------------------------------------------------------------------------


def to_iso(local_value: str | None) -> str | None:
    """A datetime-local form value ("2026-12-07T08:00"), read in the hub's time zone, as ISO
    8601 with its offset; None when empty, the raw text when unreadable (the API explains)."""
    if not local_value:
        return None
    try:
        naive = dt.datetime.fromisoformat(local_value)
    except ValueError:
        return local_value
    if naive.tzinfo is not None:
        return naive.isoformat()
    return naive.replace(tzinfo=hub_zone()).isoformat()


def to_local_input(iso_value: str | None) -> str:
    """An ISO datetime from the API as a datetime-local value in the hub's time zone."""
    if not iso_value:
        return ""
    return dt.datetime.fromisoformat(iso_value).astimezone(hub_zone()).strftime("%Y-%m-%dT%H:%M")


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


# --- Catalogue -----------------------------------------------------------------------------


@bp.route("/catalogue")
def catalogue():
    args = request.args
    variables = {
        "search": args.get("q") or None,
        "kind": args.get("kind") if args.get("kind") in ("TOOL", "WORKSPACE", "SKILL") else None,
        "category": args.get("category") or None,
        "town": args.get("town") or None,
        "maxPrice": args.get("max_price") or None,
        "first": PAGE_SIZE,
        "after": args.get("after") or None,
    }
    window_error = None
    start, end = to_iso(args.get("from")), to_iso(args.get("to"))
    if start and end:
        try:
            if dt.datetime.fromisoformat(end) <= dt.datetime.fromisoformat(start):
                window_error = gettext("The end must be after the start.")
            else:
                variables.update({"from": start, "to": end})
        except ValueError:
            window_error = gettext("Enter a date and time.")
    elif start or end:
        window_error = gettext("Give both the start and the end of the period.")
    if variables["maxPrice"]:
        try:
            float(variables["maxPrice"].replace(",", "."))
            variables["maxPrice"] = variables["maxPrice"].replace(",", ".")
        except ValueError:
            variables["maxPrice"] = None
    data = query("CatalogueSearch", **variables)
    return render_template(
        "catalog/catalogue.html", page=data["resources"], facets=data["catalogueFacets"],
        args=args, window=bool(variables.get("from")), window_error=window_error,
    )


@bp.route("/catalogue/<resource_id>", methods=["GET", "POST"])
def resource_page(resource_id: str):
    monday = _monday(request.args.get("week"))
    zone = hub_zone()
    month_view = request.args.get("view") == "month"
    if month_view:
        # Six weeks from the Monday on or before the first of the month.
        first = monday.replace(day=1) if request.args.get("week") else dt.datetime.now(zone).date().replace(day=1)
        monday = first - dt.timedelta(days=first.weekday())
        week_start = dt.datetime.combine(monday, dt.time(), tzinfo=zone)
        week_end = week_start + dt.timedelta(days=42)
    else:
        first = None
        week_start = dt.datetime.combine(monday, dt.time(), tzinfo=zone)
        week_end = week_start + dt.timedelta(days=7)
    result = None
    form = {
        "start": request.args.get("start", ""), "end": request.args.get("end", ""),
        "quantity": request.args.get("quantity", "1"), "note": "", "until": "",
    }
    series_preview = None
    if request.method == "POST":
        from flask_login import current_user

        if not current_user.is_authenticated:
            abort(401)
        form = {k: request.form.get(k, "") for k in ("start", "end", "quantity", "note", "until")}
        try:
            quantity = int(form["quantity"] or 1)
        except ValueError:
            quantity = 0
        action = request.form.get("action", "book")
        slot = {"resourceId": resource_id, "start": to_iso(form["start"]) or "", "end": to_iso(form["end"]) or ""}
        if action == "waitlist":
            result = mutate("JoinWaitlist", {**slot, "quantity": quantity})
            if result.ok:
                flash(gettext("You are on the waitlist: you will be told if this slot frees up."), "success")
                return redirect(url_for("catalog.my_bookings"))
        elif form["until"] and action in ("book", "preview"):
            # A weekly series: first show which dates clash, then let the member choose.
            try:
                preview = query("BookingSeriesPreview", resourceId=resource_id, start=slot["start"], end=slot["end"],
                                until=form["until"], quantity=quantity)["bookingSeriesPreview"]
            except Exception:  # an unreadable date from the form: the API's field error below
                preview = {"occurrences": [], "errors": [{"code": "INVALID", "field": ["until"], "message": gettext("Enter a date and time.")}]}
            result = Result({"errors": preview["errors"]})
            series_preview = preview["occurrences"] if result.ok else None
        elif action in ("series-skip", "series-all"):
            result = mutate("BookResourceSeries", {
                **slot, "until": form["until"], "quantity": quantity, "note": form["note"],
                "skipConflicts": action == "series-skip",
            })
            if result.ok:
                flash(gettext("%(count)s dates booked.", count=len(result["bookings"])), "success")
                return redirect(url_for("catalog.my_bookings"))
        else:
            result = mutate("BookResource", {
                **slot, "quantity": quantity, "note": form["note"],
                "idempotencyKey": request.form.get("idempotency_key") or None,
                "payOnAccount": request.form.get("pay_on_account") == "1",
            })
            if result.ok:
                booking = result["booking"]
                if booking["status"] == "REQUESTED":
                    flash(gettext("Your request is sent: the owner will confirm it."), "success")
                elif request.form.get("pay_on_account") == "1":
                    flash(gettext("Booked on account: the owner will invoice you when the booking is completed."), "success")
                else:
                    flash(gettext("Booked. The price is reserved on your account until the booking is completed."), "success")
                return redirect(url_for("catalog.my_bookings"))
    data = query("ResourceDetail", id=resource_id, **{"from": week_start.isoformat(), "to": week_end.isoformat()})
    resource = data["resource"]
    if resource is None:
        abort(404)
    if not form["start"] and resource["nextFreeSlot"]:
        form["start"] = to_local_input(resource["nextFreeSlot"]["start"])
        form["end"] = to_local_input(resource["nextFreeSlot"]["end"])
    import secrets

    if month_view:
        previous_page = (first - dt.timedelta(days=1)).replace(day=1).isoformat()
        next_page = (first + dt.timedelta(days=32)).replace(day=1).isoformat()
    else:
        previous_page = (monday - dt.timedelta(days=7)).isoformat()
        next_page = (monday + dt.timedelta(days=7)).isoformat()
    return render_template(
        "catalog/resource.html", resource=resource,
        days=week_grid(resource["availability"], monday) if not month_view else None,
        month=month_grid(resource["availability"], monday, first) if month_view else None, first=first,
        monday=monday, previous_week=previous_page, next_week=next_page, result=result, form=form,
        view="month" if month_view else "week",
        suggestions=[{"start": to_local_input(s["start"]), "end": to_local_input(s["end"]), "iso": s["start"]}
                     for s in (result.payload.get("suggestedSlots") or [])] if result else [],
        idempotency_key=secrets.token_hex(12), hours=HOURS, series_preview=series_preview,
        conflict=bool(result and any(e["code"] == "CONFLICT" for e in result.errors) and not form.get("until")),
    ), (200 if result is None or result.ok else 422)


# --- My bookings ---------------------------------------------------------------------------


@bp.route("/bookings")
@login_required
def my_bookings():
    scope = "PAST" if request.args.get("scope") == "past" else "UPCOMING"
    data = query("MyBookings", scope=scope, first=50, after=request.args.get("after") or None)
    return render_template("catalog/my_bookings.html", page=data["myBookings"], scope=scope,
                           feed_url=data["myCalendarFeedUrl"], waitlist=data["myWaitlist"],
                           notifications=data["notifications"])


ACTIONS = {
    "cancel": ("CancelBooking", lambda f: {"reason": f.get("reason", "")}),
    "approve": ("ApproveBooking", lambda f: {}),
    "reject": ("RejectBooking", lambda f: {"reason": f.get("reason", "")}),
    "complete": ("CompleteBooking", lambda f: {}),
    "no-show": ("MarkNoShow", lambda f: {}),
    "check-out": ("CheckOutBooking", lambda f: {"conditionNote": f.get("note", "")}),
    "cancel-series": ("CancelBookingSeries", lambda f: {}),
    "return": ("ReturnBooking", lambda f: {"conditionNote": f.get("note", ""), "damageReported": f.get("damage") == "on"}),
}
DONE = {
    "cancel": N_("The booking is cancelled."),
    "cancel-series": N_("This date and the following ones are cancelled."),
    "approve": N_("The booking is confirmed."),
    "reject": N_("The request is turned down."),
    "complete": N_("The booking is completed and paid."),
    "no-show": N_("The booking is marked as a no-show."),
    "check-out": N_("The resource is handed over."),
    "return": N_("The return is recorded."),
}


@bp.route("/bookings/<booking_id>/<action>", methods=["POST"])
@login_required
def booking_action(booking_id: str, action: str):
    if action not in ACTIONS:
        abort(404)
    operation, extra = ACTIONS[action]
    result: Result = mutate(operation, {"bookingId": booking_id, **extra(request.form)})
    if result.ok:
        flash(gettext(DONE[action]), "success")
    else:
        for error in result.errors:
            flash(error["message"], "error")
    target = request.form.get("next", "")
    return redirect(safe_next(target, "catalog.my_bookings"))


@bp.route("/bookings/manage")
@login_required
def manage_bookings():
    data = query("ManagedBookings", first=50)
    return render_template("catalog/manage.html", data=data)


@bp.route("/waitlist/<entry_id>/leave", methods=["POST"])
@login_required
def leave_waitlist(entry_id: str):
    result = mutate("LeaveWaitlist", {"entryId": entry_id})
    flash(gettext("You left the waitlist.") if result.ok else result.errors[0]["message"], "success" if result.ok else "error")
    return redirect(url_for("catalog.my_bookings"))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    mutate("MarkNotificationsRead")
    return redirect(url_for("catalog.my_bookings"))


@bp.route("/photos/<photo_id>.jpg")
def photo(photo_id: str):
    """A photo's bytes (public, like the catalogue); re-encoded JPEG, so safe to serve inline."""
    from flask import Response

    from app.api.relay import decode_id
    from app.database import get_session
    from models import ResourcePhoto

    pk = decode_id(photo_id, "ResourcePhoto")
    column = ResourcePhoto.thumbnail if request.args.get("size") == "thumb" else ResourcePhoto.data
    data = get_session().scalar(sa.select(column).where(ResourcePhoto.id == pk)) if pk else None
    if data is None:
        abort(404)
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})


# --- iCalendar feeds ------------------------------------------------------------------------


@bp.route("/ical/<token>.ics")
def ical_feed(token: str):
    """Read by calendar programs without a session: the token is the secret."""
    from flask import Response, current_app

    from app.catalog import ical
    from app.database import get_session

    session = get_session()
    feed = ical.feed_for_token(session, token)
    if feed is None:
        abort(404)
    body = ical.render(session, feed, current_app.config["HUB_NAME"], request.host)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


@bp.route("/calendar-feed", methods=["POST"])
@login_required
def create_feed():
    resource_id = request.form.get("resource_id") or None
    result = mutate("CreateCalendarFeed", {"resourceId": resource_id})
    if result.ok:
        flash(gettext("Your new private calendar address is below; the previous one no longer works."), "success")
    else:
        for error in result.errors:
            flash(error["message"], "error")
    if resource_id:
        return redirect(url_for("catalog.edit_resource", resource_id=resource_id))
    return redirect(url_for("catalog.my_bookings"))


# --- My resources --------------------------------------------------------------------------


@bp.route("/catalogue/mine")
@login_required
def my_resources():
    data = query("MyResources", first=100)
    return render_template("catalog/my_resources.html", page=data["myResources"])


WEEKDAY_KEYS = range(1, 8)


def _resource_input(form) -> dict:
    """The form of a resource as the API's input; empty fields are left out."""
    data = {}
    for key, name in [("title", "title"), ("description", "description"), ("category", "category"),
                      ("address", "address"), ("town", "town"), ("condition", "condition"),
                      ("price", "price"), ("deposit", "deposit"), ("lateFeePerDay", "late_fee_per_day")]:
        if name in form:
            data[key] = form.get(name, "")
    for key in ("deposit", "lateFeePerDay"):
        if data.get(key) == "":
            data[key] = "0"
    if form.get("price_unit"):
        data["priceUnit"] = form["price_unit"]
    for key, name in [("capacity", "capacity"), ("minDurationMinutes", "min_duration"),
                      ("maxDurationMinutes", "max_duration"), ("maxAdvanceDays", "max_advance_days"),
                      ("bufferMinutes", "buffer_minutes"), ("freeCancellationHours", "free_cancellation_hours"),
                      ("lateCancellationFeePercent", "late_cancellation_fee_percent"),
                      ("maintenanceEveryLoans", "maintenance_every_loans"), ("maintenanceMinutes", "maintenance_hours")]:
        raw = form.get(name, "").strip()
        if raw:
            try:
                value = int(raw)
            except ValueError:
                value = -1  # refused by the API with a clear message
            if name in ("min_duration", "max_duration", "maintenance_hours"):
                value = value * 60 if value > 0 else value  # the form asks in hours
            data[key] = value
        elif name in ("min_duration", "max_duration", "maintenance_every_loans"):
            data[key] = 0
    data["approvalRequired"] = form.get("approval_required") == "on"
    spans = []
    for day in WEEKDAY_KEYS:
        opens, closes = form.get(f"opens_{day}", "").strip(), form.get(f"closes_{day}", "").strip()
        if opens or closes:
            spans.append({"weekday": day, "opens": opens, "closes": closes})
    data["openingHours"] = spans
    return data


def _form_from_resource(resource: dict) -> dict:
    form = {
        "title": resource["title"], "description": resource["description"], "category": resource["category"],
        "address": resource["address"], "town": resource["town"], "condition": resource["condition"],
        "price": amount_for_input(resource["price"]["amount"]), "price_unit": resource["priceUnit"],
        "capacity": resource["capacity"],
        "deposit": amount_for_input(resource["deposit"]["amount"]) if resource["deposit"] else "",
        "late_fee_per_day": amount_for_input(resource["lateFeePerDay"]["amount"]),
        "min_duration": (resource["minDurationMinutes"] or 0) // 60 or "",
        "max_duration": (resource["maxDurationMinutes"] or 0) // 60 or "",
        "max_advance_days": resource["maxAdvanceDays"], "buffer_minutes": resource["bufferMinutes"],
        "free_cancellation_hours": resource["freeCancellationHours"],
        "late_cancellation_fee_percent": resource["lateCancellationFeePercent"],
        "approval_required": resource["approvalRequired"], "kind": resource["kind"],
        "maintenance_every_loans": resource["maintenanceEveryLoans"] or "",
        "maintenance_hours": resource["maintenanceMinutes"] // 60,
    }
    for span in resource["openingHours"]:
        form[f"opens_{span['weekday']}"] = span["opens"]
        form[f"closes_{span['weekday']}"] = span["closes"]
    return form


@bp.route("/catalogue/new", methods=["GET", "POST"])
@login_required
def new_resource():
    result = None
    form = {"kind": request.args.get("kind", "TOOL"), "price_unit": "DAY", "capacity": 1}
    if request.method == "POST":
        form = request.form.to_dict()
        data = _resource_input(request.form)
        data["kind"] = form.get("kind", "TOOL")
        for key in ("minDurationMinutes", "maxDurationMinutes", "maintenanceEveryLoans"):
            if data.get(key) == 0:
                data.pop(key)
        result = mutate("CreateResource", data)
        if result.ok:
            flash(gettext("The resource is in the catalogue."), "success")
            return redirect(url_for("catalog.resource_page", resource_id=result["resource"]["id"]))
    return render_template("catalog/resource_form.html", form=form, result=result, resource=None,
                           weekdays=WEEKDAY_KEYS), (422 if result else 200)


@bp.route("/catalogue/<resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit_resource(resource_id: str):
    now = dt.datetime.now(hub_zone())
    data = query("ResourceDetail", id=resource_id, **{"from": now.isoformat(), "to": (now + dt.timedelta(days=1)).isoformat()})
    resource = data["resource"]
    if resource is None:
        abort(404)
    if not resource["canManage"]:
        abort(403)
    result = status_result = closure_result = photo_result = None
    form = _form_from_resource(resource)
    if request.method == "POST":
        action = request.form.get("action")
        if action == "update":
            form = request.form.to_dict()
            form["kind"] = resource["kind"]
            result = mutate("UpdateResource", {"resourceId": resource_id, **_resource_input(request.form)})
            if result.ok:
                flash(gettext("The resource is saved."), "success")
                return redirect(url_for("catalog.edit_resource", resource_id=resource_id))
        elif action == "status":
            status_result = mutate("SetResourceStatus", {
                "resourceId": resource_id, "status": request.form.get("status", ""),
                "futureBookings": request.form.get("future_bookings") or None,
                "reason": request.form.get("reason", ""),
            })
            if status_result.ok:
                flash(gettext("The status is changed."), "success")
                return redirect(url_for("catalog.edit_resource", resource_id=resource_id))
        elif action == "add-closure":
            closure_result = mutate("AddResourceClosure", {
                "resourceId": resource_id, "start": to_iso(request.form.get("start")) or "",
                "end": to_iso(request.form.get("end")) or "", "kind": request.form.get("kind", "CLOSED"),
                "reason": request.form.get("reason", ""),
            })
            if closure_result.ok:
                flash(gettext("The calendar is closed for this period."), "success")
                return redirect(url_for("catalog.edit_resource", resource_id=resource_id))
        elif action == "add-photo":
            upload = request.files.get("photo")
            raw = upload.read(5 * 1024 * 1024 + 1) if upload else b""
            photo_result = mutate("AddResourcePhoto", {"resourceId": resource_id, "data": base64.b64encode(raw).decode()})
            if photo_result.ok:
                flash(gettext("The photo is added."), "success")
                return redirect(url_for("catalog.edit_resource", resource_id=resource_id))
        elif action == "remove-photo":
            photo_result = mutate("RemoveResourcePhoto", {"photoId": request.form.get("photo_id", "")})
            if photo_result.ok:
                return redirect(url_for("catalog.edit_resource", resource_id=resource_id))
        elif action == "remove-closure":
            closure_result = mutate("RemoveResourceClosure", {"closureId": request.form.get("closure_id", "")})
            if closure_result.ok:
                return redirect(url_for("catalog.edit_resource", resource_id=resource_id))
        else:
            abort(400)
    failed = any(r is not None and not r.ok for r in (result, status_result, closure_result, photo_result))
    return render_template(
        "catalog/resource_form.html", form=form, result=result, resource=resource, weekdays=WEEKDAY_KEYS,
        status_result=status_result, closure_result=closure_result, photo_result=photo_result,
    ), (422 if failed else 200)
