"""The /graphql endpoint. Browsers authenticate with the session cookie, other clients with
`Authorization: Bearer`. A cross-site page cannot forge a call: the endpoint only takes
`application/json` POSTs (which need a CORS preflight we never grant) and refuses mutations
over GET, and the cookie is SameSite=Lax."""
import json

from cross_web import HTTPException
from flask import Blueprint, Flask, current_app, make_response, redirect, render_template, url_for
from flask_login import current_user
from strawberry.flask.views import GraphQLView

from app.api.context import Context, build_context
from app.api.documents import documents
from app.api.schema import schema

GRAPHIQL_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)


class AlveoleGraphQLView(GraphQLView):
    def get_context(self, request, response) -> Context:
        context = build_context()
        context.response = response
        if context.viewer is None and current_app.config["ANONYMOUS_API_GATE"]:
            # Anonymous API requests above a cost run one at a time per client address.
            context.gated_address = request.remote_addr or "-"
        return context

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
    documents.load_operations()
    bp = Blueprint("api", __name__)
    bp.add_url_rule("/graphql", view_func=AlveoleGraphQLView.as_view("graphql", schema=schema))
    return bp
