"""The /graphql endpoint. Browsers authenticate with the session cookie, other clients with
`Authorization: Bearer`. A cross-site page cannot forge a call: the endpoint only takes
`application/json` POSTs (which need a CORS preflight we never grant) and refuses mutations
over GET, and the cookie is SameSite=Lax."""
import flask_login
from flask import Blueprint, g, render_template
from strawberry.flask.views import GraphQLView

from app.api.context import Context
from app.api.schema import schema
from app.database import get_session


def build_context() -> Context:
    viewer = flask_login.current_user
    return Context(
        session=get_session(),
        viewer=viewer if viewer.is_authenticated else None,
        request_id=g.get("request_id", "-"),
    )


class AlveoleGraphQLView(GraphQLView):
    def get_context(self, request, response) -> Context:
        return build_context()

    def render_graphql_ide(self, request):
        # Our own page with GraphiQL served from our static files: no CDN.
        return render_template("graphiql.html")


def create_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__)
    bp.add_url_rule("/graphql", view_func=AlveoleGraphQLView.as_view("graphql", schema=schema))
    return bp
