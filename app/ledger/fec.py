"""The FEC (fichier des écritures comptables, article A47 A-1 of the French tax procedures
book): the ledger of one fiscal year as the tax administration reads it.

One line per posting, the 18 columns in their legal order, tab-separated, dates YYYYMMDD,
amounts with a decimal comma. Every journal entry of the hub (a transfer and its postings) is
one FEC entry, balanced since its postings sum to zero. Member and organisation accounts are
auxiliary accounts (CompAuxNum, CompAuxLib) of one general account the hub configures (467
"Autres comptes débiteurs ou créditeurs" by default); the system accounts have general
accounts of their own (the commons, which receives the fees: 706; the euro settlement account:
512, the bank). A posting that credits an account (it receives) is a Credit line, one that
debits it (it pays) a Debit line. The year opens with the balances carried forward (journal
AN, dated the first day of the year), so that the file's balances are the ledger's.
Journals by kind of entry: transfers, bookings, skills, invoices, clearing, fees, euro
settlements, corrections. EcritureLib is the entry's memo as a French reader sees it."""
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Iterator, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale

from app.errors import DomainError, ErrorCode
from app.hub import FIRST_YEAR, LAST_YEAR
from app.ledger.memos import render_memo
from app.permissions import is_treasurer
from models import COMMONS, EURO_SETTLEMENT, Account, AccountKind, Posting, Transfer, TransferKind

log = logging.getLogger("alveole.ledger")

COLUMNS = (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
    "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
    "ValidDate", "Montantdevise", "Idevise",
)
SEPARATOR = "\t"

# Journal of each kind of entry: (code, label). The labels are the file's, in French.
JOURNALS: dict[TransferKind, tuple[str, str]] = {
    TransferKind.PAYMENT: ("VIR", "Virements entre membres"),
    TransferKind.BOOKING: ("RES", "Réservations"),
    TransferKind.SKILL: ("PRE", "Prestations de compétences"),
    TransferKind.INVOICE: ("FAC", "Règlements de factures"),
    TransferKind.CLEARING: ("CMP", "Compensation multilatérale"),
    TransferKind.FEE: ("FRA", "Frais et pénalités"),
    TransferKind.SETTLEMENT: ("EUR", "Règlements en euros"),
    TransferKind.REVERSAL: ("OD", "Opérations diverses"),
    TransferKind.ADJUSTMENT: ("OD", "Opérations diverses"),
}
OPENING_JOURNAL = ("AN", "À-nouveaux")
OPENING_LABEL = "Soldes reportés de l'exercice précédent"
# Labels of entries with no memo at all.
KIND_LABELS = {
    TransferKind.PAYMENT: "Virement", TransferKind.BOOKING: "Réservation", TransferKind.SKILL: "Prestation",
    TransferKind.INVOICE: "Règlement de facture", TransferKind.CLEARING: "Compensation", TransferKind.FEE: "Frais",
    TransferKind.SETTLEMENT: "Règlement en euros", TransferKind.REVERSAL: "Contre-passation",
    TransferKind.ADJUSTMENT: "Ajustement",
}


@dataclass(frozen=True)
class GeneralAccount:
    number: str
    label: str


@dataclass(frozen=True)
class FecSettings:
    """The hub's accounting settings (app configuration, ALVEOLE_FEC_* and ALVEOLE_SIREN)."""

    siren: str = "000000000"
    members: GeneralAccount = GeneralAccount("467", "Autres comptes débiteurs ou créditeurs")
    system: Mapping[str, GeneralAccount] = field(default_factory=lambda: {
        COMMONS: GeneralAccount("706", "Prestations de services"),
        EURO_SETTLEMENT: GeneralAccount("512", "Banques"),
    })
    # Where the opening balance of an income or expense account (class 6 or 7) is carried.
    carried_forward: GeneralAccount = GeneralAccount("110", "Report à nouveau (solde créditeur)")
    year_end: tuple[int, int] = (12, 31)  # month, day of the fiscal year's closing date

    @classmethod
    def from_config(cls, config: Mapping) -> "FecSettings":
        def account(key: str, default: GeneralAccount) -> GeneralAccount:
            return GeneralAccount(
                str(config.get(key) or default.number), str(config.get(f"{key}_LABEL") or default.label)
            )

        defaults = cls()
        month, day = (int(part) for part in str(config.get("FISCAL_YEAR_END") or "12-31").split("-"))
        dt.date(2001, month, day)  # a real date in every year (raises ValueError otherwise)
        return cls(
            siren=str(config.get("SIREN") or defaults.siren),
            members=account("FEC_ACCOUNT", defaults.members),
            system={
                COMMONS: account("FEC_COMMONS_ACCOUNT", defaults.system[COMMONS]),
                EURO_SETTLEMENT: account("FEC_SETTLEMENT_ACCOUNT", defaults.system[EURO_SETTLEMENT]),
            },
            year_end=(month, day),
        )

    def fiscal_year(self, year: int) -> tuple[dt.date, dt.date]:
        """First and last day of the fiscal year that closes in `year`."""
        month, day = self.year_end
        closing = dt.date(year, month, day)
        return dt.date(year - 1, month, day) + dt.timedelta(days=1), closing


@dataclass
class FecLine:
    journal: tuple[str, str]
    number: int
    date: dt.date
    account: GeneralAccount
    aux: tuple[str, str]  # (CompAuxNum, CompAuxLib), empty strings for a general account
    piece: str
    label: str
    debit: int  # cents
    credit: int

    def fields(self) -> tuple[str, ...]:
        day = self.date.strftime("%Y%m%d")
        return (
            self.journal[0], self.journal[1], str(self.number), day, self.account.number, self.account.label,
            self.aux[0], self.aux[1], self.piece, day, self.label, amount(self.debit), amount(self.credit),
            "", "", day, "", "",
        )


@dataclass
class FecFile:
    file_name: str
    start: dt.date
    end: dt.date  # the closing date, included
    lines: list[FecLine]
    entry_count: int

    @property
    def total_debit(self) -> int:
        return sum(line.debit for line in self.lines)

    @property
    def total_credit(self) -> int:
        return sum(line.credit for line in self.lines)

    def text(self) -> str:
        """The file: a header of the 18 column names, then one line per posting (CRLF)."""
        rows = [SEPARATOR.join(COLUMNS)] + [SEPARATOR.join(line.fields()) for line in self.lines]
        return "\r\n".join(rows) + "\r\n"


def amount(cents: int) -> str:
    """1234.5 credits as "1234,50": a decimal comma, no thousands separator."""
    return f"{cents // 100},{cents % 100:02d}"


def clean(text: str) -> str:
    """A text as one field: no separator, no line break."""
    return " ".join(text.replace("|", "/").split())


def build_fec(session: so.Session, actor, year: int, settings: FecSettings, zone) -> FecFile:
    """The FEC of the fiscal year closing in `year` (treasurer), in the hub's time zone `zone`."""
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can export the books.")
    if not FIRST_YEAR < year <= LAST_YEAR:
        raise DomainError(ErrorCode.INVALID, "Enter a year such as 2026.", "year")
    first_day, closing = settings.fiscal_year(year)
    since = dt.datetime.combine(first_day, dt.time(), zone).astimezone(dt.timezone.utc)
    until = dt.datetime.combine(closing + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.timezone.utc)
    accounts = {a.id: a for a in session.scalars(sa.select(Account))}
    lines = _opening(session, accounts, settings, first_day, since)
    number = 1 if lines else 0
    with force_locale("fr"):
        for entry, postings in _entries(session, since, until):
            number += 1
            label = clean(render_memo(entry.memo, entry.system_memo)) or KIND_LABELS[entry.kind]
            day = entry.created_at.astimezone(zone).date()
            for account_id, cents in postings:
                account = accounts[account_id]
                lines.append(FecLine(
                    JOURNALS[entry.kind], number, day, _general(account, settings), _aux(account, settings),
                    piece_ref(entry), label, debit=-cents if cents < 0 else 0, credit=cents if cents > 0 else 0,
                ))
    fec = FecFile(f"{settings.siren}FEC{closing:%Y%m%d}.txt", first_day, closing, lines, number)
    log.info("FEC of fiscal year %s exported by member %s: %s entries, %s lines", year, actor.id, number, len(lines))
    return fec


def _general(account: Account, settings: FecSettings) -> GeneralAccount:
    if account.kind == AccountKind.SYSTEM and account.system_code in settings.system:
        return settings.system[account.system_code]
    return settings.members


def _aux(account: Account, settings: FecSettings) -> tuple[str, str]:
    if account.kind == AccountKind.SYSTEM and account.system_code in settings.system:
        return "", ""
    return f"{settings.members.number}{account.id:05d}", clean(account.name)


def piece_ref(entry: Transfer) -> str:
    """The entry's voucher: the invoice it pays, the clearing run it belongs to, else itself."""
    memo = entry.system_memo or {}
    args = memo.get("args", {})
    if memo.get("key") == "invoice_payment":
        return f"FACT-{args.get('number')}"
    if memo.get("key") == "credit_settlement":
        return f"FACT-{args.get('invoice')}"
    if memo.get("key") == "clearing":
        return f"COMP-{args.get('run')}"
    return f"ECR-{entry.id}"


def _opening(session: so.Session, accounts: dict[int, Account], settings: FecSettings,
             first_day: dt.date, since: dt.datetime) -> list[FecLine]:
    """Entry 1, journal AN: each account's balance before the year (they sum to zero)."""
    balances = opening_balances(session, since)
    lines = []
    for account_id in sorted(balances):
        cents, account = balances[account_id], accounts[account_id]
        general = _general(account, settings)
        if general.number[:1] in ("6", "7"):  # a past year's income is now a result carried forward
            general = settings.carried_forward
        lines.append(FecLine(
            OPENING_JOURNAL, 1, first_day, general, _aux(account, settings), "AN", OPENING_LABEL,
            debit=-cents if cents < 0 else 0, credit=cents if cents > 0 else 0,
        ))
    return lines


def opening_balances(session: so.Session, since: dt.datetime) -> dict[int, int]:
    """Each account's balance before `since` (the sum of its earlier postings), if not zero."""
    rows = session.execute(
        sa.select(Posting.account_id, sa.func.sum(Posting.amount))
        .join(Transfer, Transfer.id == Posting.transfer_id)
        .where(Transfer.created_at < since)
        .group_by(Posting.account_id)
    )
    return {account_id: int(balance) for account_id, balance in rows if balance}


def _entries(session: so.Session, since: dt.datetime, until: dt.datetime) -> Iterator[tuple[Transfer, list[tuple[int, int]]]]:
    """The entries of [since, until) in chronological order, each with its postings."""
    rows = session.execute(
        sa.select(Transfer, Posting.account_id, Posting.amount)
        .join(Posting, Posting.transfer_id == Transfer.id)
        .where(Transfer.created_at >= since, Transfer.created_at < until)
        .order_by(Transfer.created_at, Transfer.id, Posting.id)
        .execution_options(yield_per=2000)
    )
    current: Optional[Transfer] = None
    postings: list[tuple[int, int]] = []
    for entry, account_id, cents in rows:
        if current is not None and entry.id != current.id:
            yield current, postings
            postings = []
        current = entry
        postings.append((account_id, cents))
    if current is not None:
        yield current, postings
