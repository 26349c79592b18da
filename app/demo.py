"""The demo hub of the Vallée de l'Arve. Every demo account signs in with DEMO_PASSWORD.
Each slice adds its own demo data as a step in DEMO_STEPS."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.auth import services as auth
from app.auth.passwords import Passwords
from app.catalog.demo import seed_catalog
from app.federation.demo import CHABLAIS_HUB_ID, seed_chablais
from app.ledger import services as ledger
from app.ledger.demo import seed_ledger
from app.notices.demo import settle_demo_notices
from app.organizations.demo import seed_rights
from app.skills.demo import seed_skills
from app.treasury.demo import seed_treasury
from models import Member, OrganizationKind, Role

DEMO_PASSWORD = "alveole-demo"

# (organisation, kind, town, SIRET, credit limit in ALV, manager (email, name), other members)
ORGANIZATIONS = [
    ("Scierie coopérative du Giffre", OrganizationKind.FIRM, "Taninges", "73282932000074", 5000,
     ("marc.duret@scierie-giffre.test", "Marc Duret"), [("lea.perrin@scierie-giffre.test", "Léa Perrin")]),
    ("Charpentes Mont-Blanc", OrganizationKind.FIRM, "Sallanches", "41234567800012", 4000,
     ("julien.favre@charpentes-mb.test", "Julien Favre"), [("thomas.berthod@charpentes-mb.test", "Thomas Berthod")]),
    ("Ossature Bois Arve", OrganizationKind.FIRM, "Cluses", "52345678900016", 3000,
     ("claire.bouvier@oba.test", "Claire Bouvier"), []),
    ("Menuiserie Vuarnet & Fils", OrganizationKind.FIRM, "Bonneville", "63456789100011", 2500,
     ("paul.vuarnet@menuiserie-vuarnet.test", "Paul Vuarnet"), []),
    ("Atelier d'insertion Bois & Vie", OrganizationKind.INSERTION, "Marignier", "74567891200015", 2000,
     ("sophie.gay@boisetvie.test", "Sophie Gay"), [("karim.benali@boisetvie.test", "Karim Benali")]),
    ("Centre de formation Compagnons de l'Arve", OrganizationKind.TRAINING, "Passy", "85678912300010", 3000,
     ("anne.mollard@compagnons-arve.test", "Anne Mollard"), []),
    ("Atelier d'architecture Terres & Toits", OrganizationKind.FIRM, "Saint-Gervais-les-Bains", "96789123400015", 2000,
     ("elise.cochet@terresettoits.test", "Élise Cochet"), []),
    ("Bureau d'études Structure Alpes", OrganizationKind.FIRM, "Scionzier", "17891234500018", 2000,
     ("nicolas.pernet@structure-alpes.test", "Nicolas Pernet"), []),
    ("Couverture Aravis Tavaillons", OrganizationKind.FIRM, "Magland", "28912345600013", 1500,
     ("remi.jacquier@aravis-tavaillons.test", "Rémi Jacquier"), []),
    ("Association Chantiers Partagés", OrganizationKind.ASSOCIATION, "Marnaz", None, 1000,
     ("ines.dupont@chantiers-partages.test", "Inès Dupont"), []),
    ("Isolation Paille & Chanvre 74", OrganizationKind.FIRM, "Thyez", "39123456700017", 1500,
     ("victor.roux@paille-chanvre74.test", "Victor Roux"), []),
    ("Communauté de communes Cluses Arve et Montagnes", OrganizationKind.PUBLIC_BODY, "Cluses", None, 0,
     ("service.batiment@2ccam.test", "Service bâtiment 2CCAM"), []),
]

STAFF = [
    ("admin@alveole.test", "Administration Alvéole", Role.ADMIN),
    ("tresorerie@alveole.test", "Trésorerie Alvéole", Role.TREASURER),
]


class DemoRefused(Exception):
    pass


def seed_organizations(session: so.Session, passwords: Passwords) -> None:
    for email, name, role in STAFF:
        auth.create_member(session, passwords, email=email, name=name, password=DEMO_PASSWORD, role=role, is_demo=True)
    for org_name, kind, town, siret, limit, (email, name), others in ORGANIZATIONS:
        manager = auth.create_member(
            session, passwords, email=email, name=name, password=DEMO_PASSWORD,
            organization_name=org_name, organization_kind=kind, siret=siret,
            credit_limit=limit * 100, is_demo=True,
        )
        manager.organization.town = town
        for other_email, other_name in others:
            auth.create_member(
                session, passwords, email=other_email, name=other_name, password=DEMO_PASSWORD,
                organization_name=org_name, is_demo=True,
            )
    ledger.ensure_system_accounts(session)


DEMO_STEPS = [seed_organizations, seed_rights, seed_ledger, seed_catalog, seed_skills, seed_treasury, settle_demo_notices]


def seed_demo(session: so.Session, passwords: Passwords, hub_id: str = "arve") -> bool:
    """Load the demo hub; False if it is already there. Refuses a database with real members.
    The hub id `chablais` loads the second demo hub (app.federation.demo), any other the Arve's."""
    if session.scalar(sa.select(Member.id).where(Member.is_demo.is_(False)).limit(1)):
        raise DemoRefused("This database holds members that are not demo members: not touching it.")
    if session.scalar(sa.select(Member.id).limit(1)):
        return False
    if hub_id == CHABLAIS_HUB_ID:
        seed_chablais(session, passwords, DEMO_PASSWORD)
        return True
    for step in DEMO_STEPS:
        step(session, passwords)
        session.flush()
    return True
