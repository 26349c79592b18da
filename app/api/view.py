"""The /graphql endpoint. Browsers authenticate with the session cookie, other clients with
`Authorization: Bearer`. A cross-site page cannot forge a call: the endpoint only takes
`application/json` POSTs (which need a CORS preflight we never grant) and refuses mutations
over GET, and the cookie is SameSite=Lax.

Our own view rather than strawberry's: it reads the request, runs app.api.execution.run and
writes JSON, without the adapters of a view made for every framework (about a third of the
time of a small query)."""
import json
from typing import Any, Optional

from flask import Blueprint, Flask, Response, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.api.context import build_context
from app.api.documents import documents
from app.api.execution import QUERIES, QUERIES_AND_MUTATIONS, NotAnOperation, run
from app.api.schema import schema

GRAPHIQL_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)


class BadRequest(Exception):
    """Not a GraphQL request: a 400 with the reason in plain text."""


def graphql() -> Response:
    if request.method == "GET" and "query" not in request.args and _accepts_html():
        return graphiql()
    response = Response(status=200, mimetype="application/json")
    try:
        query, variables, operation_name = _read_request()
        context = build_context()
        context.response = response
        if context.viewer is None and current_app.config["ANONYMOUS_API_GATE"]:
            # Anonymous API requests above a cost run one at a time per client address.
            context.gated_address = request.remote_addr or "-"
        is_get = request.method == "GET"
        result = run(schema, query, variables, operation_name, context,
                     QUERIES if is_get else QUERIES_AND_MUTATIONS, request.method)
    except (BadRequest, NotAnOperation) as refused:
        return Response(str(refused), status=400, mimetype="text/plain")
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    response.set_data(json.dumps(body, separators=(",", ":")))
    return response


def _read_request() -> tuple[Optional[str], Optional[dict], Optional[str]]:
    """(query, variables, operation name) of a GET's parameters or a POST's JSON body."""
    if request.method == "GET":
        data: Any = request.args.to_dict()
        if data.get("variables"):
            data["variables"] = _decode(data["variables"])
    elif "application/json" in request.mimetype:
        data = _decode(request.get_data(cache=False))
    else:
        raise BadRequest("Unsupported content type")
    if isinstance(data, list):
        raise BadRequest("Batching is not enabled")
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    query, variables, operation_name = data.get("query"), data.get("variables"), data.get("operationName")
    if not isinstance(query, (str, type(None))):
        raise BadRequest("The GraphQL operation's `query` must be a string or null, if provided.")
    if not isinstance(variables, (dict, type(None))):
        raise BadRequest("The GraphQL operation's `variables` must be an object or null, if provided.")
    if not isinstance(operation_name, (str, type(None))):
        raise BadRequest("The GraphQL operation's `operationName` must be a string or null, if provided.")
    return query, variables, operation_name


def _decode(data: str | bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:  # also a body that is not UTF-8
        raise BadRequest("Unable to parse request body as JSON") from None
    except RecursionError:  # nested deeper than Python's parser goes (a 100,000-deep list)
        raise BadRequest("The request body is nested too deeply.") from None


def _accepts_html() -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept or "*/*" in accept


def graphiql() -> Response:
    """Our own page with GraphiQL served from our static files (no CDN), for signed-in members
    unless the hub opens it to all (PUBLIC_GRAPHQL_IDE, on in the demo)."""
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
    bp.add_url_rule("/graphql", "graphql", graphql, methods=["GET", "POST"])
    return bp
