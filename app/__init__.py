"""Alvéole: the application factory."""
import uuid

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app import database
from app.api.view import create_blueprint as api_blueprint
from app.audit import views as audit_views
from app.auth import (
    account_views,
    loaders,  # noqa: F401  (registers the member loaders on the login manager)
)
from app.auth import views as auth_views
from app.auth.passwords import Passwords
from app.catalog import views as catalog_views
from app.cli import register_cli
from app.config import INSTANCE_DIR, PROJECT_ROOT, load_config
from app.extensions import (
    babel,
    babel_locale,
    compile_translations,
    csrf,
    elide_in_templates,
    login_manager,
    translation_directories,
)
from app.federation import endpoints as federation_endpoints
from app.federation import exchange_views as federation_exchange_views
from app.federation import invoice_endpoints as federation_invoice_endpoints
from app.federation import views as federation_views
from app.invoices import views as invoice_views
from app.ledger import views as ledger_views
from app.logs import install_request_log
from app.notices import views as notice_views
from app.ops import health
from app.organizations import views as organization_views
from app.payments import views as payment_views
from app.privacy import views as privacy_views
from app.skills import views as skill_views
from app.treasury import views as treasury_views
from app.web import register_web

# Scripts and styles from our own files only: no inline script, no event handler attribute
# (templates use static/js/*.js); inline style attributes stay (bar widths, chart colours).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PRIVATE_TYPES = ("text/csv", "text/calendar")


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https."""

    def get_cookie_secure(self, app) -> bool:
        return request.is_secure or super().get_cookie_secure(app)

    def open_session(self, app, request):
        # Without a cookie there is nothing to verify: skip building the signer (API clients
        # with a token send none).
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(load_config())
    app.config.update(config or {})

    app.session_interface = SessionInterface()
    if app.config["BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    database.init_app(app)
    app.extensions["passwords"] = Passwords(
        app.config["PASSWORD_HASH_TIME_COST"], app.config["PASSWORD_HASH_MEMORY_COST"]
    )
    compile_translations()
    babel.init_app(
        app,
        locale_selector=babel_locale,
        default_translation_directories=";".join(str(d) for d in translation_directories()),
    )
    elide_in_templates(app.jinja_env)
    login_manager.init_app(app)
    csrf.init_app(app)

    @app.before_request
    def assign_request_id():
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:16]

    install_request_log(app)

    @app.after_request
    def add_headers(response):
        response.headers.setdefault("X-Request-Id", g.get("request_id", ""))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.endpoint != "static" and (current_user.is_authenticated or response.mimetype in PRIVATE_TYPES):
            # A signed-in member's pages, their API answers and every export stay out of
            # shared and browser caches (the back button after logout shows nothing).
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response

    graphql = api_blueprint(app)
    csrf.exempt(graphql)
    app.register_blueprint(graphql)
    register_web(app)
    for blueprint in (
        auth_views.bp, account_views.bp, ledger_views.bp, invoice_views.bp, catalog_views.bp, skill_views.bp,
        treasury_views.bp, payment_views.bp, organization_views.bp, notice_views.bp, health.bp,
        privacy_views.bp, audit_views.bp, federation_endpoints.bp, federation_invoice_endpoints.bp,
        federation_views.bp, federation_exchange_views.bp,
    ):
        app.register_blueprint(blueprint)
    register_cli(app)
    return app
