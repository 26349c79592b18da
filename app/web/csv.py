"""The one CSV writer of the hub: every export (statements, the impact report, and whatever
comes next: the journal, the FEC, payments) goes through `csv_response`.

The format is what a French spreadsheet opens cleanly: UTF-8 with a BOM, `;` between fields,
CRLF line ends, and decimal commas for a French reader.

Cells are typed. Numbers we compute (`int`, `Decimal`) are written as numbers, a negative
amount included ("-12,50"). Text (`str`: memos, names, labels, anything a member may have
written) is neutralised after OWASP's guidance on CSV injection: a cell that begins with
`=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote, so that a
spreadsheet shows it as text instead of running it as a formula."""
import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Iterable, Optional, Sequence, Union

from flask import Response
from flask_babel import get_locale

Cell = Union[str, int, Decimal, dt.date, None]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not read as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _french() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "fr"


def format_cell(value: Cell, french: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int: say it in words
        return "1" if value else "0"
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text.replace(".", ",") if french else text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]], french: Optional[bool] = None) -> str:
    """The CSV document, BOM first (`french`: decimal commas; default: the member's locale)."""
    french = _french() if french is None else french
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([format_cell(value, french) for value in row])
    return "\ufeff" + out.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Response:
    """A CSV download: never cached (exports are private)."""
    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.") or "export.csv"
    return Response(
        csv_text(header, rows).encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "Cache-Control": "no-store",
        },
    )
