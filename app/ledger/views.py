"""Pages of the ledger: my account, pay a member (search, form, confirm), statements with CSV
export and a printable version, and the treasurer's list of accounts with limit changes."""
import datetime as dt
import uuid
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext, lazy_gettext
from flask_login import current_user, login_required

from app import permissions
from app.api.relay import decode_id
from app.hub import hub_today, to_minor_units
from app.web import format_money
from app.web.csv import csv_response, safe_filename
from app.web.forms import form_status, submit
from app.web.pages import Result, query, safe_next

bp = Blueprint("ledger", __name__)

KIND_LABELS = {
    "PAYMENT": lazy_gettext("Payment"),
    "BOOKING": lazy_gettext("Booking"),
    "SKILL": lazy_gettext("Skill"),
    "FEE": lazy_gettext("Fee"),
    "INVOICE": lazy_gettext("Invoice"),
    "CLEARING": lazy_gettext("Clearing"),
    "SETTLEMENT": lazy_gettext("Settlement"),
    "REVERSAL": lazy_gettext("Reversal"),
    "ADJUSTMENT": lazy_gettext("Adjustment"),
}
ORDERS = {
    "name": "NAME",
    "balance": "BALANCE_ASC",
    "-balance": "BALANCE_DESC",
    "use": "LIMIT_USE_DESC",
}
STATEMENT_PAGE = 50


@bp.app_template_filter("transfer_kind")
def transfer_kind(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_filter("datetime_date")
def datetime_date(value: str | None) -> str:
    return format_date(dt.date.fromisoformat(value), "long") if value else "…"


@bp.app_template_filter("limit_bar")
def limit_bar(account: dict) -> dict:
    """Width and colour of the bar showing how much of the limit is used."""
    use = account.get("limitUsePercent")
    width = 0 if use is None else min(use, 100)
    state = "bad" if account.get("overLimit") or (use or 0) >= 100 else ("warn" if account.get("nearLimit") else "")
    return {"width": width, "state": state, "use": use}


def _own_account() -> dict:
    account = query("MyAccount", first=10)["viewer"]["account"]
    if account is None:
        abort(404)
    return account


# --- My account ------------------------------------------------------------------------------


@bp.route("/account")
@login_required
def my_account():
    data = query("MyAccount", first=10)
    account = data["viewer"]["account"]
    if account is None:
        abort(404)
    return render_template("ledger/account.html", account=account, viewer=data["viewer"])


# --- Pay a member ----------------------------------------------------------------------------


@bp.route("/pay", methods=["GET", "POST"])
@login_required
def pay():
    """Step 1: search the payee (GET ?q=), then the amount and memo for the chosen one (?to=).
    Step 2 (POST step=review): the confirmation screen, carrying a hidden idempotency key.
    Step 3 (POST step=confirm): the transfer; a second submit of the same screen pays once."""
    form = request.form if request.method == "POST" else request.args
    to = form.get("to") or ""
    payee = payer = None
    if to:
        data = query("Payee", id=to)
        payee, payer = data["payee"], data["viewer"]["account"]
        if payee is None:
            flash(gettext("This account cannot be paid."), "error")
            return redirect(url_for("ledger.pay"))
    values = {"to": to, "amount": form.get("amount", ""), "memo": form.get("memo", "")}
    if request.method == "GET":
        search = request.args.get("q", "").strip()
        payees = query("Payees", search=search or None, first=20)["payees"]["nodes"] if search or not to else []
        return render_template("ledger/pay.html", payee=payee, payer=payer, payees=payees, search=search, values=values, result=None)
    if not payee:
        abort(400)
    step = request.form.get("step")
    if step == "review":
        errors = _check_amount(values["amount"]) or _check_available(values["amount"], payer)
        if errors:
            return render_template(
                "ledger/pay.html", payee=payee, payer=payer, payees=[], search="", values=values, result=Result.invalid(errors)
            ), 400
        amount_money = {"amount": Decimal(to_minor_units(values["amount"])) / 100, "currency": current_app.config["CURRENCY_CODE"]}
        return render_template(
            "ledger/pay_confirm.html", payee=payee, payer=payer, values=values, amount_money=amount_money, key=uuid.uuid4().hex
        )
    if step != "confirm":
        abort(400)
    result = submit(
        "Transfer",
        {
            "toAccountId": to,
            "amount": values["amount"],
            "memo": values["memo"],
            "idempotencyKey": request.form.get("idempotency_key") or None,
        },
        done=_paid,
        then=url_for("ledger.my_account"),
    )
    return render_template(
        "ledger/pay.html", payee=payee, payer=payer, payees=[], search="", values=values, result=result
    ), form_status(result)


def _paid(result: Result) -> str:
    paid = result["transfer"]
    return gettext("You paid %(amount)s to %(name)s.", amount=format_money(paid["amount"]), name=paid["toName"])


def _check_amount(value: str) -> dict:
    """The confirmation screen only shows a well-formed amount; the mutation checks the rest."""
    try:
        cents = to_minor_units(value)
    except ValueError as exc:
        return {"amount": gettext(str(exc))}
    if cents <= 0:
        return {"amount": gettext("The amount must be greater than zero.")}
    return {}


def _check_available(value: str, payer: dict | None) -> dict:
    """Refused before the confirmation screen: more than the payer's available credit (the
    hub's fee, if any, on top). The mutation checks again, under its locks."""
    if not payer:
        return {}
    cents = to_minor_units(value)
    fee = query("PaymentFee", amount=value)["transferFee"]
    fee_cents = to_minor_units(fee["amount"]) if fee else 0
    available = to_minor_units(payer["available"]["amount"])
    if cents + fee_cents <= available:
        return {}
    shown = format_money(payer["available"]) if available > 0 else format_money({**payer["available"], "amount": "0"})
    if fee_cents:
        return {"amount": gettext("This is more than the credit available on %(name)s: %(available)s (the fee of %(fee)s "
                                  "comes on top of the amount).", name=payer["name"], available=shown, fee=format_money(fee))}
    return {"amount": gettext("This is more than the credit available on %(name)s: %(available)s.",
                              name=payer["name"], available=shown)}


# --- Statements ------------------------------------------------------------------------------


def _parse_date(value: str | None):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        abort(400)


def _statement_args() -> dict:
    since, until = _parse_date(request.args.get("since")), _parse_date(request.args.get("until"))
    if since and until and until < since:  # typed the wrong way round: show the period meant
        since, until = until, since
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KIND_LABELS:
        abort(400)
    return {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None, "kind": kind}


def _account_id(account_id: str | None) -> str:
    if account_id is None:
        return _own_account()["id"]
    if decode_id(account_id, "Account") is None:
        abort(404)
    return account_id


def _statement(account_id: str, first: int, after: str | None = None) -> tuple[dict, dict]:
    args = _statement_args()
    data = query("AccountStatement", id=account_id, first=first, after=after, **args)
    if data["node"] is None:
        abort(404)
    return data, args


@bp.route("/account/statement")
@bp.route("/accounts/<account_id>/statement")
@login_required
def statement(account_id: str | None = None):
    account_id = _account_id(account_id)
    data, args = _statement(account_id, STATEMENT_PAGE, request.args.get("after") or None)
    view_args = dict(request.view_args)
    links = {
        "base": url_for("ledger.statement", **view_args),
        "csv": url_for("ledger.statement_csv", **view_args, **args),
        "print": url_for("ledger.statement_print", **view_args, **args),
        "next": url_for("ledger.statement", **view_args, **args, after=data["node"]["statement"]["pageInfo"]["endCursor"]),
    }
    return render_template(
        "ledger/statement.html", account=data["node"], statement=data["node"]["statement"], args=args,
        kinds=KIND_LABELS, links=links, is_treasurer=permissions.is_treasurer(current_user),
    )


def _all_lines(account_id: str) -> tuple[dict, list, dict]:
    """Every line of the period, page after page of the same operation."""
    data, args = _statement(account_id, 100)
    lines = list(data["node"]["statement"]["nodes"])
    page = data["node"]["statement"]["pageInfo"]
    while page["hasNextPage"]:
        more, _ = _statement(account_id, 100, page["endCursor"])
        lines += more["node"]["statement"]["nodes"]
        page = more["node"]["statement"]["pageInfo"]
    return data, lines, args


@bp.route("/account/statement.csv")
@bp.route("/accounts/<account_id>/statement.csv")
@login_required
def statement_csv(account_id: str | None = None):
    """The statement in the hub's one CSV format (app.web.csv)."""
    data, lines, args = _all_lines(_account_id(account_id))
    header = [
        gettext("Date"), gettext("Type"), gettext("Memo"), gettext("Counterparty"),
        gettext("Debit"), gettext("Credit"), gettext("Balance"), gettext("Reference"), gettext("By"),
    ]
    rows = []
    for line in lines:
        amount = Decimal(line["amount"]["amount"])
        rows.append([
            dt.datetime.fromisoformat(line["createdAt"]),
            transfer_kind(line["transfer"]["kind"]),
            line["memo"],
            line["counterparty"],
            -amount if amount < 0 else None,
            amount if amount > 0 else None,
            line["balanceAfter"],
            line["transfer"]["id"],
            # Who acted for the account (empty: the hub itself, or not recorded then).
            (line["transfer"].get("actor") or {}).get("name", ""),
        ])
    return csv_response(_filename(data["node"]["name"], args), header, rows)


def _filename(name: str, args: dict) -> str:
    period = "_".join(v for v in (args["since"], args["until"]) if v)
    return f"releve-{safe_filename(name)}" + (f"_{period}" if period else "")


@bp.route("/account/statement/print")
@bp.route("/accounts/<account_id>/statement/print")
@login_required
def statement_print(account_id: str | None = None):
    """A statement for a period, laid out for printing (or saving as PDF from the browser).
    Without dates it covers the previous calendar month."""
    if not request.args.get("since") and not request.args.get("until"):
        first_of_month = hub_today().replace(day=1)
        previous = (first_of_month - dt.timedelta(days=1)).replace(day=1)
        return redirect(url_for(
            request.endpoint, **request.view_args, since=previous.isoformat(),
            until=(first_of_month - dt.timedelta(days=1)).isoformat(), kind=request.args.get("kind") or None,
        ))
    data, lines, args = _all_lines(_account_id(account_id))
    return render_template(
        "ledger/statement_print.html", account=data["node"], statement=data["node"]["statement"], lines=lines,
        args=args, printed_at=dt.datetime.now(dt.timezone.utc),
    )


@bp.route("/transfers/<transfer_id>/reverse", methods=["POST"])
@login_required
def reverse(transfer_id: str):
    """From a statement line: the reversal's outcome is flashed on the page it came from."""
    if not permissions.is_treasurer(current_user):
        abort(403)
    back = safe_next(request.form.get("next"), "ledger.my_account")
    result = submit(
        "ReverseTransfer", {"transferId": transfer_id, "memo": request.form.get("memo", "")},
        done=gettext("The transfer is reversed."), then=back,
    )
    for message in result.form_errors + list(result.field_errors.values()):
        flash(message, "error")
    return redirect(back)


# --- Treasurer -------------------------------------------------------------------------------


@bp.route("/treasury/accounts", methods=["GET", "POST"])
@login_required
def accounts():
    """The treasurer's list of accounts, with the forms that change a limit, the hub's policy,
    or close an account."""
    if not permissions.is_treasurer(current_user):
        abort(403)
    result = _account_action(request.form.get("action", "limit")) if request.method == "POST" else None
    order = request.args.get("order", "use")
    if order not in ORDERS:
        abort(400)
    near = request.args.get("near") == "1"
    search = request.args.get("q", "").strip()
    settings = query("LedgerSettings")["ledgerSettings"]
    data = query(
        "TreasurerAccounts", first=50, after=request.args.get("after") or None,
        nearLimit=True if near else None, search=search or None, orderBy=ORDERS[order],
    )
    return render_template(
        "ledger/accounts.html", summary=data["ledgerSummary"], accounts=data["accounts"], order=order,
        near=near, search=search, result=result, failed_account=request.form.get("account_id"), form=request.form,
        settings=settings, action=request.form.get("action", "limit"),
    ), form_status(result)


def _account_action(action: str) -> Result:
    """Run the form sent to the accounts page; on success this redirects back to the list."""
    then = request.full_path if request.args else url_for("ledger.accounts")
    form = request.form
    if action == "limit":
        values = {"accountId": form.get("account_id", ""), "creditLimit": form.get("credit_limit", ""), "reason": form.get("reason", "")}
        if "balance_cap" in form:  # an empty field: no cap
            values["balanceCap"] = form["balance_cap"]
        return submit("SetCreditLimit", values, done=_limits_set, then=then)
    if action == "settings":
        level = form.get("warning_level_percent", "").strip()
        if not level.isdigit():  # not a whole number: the API's Int would refuse the request itself
            return Result.invalid({"warningLevelPercent": gettext("The warning level is between 1 and 100 %.")})
        settings = {
            "transferFeePercent": form.get("transfer_fee_percent", ""),
            "transferFeeMinimum": form.get("transfer_fee_minimum", ""),
            "warningLevelPercent": int(level),
        }
        return submit("UpdateLedgerSettings", settings, done=gettext("The hub's ledger policy is saved."), then=then)
    if action == "close":
        return submit(
            "CloseAccount", {"accountId": form.get("account_id", "")},
            done=lambda result: gettext("The account %(name)s is closed.", name=result["account"]["name"]),
            then=then,
        )
    abort(400)


def _limits_set(result: Result) -> str:
    account = result["account"]
    limit = format_money(account["creditLimit"])
    if account["balanceCap"] is None:
        return gettext("The credit limit of %(name)s is now %(limit)s, with no maximum balance.", name=account["name"], limit=limit)
    return gettext(
        "The credit limit of %(name)s is now %(limit)s, and its maximum balance %(cap)s.",
        name=account["name"], limit=limit, cap=format_money(account["balanceCap"]),
    )
