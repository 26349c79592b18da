"""The /graphql endpoint. Browsers authenticate with the session cookie, other clients with
`Authorization: Bearer`. A cross-site page cannot forge a call: the endpoint only takes
`application/json` POSTs (which need a CORS preflight we never grant) and refuses mutations
over GET, and the cookie is SameSite=Lax."""
import json

from cross_web import HTTPException
from flask import Blueprint, Flask, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from strawberry.flask.views import GraphQLView

from app.api.context import Context, build_context
from app.api.schema import schema
from app.api.throttle import Busy, gate_directory, one_at_a_time

GRAPHIQL_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)


class AlveoleGraphQLView(GraphQLView):
    def get_context(self, request, response) -> Context:
        return build_context()

    def dispatch_request(self):
        """Anonymous API requests run one at a time per client address (app.api.throttle)."""
        config = current_app.config
        runs_an_operation = request.method == "POST" or "query" in request.args  # not GraphiQL's page
        if not config["ANONYMOUS_API_GATE"] or current_user.is_authenticated or not runs_an_operation:
            return super().dispatch_request()
        directory = gate_directory(config["DATABASE_URL"])
        try:
            with one_at_a_time(directory, request.remote_addr or "-", config["ANONYMOUS_API_WAIT_SECONDS"]):
                return super().dispatch_request()
        except Busy:
            body = {"data": None, "errors": [{
                "message": "Too many requests at once from your address: wait for the previous answer, or sign in.",
                "extensions": {"code": "RATE_LIMITED"},
            }]}
            return jsonify(body), 429, {"Retry-After": "1"}

    def decode_json(self, data: str | bytes) -> object:
        """A body nested deeper than Python's parser goes (a 100,000-deep list) is a 400."""
        try:
            return json.loads(data)
        except RecursionError:
            raise HTTPException(400, "The request body is nested too deeply.") from None

    def render_graphql_ide(self, request):
        """Our own page with GraphiQL served from our static files (no CDN), for signed-in
        members unless the hub opens it to all (PUBLIC_GRAPHQL_IDE, on in the demo)."""
        if not (current_app.config["PUBLIC_GRAPHQL_IDE"] or current_user.is_authenticated):
            return redirect(url_for("auth.login", next="/graphql"))
        response = make_response(render_template("graphiql.html"))
        # GraphiQL's page: its own stylesheet inline, and the editor's workers from blob: URLs.
        response.headers["Content-Security-Policy"] = GRAPHIQL_POLICY
        return response


def create_blueprint(app: Flask) -> Blueprint:
    # Web pages run their named operations against this same schema (app.api.execution).
    app.extensions["graphql_schema"] = schema
    bp = Blueprint("api", __name__)
    bp.add_url_rule("/graphql", view_func=AlveoleGraphQLView.as_view("graphql", schema=schema))
    return bp
