"""How every GraphQL operation runs, from /graphql or from a web page: request limits,
one commit per request, and unexpected errors masked with a request id in the log."""
import logging
from typing import Any, Optional

from flask import current_app
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from app.api.context import build_context
from app.api.documents import documents
from app.api.limits import RequestLimits
from app.database import begin_write
from graphql import ExecutionResult, GraphQLError

log = logging.getLogger("alveole.api")


class UnitOfWork(SchemaExtension):
    """Commit a mutation's writes once, after every field ran; roll back anything else."""

    def on_execute(self):
        if self.execution_context.operation_type == OperationType.MUTATION:
            begin_write(self.execution_context.context.session)
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        is_mutation = self.execution_context.operation_type == OperationType.MUTATION
        commit = is_mutation and result is not None and all(map(_expected, result.errors or []))
        try:
            if commit:
                # A bad argument in a payload's nested field does not undo the mutation its
                # payload reports as done; only an unexpected failure rolls everything back.
                context.session.commit()
            else:
                context.session.rollback()
        except Exception as exc:  # the connection died under the final commit or rollback
            self._fail(exc, "commit" if commit else "rollback")

    def _fail(self, exc: Exception, step: str) -> None:
        """The outcome is unknown to this request: log the error with the request id, and
        answer a masked error instead of a payload (or data) that may not have been kept."""
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "-")
        log.error("final %s failed in request %s", step, request_id, exc_info=exc)
        try:
            context.session.rollback()
        except Exception:  # noqa: BLE001  (already logged: the connection is gone)
            log.warning("rollback after a failed %s failed too in request %s", step, request_id)
        self.execution_context.result = ExecutionResult(data=None, errors=[masked_error(request_id)])


def _expected(error: GraphQLError) -> bool:
    """A QueryError raised by a resolver (a bad argument), as opposed to a crash."""
    return isinstance(error.original_error, GraphQLError)


class MaskUnexpectedErrors(SchemaExtension):
    """Keep errors about the request itself; replace any other with a request id."""

    def on_operation(self):
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", "-")
        result.errors = [self._mask(error, request_id) for error in result.errors]

    @staticmethod
    def _mask(error: GraphQLError, request_id: str) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            return error
        log.error(
            "unexpected error in request %s at %s", request_id, error.path, exc_info=original
        )
        return masked_error(request_id, error)


def masked_error(request_id: str, error: Optional[GraphQLError] = None) -> GraphQLError:
    """What the client learns of a failure of ours: that it happened, and its request id."""
    return GraphQLError(
        f"Internal error (request id {request_id}).",
        nodes=error.nodes if error else None,
        path=error.path if error else None,
        extensions={"code": "INTERNAL", "requestId": request_id},
    )


def extensions() -> list:
    """Factories: strawberry builds fresh extensions per request; the document cache is shared
    (app.api.documents), and the limits of app.api.limits apply to every request."""
    return [MaskUnexpectedErrors, UnitOfWork, RequestLimits]


def run_operation(name: str, variables: Optional[dict[str, Any]] = None) -> dict:
    """Run a named operation in-process for a web page, with the same schema, permissions,
    validation and errors as /graphql. Returns `data`; raises on a top-level error, which for a
    committed operation is a bug, not a member's mistake."""
    result = current_app.extensions["graphql_schema"].execute_sync(
        documents.source(name),
        variable_values=variables,
        context_value=build_context(),
        operation_name=name,
    )
    if result.errors:
        raise OperationFailed(name, result.errors)
    return result.data


class OperationFailed(Exception):
    def __init__(self, name: str, errors: list):
        super().__init__(f"operation {name} failed: {[e.message for e in errors]}")
        self.errors = errors
