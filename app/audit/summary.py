"""Entries told as sentences in the reader's language: "Camille Martin a changé la limite de
crédit du compte Bois & Vie : 500,00 → 300,00 ALV". Names come from the rows as they are now
(a pseudonym once a member is anonymised); the values from the entry, formatted as the pages
format money, dates and states. A page of entries costs one query per type of object named."""
import datetime as dt
from decimal import Decimal
from typing import Any, Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, gettext

from app.audit.actions import ACTIONS, OBJECT_TYPES, STATES, Kind
from app.hub import MONEY_FORMAT, minor_units_text
from app.web import month_label
from models import Account, AuditEntry, Member, Organization, PeerHub, PeriodClose, Resource

ARROW = " \u2192 "
# Objects shown by their name; the others by their number (or, for a month, the month).
NAMED = {
    "Account": Account.name, "Member": Member.name, "Organization": Organization.name, "Resource": Resource.title,
    "PeerHub": PeerHub.name,
}
# Values that are the id of a row, shown by its name: the type of that row.
ID_KINDS = {Kind.MEMBER: "Member", Kind.ORGANIZATION: "Organization"}


class Names:
    """The names of the members and objects a page of entries mentions, loaded in batches."""

    def __init__(self, session: so.Session, entries: Iterable[AuditEntry]):
        entries = list(entries)
        wanted: dict[str, set[int]] = {}
        for entry in entries:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
            people = wanted.setdefault("Member", set())
            people.update(i for i in (entry.actor_id, entry.subject_member_id) if i is not None)
            for key, (_label, kind) in ACTIONS[entry.action].fields.items():
                for values in (entry.before or {}, entry.after or {}):
                    if kind in ID_KINDS and isinstance(values.get(key), int):
                        wanted.setdefault(ID_KINDS[kind], set()).add(values[key])
        self.labels: dict[tuple[str, int], str] = {}
        for type_name, ids in wanted.items():
            if type_name in NAMED and ids:
                column = NAMED[type_name]
                table = column.class_
                for pk, name in session.execute(sa.select(table.id, column).where(table.id.in_(ids))):
                    self.labels[(type_name, pk)] = name
        months = wanted.get("PeriodClose")
        if months:
            for pk, start in session.execute(sa.select(PeriodClose.id, PeriodClose.period_start).where(PeriodClose.id.in_(months))):
                self.labels[("PeriodClose", pk)] = month_label(f"{start:%Y-%m}")

    def member(self, member_id: Optional[int]) -> str:
        if member_id is None:
            return gettext("The system")
        return self.labels.get(("Member", member_id), "—")

    def organization(self, organization_id: int) -> str:
        return self.labels.get(("Organization", organization_id), "—")

    def object(self, entry: AuditEntry) -> str:
        if entry.object_type in ("HubSettings", "PaymentSettings"):
            return gettext(OBJECT_TYPES[entry.object_type])
        return self.labels.get((entry.object_type, entry.object_id)) or gettext("No. %(number)s", number=entry.object_id)


def _money(value: int, currency: str, with_currency: bool = True) -> str:
    if with_currency:
        return minor_units_text(value, currency)
    return format_decimal(Decimal(value) / 100, format=MONEY_FORMAT)


def _currency(kind: Kind) -> str:
    return "EUR" if kind == Kind.EUROS else current_app.config["CURRENCY_CODE"]


def value_text(kind: Kind, value: Any, names: Names, with_currency: bool = True) -> str:
    """One stored value as the reader reads it."""
    if value is None:
        return gettext("none") if kind in (Kind.CREDITS, Kind.EUROS, Kind.MEMBER, Kind.ORGANIZATION) else "—"
    if kind in (Kind.CREDITS, Kind.EUROS):
        return _money(value, _currency(kind), with_currency)
    formats = {
        Kind.PERCENT: lambda v: f"{format_decimal(v)}\u00a0%",
        Kind.BPS: lambda v: f"{format_decimal(Decimal(v) / 100)}\u00a0%",
        Kind.FLAG: lambda v: gettext("yes") if v else gettext("no"),
        Kind.DATE: lambda v: format_date(dt.date.fromisoformat(v)),
        Kind.MOMENT: lambda v: format_datetime(dt.datetime.fromisoformat(v), "short"),
        Kind.STATE: lambda v: gettext(STATES[v]) if v in STATES else str(v),
        Kind.MEMBER: names.member,
        Kind.ORGANIZATION: names.organization,
    }
    return formats.get(kind, str)(value)


def change_text(entry: AuditEntry, names: Names) -> str:
    """What changed, "before → after" for each value that differs (named when several do)."""
    action = ACTIONS[entry.action]
    before, after = entry.before or {}, entry.after or {}
    parts = []
    for key, (label, kind) in action.fields.items():
        if key not in before and key not in after:
            continue
        old, new = before.get(key), after.get(key)
        if entry.before is not None and old == new:
            continue
        if entry.before is None:
            text = value_text(kind, new, names)
        elif kind in (Kind.CREDITS, Kind.EUROS) and old is not None and new is not None:
            text = value_text(kind, old, names, False) + ARROW + value_text(kind, new, names)
        else:
            text = value_text(kind, old, names) + ARROW + value_text(kind, new, names)
        parts.append((gettext(label), text))
    if len(parts) == 1:
        return parts[0][1]
    return ", ".join(f"{label} {text}" for label, text in parts)


def summary(entry: AuditEntry, names: Names) -> str:
    action = ACTIONS[entry.action]
    values = {**(entry.before or {}), **(entry.after or {})}
    params = {key: value_text(kind, values.get(key), names) for key, (_label, kind) in action.fields.items()}
    params.update(actor=names.member(entry.actor_id), object=names.object(entry), change=change_text(entry, names))
    return gettext(action.sentence, **params)
