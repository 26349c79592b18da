"""The audit page (treasurer and admin): the trail with its filters, page by page, and the
same entries as CSV. The query answers FORBIDDEN to anyone else: a 403 here."""
import datetime as dt

from flask import Blueprint, render_template, request
from flask_babel import gettext
from flask_login import login_required

from app.audit.actions import ACTIONS, OBJECT_TYPES
from app.hub import hub_zone
from app.web.csv import csv_response
from app.web.pages import query

bp = Blueprint("audit", __name__)
PAGE_SIZE = 50


def _day(name: str, errors: dict) -> dt.date | None:
    text = request.args.get(name) or ""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = gettext("Enter a date such as 2026-03-31.")
        return None


def _filters() -> tuple[dict, dict]:
    """The query's variables from the page's parameters, and the errors of those it could not
    read (that filter is then left out, the others still apply)."""
    errors: dict[str, str] = {}
    since, until = _day("from", errors), _day("to", errors)
    action = request.args.get("action") or None
    object_type = request.args.get("type") or None
    if action is not None and action not in ACTIONS:
        errors["action"], action = gettext("This value is not accepted."), None
    if object_type is not None and object_type not in OBJECT_TYPES:
        errors["type"], object_type = gettext("This value is not accepted."), None
    zone = hub_zone()
    variables = {
        "action": action,
        "objectType": object_type,
        "objectId": request.args.get("object") or None,
        "actorId": request.args.get("actor") or None,
        # Whole days in the hub's time zone, the "to" day included.
        "since": dt.datetime.combine(since, dt.time(), zone).isoformat() if since else None,
        "until": dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone).isoformat() if until else None,
    }
    return variables, errors


def _args() -> dict:
    """The page's filters as they are, for the links (next page, CSV)."""
    return {k: v for k, v in request.args.items() if k in ("type", "object", "actor", "action", "from", "to") and v}


@bp.route("/audit")
@login_required
def trail():
    variables, errors = _filters()
    data = query("AuditTrail", first=PAGE_SIZE, after=request.args.get("after") or None, **variables)
    return render_template(
        "audit/trail.html", entries=data["auditEntries"], actors=data["auditActors"], args=_args(), errors=errors,
        actions=ACTIONS, object_types=OBJECT_TYPES,
    ), 400 if errors else 200


@bp.route("/audit.csv")
@login_required
def trail_csv():
    variables, _errors = _filters()
    rows, after = [], None
    while True:
        page = query("AuditTrail", first=100, after=after, **variables)["auditEntries"]
        rows += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    header = [gettext("Date"), gettext("Who"), gettext("Change"), gettext("Action"), gettext("Object"),
              gettext("Object id"), gettext("About"), gettext("Reason"), gettext("Request id")]
    return csv_response("journal-audit", header, (
        [dt.datetime.fromisoformat(e["createdAt"]), (e["actor"] or {}).get("name") or gettext("The system"), e["summary"],
         e["action"], e["objectType"], e["objectId"], (e["subject"] or {}).get("name"), e["reason"], e["requestId"]]
        for e in rows
    ))
