"""Who may do what, checked at the start of every resolver (the second of three steps)."""
from app.api.relay import QueryError
from app.errors import DomainError, ErrorCode
from models import Member, Role


def require_viewer(info) -> Member:
    viewer = info.context.viewer
    if viewer is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "You must be signed in.")
    return viewer


def require_role(info, *roles: Role) -> Member:
    viewer = require_viewer(info)
    if viewer.role not in roles:
        raise DomainError(ErrorCode.FORBIDDEN, "You are not allowed to do this.")
    return viewer


def require_signed_in(info) -> Member:
    """For queries: an anonymous call is a top-level UNAUTHENTICATED error."""
    if info.context.viewer is None:
        raise QueryError("You must be signed in.", code="UNAUTHENTICATED")
    return info.context.viewer


def require_role_for_query(info, *roles: Role) -> Member:
    """For queries: signed in, else UNAUTHENTICATED; in one of `roles`, else FORBIDDEN."""
    viewer = require_signed_in(info)
    if viewer.role not in roles:
        raise QueryError("Only the treasurer can see this.", code="FORBIDDEN")
    return viewer
