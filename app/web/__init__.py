"""The web pages: blueprints of the slices, error pages, language switch."""
import datetime as dt

from flask import Blueprint, Flask, abort, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_datetime, get_locale, gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app import permissions
from app.api.limits import CONTROL
from app.extensions import LANGUAGES
from app.hub import money_text
from app.web.pages import query, safe_next

core = Blueprint("core", __name__)


@core.route("/")
def home():
    if not current_user.is_authenticated:
        # What the hub is, for anyone: the public catalogue and sign-in.
        return render_template("public_home.html")
    return render_template("home.html", data=query("Home"))


@core.route("/favicon.ico")
def favicon():
    # Browsers ask for it on pages without our <link rel="icon">: printouts, GraphiQL.
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@core.route("/lang/<code>", methods=["POST"])
def switch_language(code: str):
    if code not in LANGUAGES:
        abort(404)
    # For this session only (it survives sign-in); the profile page changes the stored one.
    session["lang"] = code
    return redirect(safe_next(request.form.get("next"), "core.home"))


def format_money(value) -> str:
    """A Money dict from the API as '1 234,50 ALV' (app.hub.money_text), or — for none."""
    if value is None:
        return "—"
    return money_text(value["amount"], value["currency"])


def month_label(value: str) -> str:
    """'2026-11' as 'nov. 2026' in the member's locale."""
    return format_date(dt.date.fromisoformat(value + "-01"), "MMM y")


def amount_for_input(value) -> str:
    """A Decimal string from the API ("4000.00") as the member types it: "4000,00" in French.
    No thousands separator, so that it reads back as typed."""
    if value in (None, ""):
        return ""
    text = str(value)
    return text.replace(".", ",") if get_locale() and get_locale().language == "fr" else text


def _error_page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _has_control_characters(values) -> bool:
    return any(isinstance(v, str) and not CONTROL.isdisjoint(v) for v in values)


def refuse_control_characters():
    """A NUL byte or another control character in a page parameter, a form field or a part of
    the path is nobody's text: a 400 at the edge, before a database refuses it with a 500.
    (Tabs and line breaks stay: a memo or a description may hold them.)"""
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    values = [*(request.view_args or {}).values(), *(v for d in sources for k, vs in d.lists() for v in (k, *vs))]
    if _has_control_characters(values):
        abort(400)


def register_web(app: Flask) -> None:
    app.register_blueprint(core)
    app.before_request(refuse_control_characters)

    @app.context_processor
    def inject_globals():
        return {
            "hub_name": app.config["HUB_NAME"],
            "currency_code": app.config["CURRENCY_CODE"],
            "currency_name": app.config["CURRENCY_NAME"],
            "languages": LANGUAGES,
            "get_locale": get_locale,
            # Templates ask the same rules: `permissions.is_treasurer(current_member)`.
            "current_member": current_user if current_user.is_authenticated else None,
            "permissions": permissions,
        }

    app.add_template_filter(format_money, "money")
    app.add_template_filter(month_label, "month_label")

    @app.template_filter("amount_input")
    def amount_input_filter(value) -> str:
        return amount_for_input(value)

    @app.template_filter("datetime")
    def datetime_filter(value, format: str = "medium") -> str:
        """An ISO datetime from the API, shown in the hub's time zone and the member's locale."""
        if not value:
            return ""
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return format_datetime(value, format)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error_page(400, gettext("Form expired"), gettext("The form was sent without a valid security token. Reload the page and try again."))

    @app.errorhandler(400)
    def bad_request(exc):
        return _error_page(400, gettext("Bad request"), gettext("The request could not be understood."))

    @app.errorhandler(401)
    def unauthorized(exc):
        return redirect(url_for("auth.login", next=request.full_path))

    @app.errorhandler(403)
    def forbidden(exc):
        return _error_page(403, gettext("Not allowed"), gettext("You are not allowed to see this page."))

    @app.errorhandler(404)
    def not_found(exc):
        return _error_page(404, gettext("Page not found"), gettext("This page does not exist or is no longer available."))

    @app.errorhandler(405)
    def method_not_allowed(exc):
        return _error_page(405, gettext("Not allowed"), gettext("This address does not accept this kind of request."))

    @app.errorhandler(500)
    def internal_error(exc):
        return _error_page(500, gettext("Something went wrong"), gettext("An unexpected error occurred. It has been logged; please try again."))
