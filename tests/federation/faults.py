"""Fault injection for the federation client's transport: per endpoint, what goes wrong."""
import requests

from app.federation import client


class Crash(Exception):
    """The coordinator dies here: nothing after this point runs (not caught by the client)."""


class Faults:
    """`Faults(arve.app, {"transfers/prepare": ["drop_answer"], ...})`: each call to an endpoint
    takes the next action of its list (then behaves). Actions: drop_answer (sent, answer
    lost), fail_before (never sent), twice (delivered twice), crash_before, crash_after."""

    def __init__(self, app, script: dict[str, list[str]]):
        self.script = {endpoint: list(actions) for endpoint, actions in script.items()}
        self.app = app
        app.extensions["federation_transport"] = self

    def __call__(self, method, url, headers, body, timeout):
        endpoint = url.split("/federation/v1/", 1)[1]
        actions = self.script.get(endpoint) or []
        action = actions.pop(0) if actions else "deliver"
        if action == "fail_before":
            raise requests.ConnectionError("refused")
        if action == "crash_before":
            raise Crash(endpoint)
        answer = client.http_transport(method, url, headers, body, timeout)
        if action == "twice":
            return client.http_transport(method, url, headers, body, timeout)
        if action == "drop_answer":
            raise requests.ReadTimeout("answer lost")
        if action == "crash_after":
            raise Crash(endpoint)
        return answer

    def heal(self):
        self.app.extensions.pop("federation_transport", None)
