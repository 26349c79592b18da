"""Pages of the treasury: the treasurer's clearing runs, dashboard and impact report; the
monthly statements (the treasurer's, and each member's own). The invoices page: app.invoices."""
import datetime as dt
from decimal import Decimal

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_decimal, gettext
from flask_login import current_user, login_required

from app import permissions
from app.errors import N_
from app.hub import hub_today
from app.ledger.journal_csv import JournalLine, journal_csv, journal_file_name
from app.ledger.views import transfer_kind
from app.web import format_money, month_label
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
            done=lambda done: gettext("Proposal No. %(number)s computed: review it before posting.", number=done["run"]["number"]),
            then=lambda done: url_for("treasury.clearing_run", run_id=done["run"]["id"]),
        )
    data = query("ClearingRuns", first=20, after=request.args.get("after") or None)
    return render_template("treasury/clearing_runs.html", runs=data["clearingRuns"], result=result), form_status(result)


# action -> (mutation, message once done)
RUN_ACTIONS = {
    "post": ("PostClearing", N_("Clearing No. %(number)s posted.")),
    "discard": ("DiscardClearing", N_("Proposal No. %(number)s discarded.")),
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


# --- Dashboard, impact report, period close -------------------------------------------------------

# Colours of the transfer kinds on the charts (the stylesheet's palette).
KIND_COLORS = {
    "PAYMENT": "#c8842b", "BOOKING": "#2f7d32", "SKILL": "#3a6ea5", "INVOICE": "#8f5a14",
    "CLEARING": "#9c8b76", "SETTLEMENT": "#6b4c9a", "FEE": "#b26a00", "REVERSAL": "#b3261e", "ADJUSTMENT": "#555",
}


# The kinds of trade, stacked on the volume chart; set-off (CLEARING) is shown apart.
TRADE_KINDS = ("PAYMENT", "BOOKING", "SKILL", "INVOICE")


@bp.route("/treasury")
@login_required
def dashboard():
    _require_treasurer()
    data = query("TreasuryDashboard")["treasuryDashboard"]
    series = [{"name": kind_label(k), "color": KIND_COLORS[k]} for k in TRADE_KINDS]
    volume_rows = []
    for m in data["months"]:
        by_kind = {k["kind"]: Decimal(k["volume"]["amount"]) for k in m["byKind"]}
        volume_rows.append({
            "label": month_label(m["month"]), "values": [by_kind.get(k, Decimal(0)) for k in TRADE_KINDS],
            "total": Decimal(m["tradeVolume"]["amount"]), "text": format_money(m["tradeVolume"]),
        })
    buckets = [
        {"label": _bucket_label(b), "values": [b["accounts"]], "total": b["accounts"], "text": str(b["accounts"])}
        for b in data["balanceDistribution"]
    ]
    return render_template(
        "treasury/dashboard.html", d=data, volume_rows=volume_rows, volume_series=series, buckets=buckets,
    )


def _bucket_label(bucket) -> str:
    """A short label for a balance bucket in the member's locale: "−1 000 à −500", "0", "≥ 1 000"."""

    def short(money) -> str:
        return format_decimal(Decimal(money["amount"]), format="#,##0;\u2212#,##0")

    low, high = bucket["low"], bucket["high"]
    if low is None:
        return f"< {short(high)}"
    if high is None:
        return f"≥ {short(low)}"
    if low["amount"] == "0.00" and high["amount"] == "0.01":
        return "0"
    if low["amount"] == "0.01":
        return gettext("%(low)s to %(high)s", low="0", high=short(high))
    return gettext("%(low)s to %(high)s", low=short(low), high=short(high))


def kind_label(kind: str) -> str:
    labels = {
        "PAYMENT": gettext("Payments"), "BOOKING": gettext("Bookings"), "SKILL": gettext("Skills"),
        "INVOICE": gettext("Invoices paid"), "CLEARING": gettext("Set-off"), "SETTLEMENT": gettext("Euro settlements"),
        "FEE": gettext("Fees"), "REVERSAL": gettext("Reversals"), "ADJUSTMENT": gettext("Adjustments"),
    }
    return labels.get(kind, kind)


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
    header = [gettext("Period start"), gettext("Period end (excluded)"), gettext("Figure"), gettext("Label"), gettext("Value")]
    rows = []
    for figure in report["figures"]:
        value = Decimal(figure["value"]) if figure["isMoney"] else figure["value"]
        # the label is an English msgid marked in app.treasury.reports
        rows.append([report["start"], report["end"], figure["key"], gettext(figure["label"]), value])
    for k in report["byKind"]:
        kind = k["kind"].lower()
        rows.append([report["start"], report["end"], f"transfers_{kind}_volume", kind_label(k["kind"]), k["volume"]])
        rows.append([report["start"], report["end"], f"transfers_{kind}_count", kind_label(k["kind"]), k["count"]])
    return csv_response(f"alveole-impact-{start.isoformat()}-{end.isoformat()}", header, rows)


@bp.route("/treasury/statements", methods=["GET", "POST"])
@login_required
def statements():
    """Closed months; the treasurer closes the next one, months being closed in order."""
    result = None
    if request.method == "POST":
        _require_treasurer()
        result = submit(
            "ClosePeriod", {"month": request.form.get("month", "")},
            done=lambda done: gettext(
                "%(month)s is closed: every account's statement is kept.", month=month_label(done["periodClose"]["month"])
            ),
            then=lambda done: url_for("treasury.period_statements", close_id=done["periodClose"]["id"]),
        )
    closes = query("PeriodCloses", first=24, after=request.args.get("after") or None)["periodCloses"]
    next_month = query("NextPeriodToClose")["nextPeriodToClose"] if permissions.is_treasurer(current_user) else None
    return render_template(
        "treasury/statements.html", closes=closes, result=result, next_month=next_month,
        this_month=f"{hub_today():%Y-%m}",
    ), form_status(result)


def _period(close_id: str) -> dict:
    """A closed month with every statement the viewer may see, page after page."""
    data = query("PeriodStatements", id=close_id, first=100)["node"]
    if data is None:
        abort(404)
    page = data["statements"]
    while page["pageInfo"]["hasNextPage"]:
        page = query("PeriodStatements", id=close_id, first=100, after=page["pageInfo"]["endCursor"])["node"]["statements"]
        data["statements"]["nodes"] += page["nodes"]
    return data


@bp.route("/treasury/statements/<close_id>")
@login_required
def period_statements(close_id: str):
    data = query("PeriodStatements", id=close_id, first=100, after=request.args.get("after") or None)["node"]
    if data is None:
        abort(404)
    return render_template("treasury/period_statements.html", close=data)


@bp.route("/treasury/statements/<close_id>.csv")
@login_required
def period_statements_csv(close_id: str):
    """Every statement of a closed month, one line per account, and the totals."""
    close = _period(close_id)
    header = [gettext("Account"), gettext("Opening balance"), gettext("In"), gettext("Out"), gettext("Closing balance"), gettext("Entries")]
    rows = [
        [s["accountName"], s["openingBalance"], s["totalIn"], s["totalOut"], s["closingBalance"], s["entryCount"]]
        for s in close["statements"]["nodes"]
    ]
    t = close["totals"]
    rows.append([gettext("Total"), t["openingBalance"], t["totalIn"], t["totalOut"], t["closingBalance"], t["entryCount"]])
    return csv_response(f"releves-{close['month']}", header, rows)


@bp.route("/treasury/statement/<statement_id>")
@login_required
def statement(statement_id: str):
    data = query("ClosedStatement", id=statement_id)["node"]
    if data is None:
        abort(404)
    return render_template("treasury/statement.html", s=data, kind_label=kind_label)


@bp.route("/treasury/statement/<statement_id>.csv")
@login_required
def statement_csv(statement_id: str):
    """A closed statement: its opening balance, its lines with their counterparty, its totals."""
    s = query("ClosedStatement", id=statement_id)["node"]
    if s is None:
        abort(404)
    header = [
        gettext("Date"), gettext("Type"), gettext("Memo"), gettext("Counterparty"),
        gettext("Debit"), gettext("Credit"), gettext("Balance"), gettext("Reference"),
    ]
    rows = [[None, gettext("Opening balance"), None, None, None, None, s["openingBalance"], None]]
    for line in s["lines"]:
        amount = Decimal(line["amount"]["amount"])
        rows.append([
            dt.datetime.fromisoformat(line["at"]), transfer_kind(line["kind"]), line["memo"], line["counterparty"],
            -amount if amount < 0 else None, amount if amount > 0 else None, line["balanceAfter"], line["postingId"],
        ])
    rows.append([None, gettext("Totals"), None, None, s["totalOut"], s["totalIn"], s["closingBalance"], None])
    return csv_response(f"releve-{s['accountName']}-{s['month']}", header, rows)


@bp.app_template_filter("decimal2")
def decimal2(value) -> str:
    """A ratio or percentage with two decimals in the member's locale ("68,18")."""
    return "—" if value is None else format_decimal(value, format="#,##0.00")


# --- Exports: the period journal and the FEC ------------------------------------------------------

JOURNAL_PREVIEW = 20


def _journal_period() -> tuple[dt.date, dt.date]:
    """The journal's days from the query string, `to` included; default: the previous month."""
    first_of_month = hub_today().replace(day=1)
    last_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    try:
        start = dt.date.fromisoformat(request.args.get("from") or last_month.isoformat())
        last = dt.date.fromisoformat(request.args.get("to") or (first_of_month - dt.timedelta(days=1)).isoformat())
    except ValueError:
        abort(400)
    if last < start:  # typed the wrong way round: the period meant
        start, last = last, start
    return start, last


def _fec_years() -> list[int]:
    this = hub_today().year
    return list(range(this, this - 6, -1))


@bp.route("/treasury/exports")
@login_required
def exports():
    _require_treasurer()
    start, last = _journal_period()
    period = {"from": start.isoformat(), "to": (last + dt.timedelta(days=1)).isoformat()}
    journal = query("Journal", first=JOURNAL_PREVIEW, **period)["journal"]
    return render_template(
        "treasury/exports.html", start=start, last=last, journal=journal, years=_fec_years(),
        siren=current_app.config["SIREN"], fec_accounts=current_app.config,
    )


@bp.route("/treasury/journal.csv")
@login_required
def journal_file():
    """Every entry of the period with its postings, page after page of the Journal operation."""
    _require_treasurer()
    start, last = _journal_period()
    end = last + dt.timedelta(days=1)
    period = {"from": start.isoformat(), "to": end.isoformat()}
    lines, after = [], None
    while True:
        page = query("Journal", first=100, after=after, **period)["journal"]
        for entry in page["nodes"]:
            created_at = dt.datetime.fromisoformat(entry["createdAt"])
            lines += [
                JournalLine(
                    created_at, entry["number"], transfer_kind(entry["kind"]), entry["memo"], p["accountName"],
                    Decimal(p["amount"]["amount"]), Decimal(p["balanceAfter"]["amount"]), entry["id"],
                )
                for p in entry["postings"]
            ]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return Response(
        journal_csv(lines), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{journal_file_name(start, end)}"'},
    )


@bp.route("/treasury/fec")
@login_required
def fec_file():
    """The FEC of the fiscal year closing in ?year=, as the tax administration asks for it."""
    _require_treasurer()
    year = request.args.get("year", "")
    if not year.isdigit():
        abort(400)
    books = query("FecExport", year=int(year))["fecExport"]
    return Response(
        books["content"].encode("utf-8"), mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{books["fileName"]}"'},
    )
