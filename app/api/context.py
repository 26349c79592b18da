"""What every resolver gets in info.context."""
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy.orm as so
from strawberry.types import Info as StrawberryInfo

from models import Member


@dataclass
class Context:
    session: so.Session
    viewer: Optional[Member]
    request_id: str
    # Per-request memo for batch loaders (type -> {id: object}).
    cache: dict = field(default_factory=dict)


Info = StrawberryInfo[Context, None]
