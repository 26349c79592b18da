"""What every resolver gets in info.context."""
from dataclasses import dataclass, field
from typing import Any, Optional

import flask_login
import sqlalchemy.orm as so
from flask import g
from strawberry.types import Info as StrawberryInfo

from app.database import get_session
from models import Member


@dataclass
class Context:
    viewer: Optional[Member]
    request_id: str
    # Per-request memo for batch loaders (type -> {id: object}).
    cache: dict = field(default_factory=dict)
    # Set by /graphql: the address of an anonymous client that the hub gates (app.api.limits),
    # and the HTTP response, whose status a refusal sets (429). None for the pages.
    gated_address: Optional[str] = None
    response: Any = None

    @property
    def session(self) -> so.Session:
        """The request's session, opened on first use: `{ __typename }` opens none."""
        return get_session()


Info = StrawberryInfo[Context, None]


def build_context() -> Context:
    """The context of one operation, from /graphql or from a web page."""
    viewer = flask_login.current_user
    return Context(viewer=viewer if viewer.is_authenticated else None, request_id=g.get("request_id", "-"))
