"""The second of a resolver's three steps (parse, check access, process): who is asking, and
may they? The rules themselves are the predicates of `app.permissions`; this module only says
how a refusal reads in the API (see the conventions there)."""
from typing import Callable, Optional

from app.api.relay import QueryError
from app.errors import N_, DomainError, ErrorCode
from app.permissions import is_signed_in
from models import Member

Predicate = Callable[[Optional[Member]], bool]
NOT_ALLOWED = N_("You are not allowed to do this.")
SIGN_IN = N_("You must be signed in.")


def require(info, allowed: Predicate = is_signed_in, message: str = NOT_ALLOWED) -> Member:
    """For mutations: the viewer, else UNAUTHENTICATED; `allowed(viewer)`, else FORBIDDEN.
    Both come back in the mutation's payload."""
    viewer = info.context.viewer
    if viewer is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, SIGN_IN)
    if not allowed(viewer):
        raise DomainError(ErrorCode.FORBIDDEN, message)
    return viewer


def require_for_query(info, allowed: Predicate = is_signed_in, message: str = NOT_ALLOWED) -> Member:
    """For queries: the same checks, refused as a top-level error (a list the viewer may not
    read at all, such as the treasurer's)."""
    viewer = info.context.viewer
    if viewer is None:
        raise QueryError(SIGN_IN, code="UNAUTHENTICATED")
    if not allowed(viewer):
        raise QueryError(message, code="FORBIDDEN")
    return viewer


TREASURER_ONLY = N_("Only the treasurer can see this.")
