"""Demo data of the ledger: four months of believable trade between the demo organisations of
the Vallée de l'Arve (sawing, timber-frame studies, machine time, training, roofing), a limit
raised by the treasurer, a payment reversed, and a firm close to its limit."""
import datetime as dt
import random

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import DomainError
from app.ledger.services.accounts import paying_account
from app.ledger.services.policy import set_credit_limit
from app.ledger.services.posting import transfer
from app.ledger.services.reversals import reverse_transfer
from models import Member, Organization, Posting, Role, Transfer, TransferKind

SCIERIE = "Scierie coopérative du Giffre"
CHARPENTES = "Charpentes Mont-Blanc"
OSSATURE = "Ossature Bois Arve"
MENUISERIE = "Menuiserie Vuarnet & Fils"
INSERTION = "Atelier d'insertion Bois & Vie"
FORMATION = "Centre de formation Compagnons de l'Arve"
ARCHI = "Atelier d'architecture Terres & Toits"
STRUCTURE = "Bureau d'études Structure Alpes"
COUVERTURE = "Couverture Aravis Tavaillons"
CHANTIERS = "Association Chantiers Partagés"
PAILLE = "Isolation Paille & Chanvre 74"

# (payer, payee, kind, memo, typical amount in ALV): who buys what from whom in the hub.
TRADES = [
    (CHARPENTES, SCIERIE, TransferKind.PAYMENT, "Sciage de grumes de mélèze ({n} m³)", 180),
    (OSSATURE, SCIERIE, TransferKind.PAYMENT, "Bois d'ossature épicéa séché ({n} m³)", 240),
    (MENUISERIE, SCIERIE, TransferKind.PAYMENT, "Plots de frêne pour escalier ({n} m³)", 150),
    (OSSATURE, STRUCTURE, TransferKind.SKILL, "Note de calcul ossature — maison à Passy", 420),
    (CHARPENTES, STRUCTURE, TransferKind.SKILL, "Plans d'exécution charpente — grange à Sallanches", 380),
    (ARCHI, STRUCTURE, TransferKind.SKILL, "Vérification structure surélévation bois", 260),
    (CHARPENTES, MENUISERIE, TransferKind.BOOKING, "Défonceuse CNC — {n} h d'usinage de tenons", 45),
    (OSSATURE, MENUISERIE, TransferKind.BOOKING, "Défonceuse CNC — {n} h de découpe de panneaux", 45),
    (SCIERIE, FORMATION, TransferKind.SKILL, "Formation CACES R489 chariot — {n} stagiaire(s)", 210),
    (INSERTION, FORMATION, TransferKind.SKILL, "Formation sécurité chantier — {n} salarié(s) en insertion", 160),
    (CHARPENTES, INSERTION, TransferKind.SKILL, "Heures de manutention et tri de bois ({n} j)", 120),
    (OSSATURE, INSERTION, TransferKind.SKILL, "Préparation de caissons paille ({n} j)", 130),
    (CHARPENTES, COUVERTURE, TransferKind.SKILL, "Pose de tavaillons — chalet à Megève ({n} j)", 310),
    (ARCHI, PAILLE, TransferKind.SKILL, "Diagnostic isolation paille — logement communal", 190),
    (OSSATURE, PAILLE, TransferKind.PAYMENT, "Bottes de paille calibrées ({n} palette{s})", 85),
    (CHANTIERS, CHARPENTES, TransferKind.BOOKING, "Échafaudage 200 m² — {n} semaine(s)", 95),
    (CHANTIERS, MENUISERIE, TransferKind.BOOKING, "Établi de l'atelier partagé — {n} demi-journée(s)", 25),
    (PAILLE, SCIERIE, TransferKind.PAYMENT, "Liteaux et voliges ({n} lot{s})", 70),
    (COUVERTURE, SCIERIE, TransferKind.PAYMENT, "Bardeaux d'épicéa fendus ({n} m²)", 12),
    (STRUCTURE, ARCHI, TransferKind.SKILL, "Relevé BIM d'un bâtiment existant", 240),
    (MENUISERIE, FORMATION, TransferKind.BOOKING, "Salle de réunion — {n} demi-journée(s)", 30),
    (SCIERIE, OSSATURE, TransferKind.BOOKING, "Humidimètre et scie mobile — {n} jour(s)", 60),
    (FORMATION, OSSATURE, TransferKind.PAYMENT, "Chutes de panneaux pour TP ({n} lot{s})", 40),
]


def _managers(session: so.Session) -> dict:
    """Each demo organisation's manager, by the organisation's name."""
    rows = session.execute(sa.select(Organization.name, Member).join(Member, Member.id == Organization.manager_id))
    return {name: member for name, member in rows}


def working_day(when: dt.datetime) -> dt.datetime:
    """A Saturday or Sunday moved back to the Friday before (the demos' trades are on weekdays)."""
    return when - dt.timedelta(days=when.weekday() - 4) if when.weekday() >= 5 else when


def seed_ledger(session: so.Session, passwords=None, today: dt.date | None = None) -> None:
    rng = random.Random(74)
    managers = _managers(session)
    accounts = {org: paying_account(session, m) for org, m in managers.items()}
    treasurer = session.scalar(sa.select(Member).where(Member.role == Role.TREASURER).order_by(Member.id))
    now = dt.datetime.combine(today or dt.date.today(), dt.time(16, 0), dt.timezone.utc)
    start = dt.datetime.combine(now.date() - dt.timedelta(days=120), dt.time(0, 0), dt.timezone.utc)
    # Working days, a few trades each, in chronological order (ids then follow time).
    moments = sorted(
        # Office hours in the Alps (UTC+1/+2).
        start + dt.timedelta(days=rng.randint(0, 118), hours=rng.randint(6, 15), minutes=rng.randint(0, 59))
        for _ in range(110)
    )
    moments = sorted(working_day(m) for m in moments)
    made = []
    for when in moments:
        payer, payee, kind, memo, typical = rng.choice(TRADES)
        n = rng.randint(1, 6)
        amount = int(typical * (n if "{n}" in memo else 1) * rng.uniform(0.8, 1.25)) * 100
        try:
            entry = transfer(
                session, managers[payer], from_account=accounts[payer], to_account_id=accounts[payee].id,
                amount=amount, memo=memo.format(n=n, s="s" if n > 1 else ""), kind=kind, idempotency_key=f"demo-{len(made)}",
            )
        except DomainError:
            continue  # that firm is at its limit this week: it sells before it buys again
        _backdate(session, entry, when)
        made.append(entry)
    if treasurer is not None:
        account = accounts[CHANTIERS]
        set_credit_limit(session, treasurer, account.id, 150_000, "Chantier participatif de l'école de Marnaz : avance de trésorerie")
        if made:
            mistaken = transfer(
                session, managers[OSSATURE], from_account=accounts[OSSATURE], to_account_id=accounts[PAILLE].id,
                amount=8_500, memo="Bottes de paille (saisie en double)", idempotency_key="demo-double",
            )
            _backdate(session, mistaken, now - dt.timedelta(days=3))
            reversal = reverse_transfer(session, treasurer, mistaken.id, "Doublon signalé par Ossature Bois Arve")
            _backdate(session, reversal, now - dt.timedelta(days=2))
    # Chantiers Partagés buys a lot of machine time before its subsidy arrives: near its limit.
    chantiers = accounts[CHANTIERS]
    session.refresh(chantiers)
    room = chantiers.available - chantiers.credit_limit // 10  # leave it at about 90 % of its limit
    if room > 0:
        entry = transfer(
            session, managers[CHANTIERS], from_account=chantiers, to_account_id=accounts[CHARPENTES].id,
            amount=room, memo="Location échafaudage et levage — rénovation de l'école", kind=TransferKind.BOOKING,
            idempotency_key="demo-near-limit",
        )
        _backdate(session, entry, now - dt.timedelta(days=1))
    session.flush()


def _backdate(session: so.Session, entry: Transfer, when: dt.datetime) -> None:
    """Demo only: the trade happened on `when`, not at seeding time."""
    session.execute(sa.update(Transfer).where(Transfer.id == entry.id).values(created_at=when))
    session.execute(sa.update(Posting).where(Posting.transfer_id == entry.id).values(created_at=when))
    session.expire(entry)
