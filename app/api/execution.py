"""How every GraphQL operation runs, from /graphql or from a web page: the document parsed and
validated once per text (app.api.documents), the request limits (app.api.limits), graphql-core's
execution, one commit per request, and unexpected errors masked with a request id in the log.

One plain function, not strawberry's `execute_sync` and its schema extensions: the same steps
without an extension runner, its per-request objects and hooks, which cost more than running a
small query does."""
import logging
from contextlib import ExitStack
from typing import Any, Mapping, Optional

from flask import current_app
from strawberry.execution import optimized_is_awaitable

from app.api.context import Context, build_context
from app.api.documents import documents
from app.api.executor import Executor
from app.api.limits import refusals
from app.database import begin_write, opened_session
from graphql import ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast

log = logging.getLogger("alveole.api")

QUERIES = frozenset({OperationType.QUERY})
QUERIES_AND_MUTATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})


class NotAnOperation(Exception):
    """The request names no operation that may run: no query, an operation name the document
    lacks (or none for a document of several), a mutation over GET. /graphql answers 400."""


def run(
    schema, query: Optional[str], variables: Optional[Mapping[str, Any]], operation_name: Optional[str],
    context: Context, allowed: frozenset = QUERIES_AND_MUTATIONS, method: str = "POST",
) -> ExecutionResult:
    if not query:
        raise NotAnOperation("No GraphQL query found in the request")
    try:
        document = documents.get(query)
    except GraphQLError as error:  # a syntax error, or too many tokens
        return ExecutionResult(None, [error])
    operation = get_operation_ast(document.node, operation_name)
    if operation is None:
        raise NotAnOperation(
            "Can't get GraphQL operation type" if operation_name is None else f'Unknown operation named "{operation_name}".'
        )
    if operation.operation not in allowed:
        raise NotAnOperation(f"{operation.operation.value}s are not allowed when using {method}")
    graphql_schema = schema._schema
    with ExitStack() as turn:  # an anonymous client's turn (app.api.limits), held until the answer
        # The limits first: they are linear in the document, and they keep GraphQL's own
        # validation (whose overlapping-fields rule is not) away from oversized documents.
        errors = refusals(graphql_schema, document.node, variables, operation_name, context, turn)
        errors = errors or document.validation_errors(graphql_schema)
        if errors:
            return ExecutionResult(None, list(errors))
        result = _execute(schema, document.node, variables, operation_name, context, operation.operation)
    if result.errors:
        result.errors = [_mask(error, context.request_id) for error in result.errors]
    return result


def _execute(schema, document, variables, operation_name, context: Context, kind: OperationType) -> ExecutionResult:
    """Execute, then commit a mutation's writes once, after every field ran; roll back anything else."""
    is_mutation = kind == OperationType.MUTATION
    if is_mutation:
        begin_write(context.session)
    try:
        result = execute(
            schema._schema, document, variable_values=variables, operation_name=operation_name,
            context_value=context, executor_class=Executor,
            is_awaitable=optimized_is_awaitable, is_async_iterable=_never,  # as strawberry's execute_sync
        )
    except Exception as exc:  # noqa: BLE001  (a failure of ours outside any resolver)
        log.error("unexpected error in request %s", context.request_id, exc_info=exc)
        result = ExecutionResult(None, [masked_error(context.request_id)])
    # A bad argument in a payload's nested field does not undo the mutation its payload
    # reports as done; only an unexpected failure rolls everything back.
    commit = is_mutation and all(map(_expected, result.errors or []))
    session = opened_session()
    if session is None:
        return result
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except Exception as exc:  # noqa: BLE001  (the connection died under the final commit or rollback)
        return _failed_end(session, exc, "commit" if commit else "rollback", context.request_id)
    return result


def _never(_value) -> bool:
    return False


def _failed_end(session, exc: Exception, step: str, request_id: str) -> ExecutionResult:
    """The outcome is unknown to this request: log the error with the request id, and answer a
    masked error instead of a payload (or data) that may not have been kept."""
    log.error("final %s failed in request %s", step, request_id, exc_info=exc)
    try:
        session.rollback()
    except Exception:  # noqa: BLE001  (already logged: the connection is gone)
        log.warning("rollback after a failed %s failed too in request %s", step, request_id)
    return ExecutionResult(None, [masked_error(request_id)])


def _expected(error: GraphQLError) -> bool:
    """A QueryError raised by a resolver (a bad argument), as opposed to a crash."""
    return isinstance(error.original_error, GraphQLError)


def _mask(error: GraphQLError, request_id: str) -> GraphQLError:
    """Keep errors about the request itself; replace any other with a request id."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    log.error("unexpected error in request %s at %s", request_id, error.path, exc_info=original)
    return masked_error(request_id, error)


def masked_error(request_id: str, error: Optional[GraphQLError] = None) -> GraphQLError:
    """What the client learns of a failure of ours: that it happened, and its request id."""
    return GraphQLError(
        f"Internal error (request id {request_id}).",
        nodes=error.nodes if error else None,
        path=error.path if error else None,
        extensions={"code": "INTERNAL", "requestId": request_id},
    )


def run_operation(name: str, variables: Optional[dict[str, Any]] = None) -> dict:
    """Run a named operation in-process for a web page, with the same schema, permissions,
    validation and errors as /graphql. Returns `data`; raises on a top-level error, which for a
    committed operation is a bug, not a member's mistake."""
    result = run(
        current_app.extensions["graphql_schema"], documents.source(name), variables, name, build_context(),
    )
    if result.errors:
        raise OperationFailed(name, result.errors)
    return result.data


class OperationFailed(Exception):
    def __init__(self, name: str, errors: list):
        super().__init__(f"operation {name} failed: {[e.message for e in errors]}")
        self.errors = errors
