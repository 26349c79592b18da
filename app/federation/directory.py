"""This hub's public directory (the organisations a peer's member may pay), and the peers'
directories as this hub fetches them, signed, and keeps for a short while."""
import time
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from app.federation import client
from models import Account, AccountStatus, Organization, OrganizationStatus, PeerHub

CACHE_SECONDS = 60
_cache: dict[tuple[str, str], tuple[float, list[dict]]] = {}


def public_directory(session: so.Session) -> list[dict]:
    """The active organisations with an open account: name, town and the account to pay."""
    rows = session.execute(
        sa.select(Organization.id, Organization.name, Organization.town, Account.id)
        .join(Account, Account.organization_id == Organization.id)
        .where(Organization.status == OrganizationStatus.ACTIVE, Account.status == AccountStatus.OPEN)
        .order_by(Organization.name)
    )
    return [{"id": org_id, "name": name, "town": town or "", "account_ref": str(account_id)}
            for org_id, name, town, account_id in rows]


def peer_directory(peer: PeerHub, search: Optional[str] = None) -> list[dict]:
    """The peer's organisations (fetched signed, cached CACHE_SECONDS), filtered by `search`."""
    key = (peer.hub_id, peer.base_url)
    cached = _cache.get(key)
    if cached is None or time.monotonic() - cached[0] > CACHE_SECONDS:
        try:
            data = client.call(peer, "GET", "directory")
        except (client.PeerUnreachable, client.PeerRefused):
            raise DomainError(
                ErrorCode.PAYMENT_FAILED, "%(hub)s does not answer for now; try again later.", "peerId", hub=peer.name
            ) from None
        entries = [e for e in data.get("organizations", []) if isinstance(e, dict)]
        cached = _cache[key] = (time.monotonic(), [
            {"name": str(e.get("name", ""))[:160], "town": str(e.get("town", ""))[:120],
             "account_ref": str(e.get("account_ref", ""))[:40]}
            for e in entries
        ])
    words = (search or "").strip().lower()
    return [e for e in cached[1] if words in e["name"].lower() or words in e["town"].lower()]


def entry(peer: PeerHub, account_ref: str) -> dict:
    """The peer's organisation behind `account_ref`, from its directory; NOT_FOUND if absent."""
    for found in peer_directory(peer):
        if found["account_ref"] == account_ref:
            return found
    raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "toAccountRef")
