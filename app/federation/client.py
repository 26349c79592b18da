"""The signed HTTP client a hub uses to talk to its peers. Every answer must be signed by the
peer for our request (app.federation.signing): an unsigned or forged answer is no answer.

`Transport` is the one place bytes leave the hub: tests replace it (app.extensions
["federation_transport"]) to drop an answer, fail before or after sending, or deliver twice."""
import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlsplit

import requests
from flask import current_app

from app.federation import signing
from models import PeerHub

log = logging.getLogger("alveole.federation")

TIMEOUT = 10.0  # seconds: a peer slower than this is unreachable for now; reconcile retries
PREFIX = "/federation/v1/"


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


Transport = Callable[[str, str, Mapping[str, str], bytes, float], Answer]


def http_transport(method: str, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Answer:
    response = requests.request(method, url, headers=dict(headers), data=body, timeout=timeout, allow_redirects=False)
    return Answer(response.status_code, response.headers, response.content)


class PeerUnreachable(Exception):
    """No valid answer: the network failed, the peer broke, or its answer was not signed by
    it. The outcome on the peer's side is unknown: retry with the same transfer id."""


class PeerRefused(Exception):
    """The peer answered, signed, with a refusal (4xx): `code` and its own words."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _transport() -> Transport:
    return current_app.extensions.get("federation_transport") or http_transport


def call(peer: PeerHub, method: str, endpoint: str, payload: Optional[dict] = None) -> dict[str, Any]:
    """Send a signed request to `peer` and return its signed JSON answer."""
    parts = urlsplit(peer.base_url)
    path = parts.path.rstrip("/") + PREFIX + endpoint
    url = f"{parts.scheme}://{parts.netloc}{path}"
    body = b"" if payload is None else json.dumps(payload, sort_keys=True).encode()
    headers = signing.sign_request(method, urlsplit(url).path, body)
    if body:
        headers["Content-Type"] = "application/json"
    try:
        answer = _transport()(method, url, headers, body, TIMEOUT)
    except (requests.RequestException, OSError) as exc:
        log.warning("peer %s unreachable for %s %s: %s", peer.hub_id, method, endpoint, exc)
        raise PeerUnreachable(str(exc)) from exc
    try:
        signing.verify_answer(peer, answer.status, urlsplit(url).path, headers[signing.NONCE], answer.headers, answer.body)
        data = json.loads(answer.body or b"{}")
    except (signing.SignatureRefused, ValueError) as exc:
        log.warning("peer %s answered %s to %s %s without a valid signature: %s", peer.hub_id, answer.status, method,
                    endpoint, exc)
        raise PeerUnreachable(f"unsigned answer: {exc}") from exc
    if not isinstance(data, dict) or answer.status >= 500:
        raise PeerUnreachable(f"peer failed with status {answer.status}")
    if answer.status >= 400:
        raise PeerRefused(answer.status, str(data.get("error", "")), str(data.get("message", "")))
    return data
