"""The /graphql endpoint. Browsers authenticate with the session cookie, other clients with
`Authorization: Bearer`. A cross-site page cannot forge a call: the endpoint only takes
`application/json` POSTs (which need a CORS preflight we never grant) and refuses mutations
over GET, and the cookie is SameSite=Lax."""
import json

from cross_web import HTTPException
from flask import Blueprint, Flask, render_template
from strawberry.flask.views import GraphQLView

from app.api.context import Context, build_context
from app.api.schema import schema


class AlveoleGraphQLView(GraphQLView):
    def get_context(self, request, response) -> Context:
        return build_context()

    def decode_json(self, data: str | bytes) -> object:
        """A body nested deeper than Python's parser goes (a 100,000-deep list) is a 400."""
        try:
            return json.loads(data)
        except RecursionError:
            raise HTTPException(400, "The request body is nested too deeply.") from None

    def render_graphql_ide(self, request):
        # Our own page with GraphiQL served from our static files: no CDN.
        return render_template("graphiql.html")


def create_blueprint(app: Flask) -> Blueprint:
    # Web pages run their named operations against this same schema (app.api.execution).
    app.extensions["graphql_schema"] = schema
    bp = Blueprint("api", __name__)
    bp.add_url_rule("/graphql", view_func=AlveoleGraphQLView.as_view("graphql", schema=schema))
    return bp
