"""Signed messages between hubs: a forged, stale, replayed or unknown peer's request is refused
(401) and does nothing; an answer not signed by the peer for our request is no answer."""
import json
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from app.federation import client, signing
from app.federation.client import Answer


def _prepare(to_ref: str, amount: int = 1000) -> dict:
    return {"uuid": str(uuid.uuid4()), "from_account_ref": "1", "from_label": "Scierie", "to_account_ref": to_ref,
            "amount": amount, "source_amount": amount, "memo": ""}


def _signed_post(hub, sender, path: str, payload: dict, **override):
    """A request to `hub` signed by `sender` (its app), headers overridden as asked."""
    body = json.dumps(payload).encode()
    with sender.app.app_context():
        headers = signing.sign_request("POST", path, body)
    headers.update(override)
    return requests.post(hub.url + path, data=body, headers=headers, timeout=10), headers


def test_a_signed_prepare_is_accepted_and_a_replay_refused(hubs):
    arve, chablais = hubs
    _, account = chablais.member("Charpentes du Chablais")
    path = "/federation/v1/transfers/prepare"
    payload = _prepare(str(account))
    first, headers = _signed_post(chablais, arve, path, payload)
    assert first.status_code == 200 and first.json()["state"] == "PREPARED"
    replay = requests.post(chablais.url + path, data=json.dumps(payload).encode(), headers=headers, timeout=10)
    assert replay.status_code == 401 and "replay" in replay.json()["message"]
    assert chablais.mirror().on_hold == 1000  # held once


@pytest.mark.parametrize("tamper", ["signature", "body", "stale", "unknown_hub", "bad_nonce", "no_headers"])
def test_forged_messages_are_refused(hubs, tamper):
    arve, chablais = hubs
    _, account = chablais.member("Couvreurs du Léman")
    path = "/federation/v1/transfers/prepare"
    payload = _prepare(str(account))
    body = json.dumps(payload).encode()
    with arve.app.app_context():
        headers = signing.sign_request("POST", path, body)
    if tamper == "signature":
        headers[signing.SIGNATURE] = headers[signing.SIGNATURE][:-4] + "AAA="
    elif tamper == "body":
        body = json.dumps({**payload, "amount": 99_000}).encode()
    elif tamper == "stale":
        with arve.app.app_context():
            stamp = str(int(time.time()) - signing.WINDOW - 5)
            signature = signing.keys.private_key().sign(signing.canonical("POST", path, stamp, headers[signing.NONCE], body))
        headers[signing.TIMESTAMP] = stamp
        headers[signing.SIGNATURE] = signing.base64.b64encode(signature).decode()
    elif tamper == "unknown_hub":
        headers[signing.HUB] = "mont-blanc"
    elif tamper == "bad_nonce":
        headers[signing.NONCE] = "zz" * 16
    else:
        headers = {}
    answer = requests.post(chablais.url + path, data=body, headers=headers, timeout=10)
    assert answer.status_code == 401
    assert chablais.records() == [] and chablais.mirror().on_hold == 0


def test_a_forged_answer_is_no_answer(hubs):
    arve, chablais = hubs

    def forger(method, url, headers, body, timeout):
        real = client.http_transport(method, url, headers, body, timeout)
        data = json.loads(real.body)
        data["organizations"] = [{"name": "Fake", "town": "", "account_ref": "1"}]
        return Answer(real.status, real.headers, json.dumps(data).encode())

    arve.app.extensions["federation_transport"] = forger
    with arve.app.app_context(), pytest.raises(client.PeerUnreachable):
        client.call(arve.peer(), "GET", "directory")


def test_an_old_answer_replayed_for_another_request_is_refused(hubs):
    arve, chablais = hubs
    kept = {}

    def replayer(method, url, headers, body, timeout):
        if "answer" not in kept:
            kept["answer"] = client.http_transport(method, url, headers, body, timeout)
        return kept["answer"]

    arve.app.extensions["federation_transport"] = replayer
    with arve.app.app_context():
        client.call(arve.peer(), "GET", "mirror")
        with pytest.raises(client.PeerUnreachable):
            client.call(arve.peer(), "GET", "mirror")


def test_a_peer_cannot_pay_out_of_another_account_than_its_mirror(hubs):
    arve, chablais = hubs
    path = "/federation/v1/transfers/prepare"
    with chablais.sessions() as session:
        system_ids = [r for r in session.execute(sa.text("SELECT id FROM accounts WHERE kind = 'SYSTEM'")).scalars()]
    for ref in [str(i) for i in system_ids] + ["0", "-1", "abc", "99999999"]:
        answer, _ = _signed_post(chablais, arve, path, _prepare(ref))
        assert answer.status_code == 404, ref
    _, account = chablais.member("Bois du Chablais")
    for amount in (0, -5, 10**15, "12", 1.5, True):
        answer, _ = _signed_post(chablais, arve, path, _prepare(str(account), amount))
        assert answer.status_code == 400, amount
    assert chablais.records() == []
