"""What every mutation shares, after Saleor's BaseMutation: a payload holding `errors`, a
decorator that checks who may call it and turns expected failures into those errors, and the
lookup of the objects its input names by global id."""
import functools
from typing import Optional

import strawberry

from app.api.errors import UserError, to_user_errors
from app.api.permissions import NOT_ALLOWED, Predicate, require
from app.api.relay import decode_id
from app.errors import DomainError, ErrorCode
from app.permissions import is_signed_in


@strawberry.type
class Payload:
    errors: list[UserError] = strawberry.field(default_factory=list)


def mutation_payload(payload_cls, allowed: Optional[Predicate] = is_signed_in, message: str = NOT_ALLOWED):
    """Run a mutation resolver in a savepoint, once `allowed(viewer)` holds (None: anyone,
    signed in or not). A DomainError rolls back everything the mutation wrote and comes back
    as `errors` in its payload; the request commits once, at the end
    (app.api.execution.run). The resolver finds the viewer in `info.context.viewer`."""

    def decorate(resolver):
        @functools.wraps(resolver)
        def wrapper(*args, **kwargs):
            info = kwargs["info"]
            savepoint = info.context.session.begin_nested()
            try:
                if allowed is not None:
                    require(info, allowed, message)
                result = resolver(*args, **kwargs)
            except DomainError as exc:
                savepoint.rollback()
                return payload_cls(errors=to_user_errors(exc))
            savepoint.commit()
            return result

        return wrapper

    return decorate


def node_pk(global_id: str, type_name: str, field: str, message: str) -> int:
    """The primary key behind an input's id of `type_name`, else NOT_FOUND on `field`."""
    pk = decode_id(global_id, type_name)
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, message, field)
    return pk
