"""Relay conventions: global ids, the Node interface and cursor connections."""
import base64
import binascii
import functools
from typing import Any, Callable, Generic, Optional, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
import strawberry

from graphql import GraphQLError

MAX_PAGE_SIZE = 100
MAX_PK = 2**31 - 1
T = TypeVar("T")


class QueryError(GraphQLError):
    """A malformed argument of a query (bad id, page too large): a top-level GraphQL error
    with a code, never masked."""

    def __init__(self, message: str, code: str = "INVALID"):
        super().__init__(message, extensions={"code": code})


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def parse_global_id(global_id: str) -> tuple[str, int]:
    """(type name, primary key); ValueError when the id is not one of ours."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        pk = int(pk)
        if not 0 < pk <= MAX_PK:  # beyond PostgreSQL's integer: names nothing of ours
            raise ValueError
        return type_name, pk
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not a valid id: {global_id!r}") from exc


def decode_id(global_id: str, type_name: str) -> Optional[int]:
    """The primary key behind an id of the given type, or None if it names something else."""
    try:
        found_type, pk = parse_global_id(global_id)
    except ValueError:
        return None
    return pk if found_type == type_name else None


@strawberry.interface(description="An object with a global id.")
class Node:
    id: strawberry.ID


# GraphQL name -> type, for a slice that returns another slice's type without importing it
# (a lower slice naming a higher one's type: the ledger's Account.organization).
_NODE_TYPES: dict[str, type] = {}


def node_type(cls):
    """Class decorator, under @strawberry.type: makes the type reachable by `as_node`."""
    _NODE_TYPES[cls.__strawberry_definition__.name] = cls
    return cls


def as_node(type_name: str, model):
    """`model` as the GraphQL type registered under `type_name` (its `from_model`)."""
    return _NODE_TYPES[type_name].from_model(model)


# "Type.field" -> resolver, for a field that a lower slice's type declares and a higher slice
# answers (Member.payments, answered by the payments slice). The field's annotation names the
# higher type lazily (strawberry.lazy); its value comes from here.
_FIELD_PROVIDERS: dict[str, Callable] = {}


def provides(field: str):
    """Decorator: the function answers `field` ("Member.payments") for the type declaring it."""

    def register(resolver):
        _FIELD_PROVIDERS[field] = resolver
        return resolver

    return register


def provided(field: str, *args, **kwargs):
    """The value of `field` from its registered provider."""
    return _FIELD_PROVIDERS[field](*args, **kwargs)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: Optional[str]
    end_cursor: Optional[str]


@strawberry.type
class Edge(Generic[T]):
    node: T
    offset: strawberry.Private[int]
    cursor: str  # a property (below): made when a query asks for it

    @classmethod
    def at(cls, node, offset: int) -> "Edge":
        # Not through the dataclass's __init__: `cursor` is read-only.
        edge = cls.__new__(cls)
        edge.node, edge.offset = node, offset
        return edge


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: Optional[int]

    @strawberry.field(description="The nodes of the edges, for clients that need no cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def _offset_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


Edge.cursor = property(lambda edge: _offset_cursor(edge.offset))


def _parse_cursor(cursor: Optional[str]) -> int:
    if cursor is None:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != "o" or int(offset) < 0:
            raise ValueError
        return int(offset) + 1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise QueryError(f"Invalid cursor: {cursor!r}") from None


def preload(session: so.Session, model, ids) -> None:
    """Load the rows of `ids` in one query, so that the `session.get` of each nested resolver
    finds them in the identity map instead of querying one by one."""
    ids = {i for i in ids if i is not None}
    if ids:
        rows = session.scalars(sa.select(model).where(model.id.in_(ids))).all()
        # The identity map holds rows weakly: keep them for the rest of the request.
        session.info.setdefault("preloaded", []).extend(rows)


def check_first(first: Optional[int], default: int = 20) -> int:
    if first is None:
        return default
    if first < 0 or first > MAX_PAGE_SIZE:
        raise QueryError(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    return first


def paginate(
    session: so.Session,
    stmt: sa.Select,
    first: Optional[int],
    after: Optional[str],
    wrap: Callable[[list], list],
    with_count: bool = True,
    params: Optional[dict[str, Any]] = None,
    whole_rows: bool = False,
) -> Connection:
    """One page of `stmt` (already ordered) as a connection. `wrap` turns the page's rows into
    GraphQL objects all at once, so it can load their related rows in batches; the rows are
    the statement's first column (its model), or with `whole_rows` the rows themselves (the
    model and what the statement adds to it). A statement given with `params` is one built
    once and reused (its values bound at execution): its page is cut with bound parameters
    too, so that it stays one statement built once."""
    limit = check_first(first)
    offset = _parse_cursor(after)
    if params is None:
        result = session.execute(stmt.offset(offset).limit(limit + 1))
    else:
        run = session.execute
        if _columns_only(stmt):
            # Columns only: nothing for the ORM to load. They are read on the session's
            # connection (same transaction, flushed first as the ORM would).
            session.flush()
            run = session.connection().execute
        result = run(_page_of(stmt), {**params, "page_offset": offset, "page_limit": limit + 1})
    rows = result.all() if whole_rows else list(result.scalars())
    has_next = len(rows) > limit
    rows = rows[:limit]
    nodes = wrap(rows)
    edges = [Edge.at(node, offset + i) for i, node in enumerate(nodes)]
    total = None
    if with_count:
        total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()), params)
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


@functools.lru_cache(maxsize=128)
def _columns_only(stmt: sa.Select) -> bool:
    """Whether the statement selects columns and expressions, no mapped class."""
    return not any(d["expr"] is d["entity"] for d in stmt.column_descriptions if d["entity"] is not None)


@functools.lru_cache(maxsize=128)
def _page_of(stmt: sa.Select) -> sa.Select:
    """A reused statement with its offset and limit as bound parameters: SQLAlchemy computes
    the cache key of a statement object once, and of a new one (a new `.limit(n)`) each time."""
    return stmt.offset(sa.bindparam("page_offset", type_=sa.Integer())).limit(sa.bindparam("page_limit", type_=sa.Integer()))
