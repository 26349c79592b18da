"""Pages of the treasury: the treasurer's clearing runs, dashboard and impact report; the
monthly statements (the treasurer's, and each member's own). The invoices page: app.invoices."""
import datetime as dt
from decimal import Decimal

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_date, format_decimal, gettext
from flask_login import current_user, login_required

from app import permissions
from app.errors import N_
from app.hub import hub_today
from app.treasury.reports import add_months, month_start
from app.web.csv import csv_response
from app.web.forms import form_status, submit
from app.web.pages import query

bp = Blueprint("treasury", __name__)


def _require_treasurer() -> None:
    if not permissions.is_treasurer(current_user):
        abort(403)


# --- Clearing -----------------------------------------------------------------------------------


@bp.route("/treasury/clearing", methods=["GET", "POST"])
@login_required
def clearing_runs():
    _require_treasurer()
    result = None
    if request.method == "POST":
        method = request.form.get("method", "SET_OFF")
        if method not in ("SET_OFF", "CREDIT_TRANSFERS"):
            abort(400)
        result = submit(
            "ProposeClearing", {"method": method},
            done=lambda done: gettext("Proposal n° %(number)s computed: review it before posting.", number=done["run"]["number"]),
            then=lambda done: url_for("treasury.clearing_run", run_id=done["run"]["id"]),
        )
    data = query("ClearingRuns", first=20, after=request.args.get("after") or None)
    return render_template("treasury/clearing_runs.html", runs=data["clearingRuns"], result=result), form_status(result)


# action -> (mutation, message once done)
RUN_ACTIONS = {
    "post": ("PostClearing", N_("Clearing n° %(number)s posted.")),
    "discard": ("DiscardClearing", N_("Proposal n° %(number)s discarded.")),
}


@bp.route("/treasury/clearing/<run_id>", methods=["GET", "POST"])
@login_required
def clearing_run(run_id: str):
    _require_treasurer()
    result = None
    if request.method == "POST":
        action = request.form.get("action")
        if action not in RUN_ACTIONS:
            abort(400)
        operation, message = RUN_ACTIONS[action]
        result = submit(
            operation, {"runId": run_id}, then=url_for("treasury.clearing_run", run_id=run_id),
            done=lambda result: gettext(message, number=result["run"]["number"]),
        )
    data = query("ClearingRun", id=run_id, first=50, after=request.args.get("after") or None, linesFirst=30)
    run = data["node"]
    if run is None:
        abort(404)
    return render_template("treasury/clearing_run.html", run=run, result=result), form_status(result)


@bp.app_template_filter("month_label")
def month_label(value: str) -> str:
    """'2026-11' as 'nov. 2026' in the member's locale."""
    return format_date(dt.date.fromisoformat(value + "-01"), "MMM y")


# --- Dashboard, impact report, period close -------------------------------------------------------

# Colours of the transfer kinds on the charts (the stylesheet's palette).
KIND_COLORS = {
    "PAYMENT": "#c8842b", "BOOKING": "#2f7d32", "SKILL": "#3a6ea5", "INVOICE": "#8f5a14",
    "CLEARING": "#9c8b76", "SETTLEMENT": "#6b4c9a", "FEE": "#b26a00", "REVERSAL": "#b3261e", "ADJUSTMENT": "#555",
}


@bp.route("/treasury")
@login_required
def dashboard():
    _require_treasurer()
    data = query("TreasuryDashboard")["treasuryDashboard"]
    kinds = sorted({k["kind"] for m in data["months"] for k in m["byKind"]})
    series = [{"name": kind_label(k), "color": KIND_COLORS.get(k, "#777")} for k in kinds]
    volume_columns = []
    for m in data["months"]:
        by_kind = {k["kind"]: float(k["volume"]["amount"]) for k in m["byKind"]}
        values = [by_kind.get(k, 0.0) for k in kinds]
        volume_columns.append({"label": m["month"][2:], "values": values, "total": sum(values)})
    buckets = [
        {"label": _bucket_label(b), "values": [b["accounts"]], "total": b["accounts"]} for b in data["balanceDistribution"]
    ]
    return render_template(
        "treasury/dashboard.html", d=data, volume_columns=volume_columns, volume_series=series, buckets=buckets,
        month_options=_recent_months(),
    )


def _bucket_label(bucket) -> str:
    """A short axis label for a balance bucket: "−1k…−500", "0", "≥1k"."""

    def short(money) -> str:
        value = float(money["amount"])
        text = f"{value / 1000:g}k" if abs(value) >= 1000 else f"{value:g}"
        return text.replace("-", "−")

    low, high = bucket["low"], bucket["high"]
    if low is None:
        return f"<{short(high)}"
    if high is None:
        return f"≥{short(low)}"
    if low["amount"] == "0.00" and high["amount"] == "0.01":
        return "0"
    if low["amount"] == "0.01":
        return f"0…{short(high)}"
    return f"{short(low)}…{short(high)}"


def kind_label(kind: str) -> str:
    labels = {
        "PAYMENT": gettext("Payments"), "BOOKING": gettext("Bookings"), "SKILL": gettext("Skills"),
        "INVOICE": gettext("Invoices paid"), "CLEARING": gettext("Set-off"), "SETTLEMENT": gettext("Euro settlements"),
        "FEE": gettext("Fees"), "REVERSAL": gettext("Reversals"), "ADJUSTMENT": gettext("Adjustments"),
    }
    return labels.get(kind, kind)


def _recent_months(count: int = 12) -> list[str]:
    this = month_start(hub_today())
    return [f"{d.year:04d}-{d.month:02d}" for d in (add_months(this, -i) for i in range(1, count + 1))]


def _period_args():
    """The report's [from, to) from the query string; default: the current year so far."""
    today = hub_today()
    try:
        start = dt.date.fromisoformat(request.args.get("from") or f"{today.year}-01-01")
        end = dt.date.fromisoformat(request.args.get("to") or (today + dt.timedelta(days=1)).isoformat())
    except ValueError:
        abort(400)
    if end <= start:
        abort(400)
    return start, end


@bp.route("/treasury/impact")
@login_required
def impact():
    _require_treasurer()
    start, end = _period_args()
    report = query("ImpactReport", **{"from": start.isoformat(), "to": end.isoformat()})["impactReport"]
    return render_template("treasury/impact.html", report=report, start=start, end=end, kind_label=kind_label)


@bp.route("/treasury/impact.csv")
@login_required
def impact_csv():
    _require_treasurer()
    start, end = _period_args()
    report = query("ImpactReport", **{"from": start.isoformat(), "to": end.isoformat()})["impactReport"]
    period = dt.date.fromisoformat(report["start"]), dt.date.fromisoformat(report["end"])
    money_keys = {figure["key"] for figure in report["figures"] if figure["isMoney"]}

    def value(figure) -> Decimal | int:
        return Decimal(figure["value"]) if figure["key"] in money_keys else int(figure["value"])

    rows = [
        # The labels are English msgids marked in app.treasury.reports.
        [*period, figure["key"], gettext(figure["label"]), value(figure)]
        for figure in report["figures"]
    ]
    for k in report["byKind"]:
        rows.append([*period, f"transfers_{k['kind'].lower()}_volume", kind_label(k["kind"]), Decimal(k["volume"]["amount"])])
        rows.append([*period, f"transfers_{k['kind'].lower()}_count", kind_label(k["kind"]), k["count"]])
    header = ["period_start", "period_end_exclusive", "figure", "label", "value"]
    return csv_response(f"alveole-impact-{start.isoformat()}-{end.isoformat()}.csv", header, rows)


@bp.route("/treasury/statements", methods=["GET", "POST"])
@login_required
def statements():
    result = None
    if request.method == "POST":
        _require_treasurer()
        result = submit(
            "ClosePeriod", {"month": request.form.get("month", "")},
            done=lambda done: gettext("%(month)s is closed: every account's statement is kept.", month=done["periodClose"]["month"]),
            then=lambda done: url_for("treasury.period_statements", close_id=done["periodClose"]["id"]),
        )
    closes = query("PeriodCloses", first=24, after=request.args.get("after") or None)["periodCloses"]
    return render_template(
        "treasury/statements.html", closes=closes, result=result, month_options=_recent_months()
    ), form_status(result)


@bp.route("/treasury/statements/<close_id>")
@login_required
def period_statements(close_id: str):
    data = query("PeriodStatements", id=close_id, first=100, after=request.args.get("after") or None)["node"]
    if data is None:
        abort(404)
    return render_template("treasury/period_statements.html", close=data)


@bp.route("/treasury/statement/<statement_id>")
@login_required
def statement(statement_id: str):
    data = query("ClosedStatement", id=statement_id)["node"]
    if data is None:
        abort(404)
    return render_template("treasury/statement.html", s=data, kind_label=kind_label)


@bp.app_template_filter("decimal2")
def decimal2(value) -> str:
    """A ratio or percentage with two decimals in the member's locale ("68,18")."""
    return "—" if value is None else format_decimal(value, format="#,##0.00")
