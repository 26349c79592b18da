"""The one CSV format the hub writes, for every export: the one a French spreadsheet opens as
it is (LibreOffice, Excel): UTF-8 with a byte-order mark, `;` between fields, CRLF line ends,
amounts with a decimal comma and no thousands separator, dates in ISO form.

Cells are given as Python values: a Decimal (or a Money dict from the API) becomes "1234,50",
an int stays as it is, a date or datetime is written in ISO form (a datetime in the hub's time
zone, to the minute), None is an empty cell, anything else is its text.

Text (memos, names, labels: anything a member may have written) is neutralised after OWASP's
guidance on CSV injection: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading single quote, so that a spreadsheet shows it instead of running it.
Numbers we compute stay numbers, a negative amount included ("-12,50").
"""
import csv
import datetime as dt
import io
import re
import unicodedata
from decimal import Decimal
from typing import Any, Iterable, Sequence

from flask import Response

from app.hub import hub_zone

DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not read as a formula (a dash alone, "nothing", has
    nothing to run: it stays as it is)."""
    return "'" + text if text.startswith(FORMULA_STARTS) and text != "-" else text


def cell(value: Any) -> str:
    """One value as the hub writes it in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, dict) and "amount" in value:  # a Money from the API
        value = Decimal(str(value["amount"]))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, dt.datetime):
        moment = value.astimezone(hub_zone()) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The file's text, byte-order mark first."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def safe_filename(text: str) -> str:
    """ASCII letters, digits and dashes only, for a Content-Disposition header; accented
    letters lose their accent ("relevé" -> "releve"), they are not dropped."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in ascii_text)
    return re.sub(r"-{2,}", "-", name).strip("-").lower() or "export"


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A download of `rows` under `header`, named `filename` (".csv" added when missing)."""
    name = safe_filename(filename.removesuffix(".csv")) + ".csv"
    return Response(
        csv_text(header, rows).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
