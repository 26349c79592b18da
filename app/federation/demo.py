"""The second demo hub, "Chablais" (hub id `chablais`): a handful of eco-construction firms of
the Chablais valley (Thonon, Évian, Abondance, the Dranses), their members, a few shared
resources, two months of trade and open invoices. `flask setup-demo` loads it instead of the
Arve's demo when ALVEOLE_HUB_ID is `chablais` (see `make run HUBS=2`); every demo account signs
in with the same password as the Arve's."""
import datetime as dt
import random

import sqlalchemy.orm as so

from app.auth import services as auth
from app.auth.passwords import Passwords
from app.catalog import services as catalog
from app.errors import DomainError
from app.invoices import services as invoices
from app.ledger import services as ledger
from app.ledger.demo import _backdate, working_day
from app.ledger.services.accounts import paying_account
from models import Member, OrganizationKind, PriceUnit, ResourceKind, Role

CHABLAIS_HUB_ID = "chablais"

SCIERIE = "Scierie du Val d'Abondance"
CHARPENTE = "Charpente Chablais Bois"
MENUISERIE = "Menuiserie des Dranses"
TAVAILLONS = "Tavaillons du Haut-Chablais"
ETUDES = "Léman Structures"
REEMPLOI = "Chablais Réemploi"

# (organisation, kind, town, SIRET, credit limit in ALV, manager (email, name), other members)
ORGANIZATIONS = [
    (SCIERIE, OrganizationKind.FIRM, "Abondance", "48291736500017", 3000,
     ("martin.girard@scierie-abondance.test", "Martin Girard"), [("chloe.bron@scierie-abondance.test", "Chloé Bron")]),
    (CHARPENTE, OrganizationKind.FIRM, "Thonon-les-Bains", "53917284600013", 3000,
     ("lucie.dubouloz@chablais-bois.test", "Lucie Dubouloz"), []),
    (MENUISERIE, OrganizationKind.FIRM, "Saint-Jean-d'Aulps", "61829374500013", 2000,
     ("hugo.premat@menuiserie-dranses.test", "Hugo Premat"), []),
    (TAVAILLONS, OrganizationKind.FIRM, "Le Biot", "72938475600015", 1500,
     ("jeanne.cettour@tavaillons-chablais.test", "Jeanne Cettour"), []),
    (ETUDES, OrganizationKind.FIRM, "Évian-les-Bains", "83746592800013", 2000,
     ("samuel.vesin@leman-structures.test", "Samuel Vesin"), []),
    (REEMPLOI, OrganizationKind.INSERTION, "Douvaine", "94857361200017", 1500,
     ("nadia.bouchet@chablais-reemploi.test", "Nadia Bouchet"), []),
]
STAFF = [
    ("admin@chablais.test", "Administration Alvéole Chablais", Role.ADMIN),
    ("tresorerie@chablais.test", "Trésorerie Alvéole Chablais", Role.TREASURER),
]

# (owner, kind, title, category, town, price in ALV, unit, description)
RESOURCES = [
    (SCIERIE, ResourceKind.TOOL, "Scie mobile à ruban", "Sciage", "Abondance", 120, PriceUnit.DAY,
     "Scie à grumes sur remorque, sciage sur place de l'épicéa et du mélèze d'alpage."),
    (MENUISERIE, ResourceKind.TOOL, "Plaqueuse de chants", "Usinage", "Saint-Jean-d'Aulps", 18, PriceUnit.HALF_DAY,
     "Plaqueuse de chants automatique, colle PU, chants bois et ABS."),
    (CHARPENTE, ResourceKind.WORKSPACE, "Aire de taillage couverte", "Atelier", "Thonon-les-Bains", 50, PriceUnit.DAY,
     "600 m² couverts, pont roulant 3 t : taille et levage à blanc de charpentes traditionnelles."),
    (ETUDES, ResourceKind.SKILL, "Diagnostic de charpente ancienne", "Études", "Évian-les-Bains", 60, PriceUnit.HOUR,
     "Relevé, sondages et note de calcul avant réhabilitation."),
    (TAVAILLONS, ResourceKind.SKILL, "Fente et pose de tavaillons", "Main-d'œuvre", "Le Biot", 40, PriceUnit.HOUR,
     "Tavaillons d'épicéa fendus à la main, pose en couverture ou en bardage."),
]

# (payer, payee, memo, typical amount in ALV)
TRADES = [
    (CHARPENTE, SCIERIE, "Sciage de mélèze d'alpage ({n} m³)", 190),
    (MENUISERIE, SCIERIE, "Plateaux d'épicéa séché ({n} m³)", 160),
    (CHARPENTE, ETUDES, "Note de calcul — ferme d'alpage à Abondance", 450),
    (TAVAILLONS, SCIERIE, "Billons d'épicéa de fente ({n} lot{s})", 60),
    (REEMPLOI, MENUISERIE, "Plaqueuse de chants — {n} demi-journée{s}", 18),
    (CHARPENTE, TAVAILLONS, "Bardage en tavaillons — chalet à Morzine ({n} j)", 280),
    (ETUDES, REEMPLOI, "Dépose soignée de charpente pour réemploi ({n} j)", 140),
    (SCIERIE, REEMPLOI, "Tri et délignage de bois de réemploi ({n} j)", 110),
]

# (creditor, debtor, ALV, memo, accepted): left on account, one small cycle to clear.
INVOICES = [
    (SCIERIE, CHARPENTE, 900, "Sciage de poutres, grange de Bernex", True),
    (CHARPENTE, MENUISERIE, 600, "Taille d'un escalier de meunier", True),
    (MENUISERIE, SCIERIE, 350, "Usinage de lambris", True),
    (ETUDES, TAVAILLONS, 240, "Vérification d'un avant-toit", False),
]


def seed_chablais(session: so.Session, passwords: Passwords, password: str) -> None:
    """The Chablais demo hub, in a new database (app.demo.seed_demo checks that first); every
    account signs in with `password` (the Arve's demo password)."""
    for email, name, role in STAFF:
        auth.create_member(session, passwords, email=email, name=name, password=password, role=role, is_demo=True)
    managers: dict[str, Member] = {}
    for org_name, kind, town, siret, limit, (email, name), others in ORGANIZATIONS:
        managers[org_name] = auth.create_member(
            session, passwords, email=email, name=name, password=password, organization_name=org_name,
            organization_kind=kind, siret=siret, credit_limit=limit * 100, is_demo=True,
        )
        managers[org_name].organization.town = town
        for other_email, other_name in others:
            auth.create_member(session, passwords, email=other_email, name=other_name, password=password,
                               organization_name=org_name, is_demo=True)
    ledger.ensure_system_accounts(session)
    session.flush()
    for owner, kind, title, category, town, price, unit, description in RESOURCES:
        catalog.create_resource(session, managers[owner], kind=kind, title=title, category=category, town=town,
                                price=price * 100, price_unit=unit, description=description)
    _trade(session, managers)
    accounts = {name: paying_account(session, manager) for name, manager in managers.items()}
    for creditor, debtor, amount, memo, accepted in INVOICES:
        invoice = invoices.issue_invoice(session, managers[creditor], debtor_account_id=accounts[debtor].id,
                                         amount=amount * 100, memo=memo)
        if accepted:
            invoices.accept_invoice(session, managers[debtor], invoice.id)
    session.flush()


def _trade(session: so.Session, managers: dict[str, Member]) -> None:
    """Two months of payments, on working days, deterministic."""
    rng = random.Random(74)
    accounts = {name: paying_account(session, manager) for name, manager in managers.items()}
    today = dt.datetime.combine(dt.date.today(), dt.time(15, 0), dt.timezone.utc)
    # Moved off the weekend before they are sorted: the entries follow the clock.
    moments = sorted(working_day(today - dt.timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 7))) for _ in range(30))
    for number, when in enumerate(moments):
        payer, payee, memo, typical = rng.choice(TRADES)
        n = rng.randint(1, 4)
        amount = int(typical * (n if "{n}" in memo else 1) * rng.uniform(0.8, 1.2)) * 100
        try:
            entry = ledger.transfer(session, managers[payer], from_account=accounts[payer],
                                    to_account_id=accounts[payee].id, amount=amount, memo=memo.format(n=n, s="s" if n > 1 else ""),
                                    idempotency_key=f"chablais-demo-{number}")
        except DomainError:
            continue  # at its limit that week
        _backdate(session, entry, when)
