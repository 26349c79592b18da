"""What every page uses to run its named GraphQL operation in-process."""
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import abort, url_for
from flask_babel import gettext

from app.api.execution import OperationFailed, run_operation

_STATUS_OF_CODE = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "INVALID": 400}


def query(name: str, **variables: Any) -> dict:
    """Run a query operation; a malformed argument (an id or cursor from the URL) is a 4xx."""
    try:
        return run_operation(name, variables)
    except OperationFailed as exc:
        code = (exc.errors[0].extensions or {}).get("code")
        if code in _STATUS_OF_CODE:
            abort(_STATUS_OF_CODE[code])
        if all(error.path is None for error in exc.errors):
            # The operations are valid (a test checks them): a value from the URL was not.
            abort(400)
        raise


class Result:
    """A mutation's payload, with its errors split for the form: by field, and the rest."""

    def __init__(self, payload: dict):
        self.payload = payload
        self.errors = payload.get("errors", [])
        self.field_errors: dict[str, str] = {}
        self.form_errors: list[str] = []
        for error in self.errors:
            if error.get("field"):
                self.field_errors.setdefault(error["field"][-1], error["message"])
            else:
                self.form_errors.append(error["message"])

    @classmethod
    def invalid(cls, field_errors: dict[str, str]) -> "Result":
        """Errors a page finds before it can call the API (a date the browser let through)."""
        return cls({"errors": [{"code": "INVALID", "field": [f] if f else None, "message": m} for f, m in field_errors.items()]})

    def for_inputs(self, inputs: dict[str, str]) -> "Result":
        """The same result with its field errors keyed by the form's inputs, for a form whose
        inputs are named otherwise than the API's fields (`inputs`: API field -> input name)."""
        self.field_errors = {inputs.get(field, field): message for field, message in self.field_errors.items()}
        return self

    @property
    def ok(self) -> bool:
        return not self.errors

    def unshown(self, shown) -> list[str]:
        """Messages about fields the form does not display (e.g. the credit a booking needs),
        to show above it rather than lose them."""
        return [message for field, message in self.field_errors.items() if field not in shown]

    def __getitem__(self, key):
        return self.payload[key]


def mutate(name: str, input: dict | None = None) -> Result:
    """Run a mutation operation. A form value the schema cannot even read (a role that does not
    exist, text where a number goes) is the member's mistake: an INVALID error on that field."""
    variables = {"input": input} if input is not None else {}
    try:
        data = run_operation(name, variables)
    except OperationFailed as exc:
        if any(error.path is not None for error in exc.errors):
            raise
        return Result.invalid({_input_field(error.message): gettext("This value is not accepted.") for error in exc.errors})
    return Result(next(iter(data.values())))


def _input_field(message: str) -> str:
    """The input field a variable coercion error names ("... at 'input.role'; ..."), or ""."""
    match = re.search(r"at 'input\.([\w.\[\]]+)'", message)
    return match.group(1).split(".")[-1] if match else ""


def safe_next(target: str | None, endpoint: str) -> str:
    """Where to go back after a form: a path of this site, else `endpoint`. The one check of
    every redirect a request asks for. Browsers drop control characters from a URL (a tab in
    "/%09/host" makes it "//host") and read "\\" as "/": these are removed or refused first;
    what is left must parse as a bare path ("/..."), without scheme, host or a second slash."""
    cleaned = "".join(ch for ch in target or "" if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    if cleaned != cleaned.strip() or "\\" in cleaned or not cleaned.startswith("/") or cleaned.startswith("//"):
        return url_for(endpoint)
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return url_for(endpoint)
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))
