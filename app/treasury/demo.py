"""Demo step of the treasury: six months of trade between the demo organisations, and open
invoices that loop back on each other so that a clearing run has something to clear."""
import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.ledger import services as ledger
from app.treasury import invoices as inv
from models import Account, Invoice, Member, Organization, Posting, Transfer, utcnow

SCIERIE = "Scierie coopérative du Giffre"
CHARPENTES = "Charpentes Mont-Blanc"
OBA = "Ossature Bois Arve"
VUARNET = "Menuiserie Vuarnet & Fils"
BOIS_VIE = "Atelier d'insertion Bois & Vie"
COMPAGNONS = "Centre de formation Compagnons de l'Arve"
TERRES = "Atelier d'architecture Terres & Toits"
STRUCTURE = "Bureau d'études Structure Alpes"
ARAVIS = "Couverture Aravis Tavaillons"
CHANTIERS = "Association Chantiers Partagés"
PAILLE = "Isolation Paille & Chanvre 74"
CCAM = "Communauté de communes Cluses Arve et Montagnes"

# (months ago, payer, payee, ALV, memo): paid at once in credits.
PAYMENTS = [
    (5, CHARPENTES, SCIERIE, 820, "Sciage de mélèze, 4 m³"),
    (5, OBA, STRUCTURE, 450, "Note de calcul ossature, maison Bouvier"),
    (4, VUARNET, OBA, 380, "Location défonceuse CNC, 6 h"),
    (4, PAILLE, CHARPENTES, 610, "Levage charpente, chantier de Thyez"),
    (3, ARAVIS, SCIERIE, 290, "Tavaillons d'épicéa, 12 m²"),
    (3, CHANTIERS, COMPAGNONS, 240, "Formation échafaudage, 2 stagiaires"),
    (2, TERRES, OBA, 530, "Maquette ossature, 1/20"),
    (2, STRUCTURE, VUARNET, 310, "Menuiseries de bureau"),
    (1, SCIERIE, BOIS_VIE, 700, "Tri et empilage de sciages, 35 h d'insertion"),
    (1, COMPAGNONS, CHARPENTES, 450, "Atelier pédagogique taille de charpente"),
    (1, PAILLE, SCIERIE, 380, "Bois d'ossature pour caissons paille"),
    (0, OBA, ARAVIS, 260, "Couverture de l'abri vélos"),
    (0, PAILLE, STRUCTURE, 360, "Étude hygrothermique"),
]

# (creditor, debtor, ALV, memo, days since issue, due in days, accepted): left on account.
# Three cycles (3, 3 and 4 firms) and a pair of mutual debts, so the set-off clears a lot.
INVOICES = [
    (SCIERIE, CHARPENTES, 1850, "Sciage douglas, chantier Sallanches", 24, 6, True),
    (CHARPENTES, OBA, 1200, "Assemblage murs ossature, lot 2", 20, 10, True),
    (OBA, SCIERIE, 640, "Location défonceuse CNC, 10 h", 18, 12, True),
    (STRUCTURE, VUARNET, 420, "Calcul d'escalier hélicoïdal", 16, 14, True),
    (TERRES, STRUCTURE, 300, "Plans d'exécution, maison passive", 15, 15, True),
    (VUARNET, TERRES, 380, "Échantillons de menuiseries", 14, 16, True),
    (COMPAGNONS, BOIS_VIE, 500, "Session CACES R489, 2 salariés", 40, -10, True),
    (BOIS_VIE, COMPAGNONS, 350, "Heures de chantier école, insertion", 30, 0, True),
    (PAILLE, ARAVIS, 260, "Isolation chanvre, atelier", 12, 18, True),
    (CHANTIERS, PAILLE, 180, "Prêt de bétonnière et d'échafaudage", 11, 19, True),
    (SCIERIE, CHANTIERS, 150, "Bois de coffrage", 10, 20, True),
    (ARAVIS, SCIERIE, 220, "Réfection couverture du hangar", 9, 21, True),
    (COMPAGNONS, CCAM, 900, "Formation « construire en bois local », 12 agents", 45, -15, True),
    (CHARPENTES, VUARNET, 275, "Prêt de l'échafaudage roulant, 1 semaine", 2, 28, False),
    (STRUCTURE, PAILLE, 190, "Visite de chantier et rapport", 1, 29, False),
]


def _accounts(session: so.Session) -> dict[str, tuple[Account, Member]]:
    rows = session.execute(
        sa.select(Organization.name, Account, Member)
        .join(Account, Account.organization_id == Organization.id)
        .join(Member, Member.id == Organization.manager_id)
    ).all()
    return {name: (account, manager) for name, account, manager in rows}


def _backdate(session: so.Session, transfer_id: int, when: dt.datetime) -> None:
    session.execute(sa.update(Transfer).where(Transfer.id == transfer_id).values(created_at=when))
    session.execute(sa.update(Posting).where(Posting.transfer_id == transfer_id).values(created_at=when))


def seed_treasury(session: so.Session, passwords=None) -> None:
    orgs = _accounts(session)
    now = utcnow()
    for months_ago, payer, payee, amount, memo in PAYMENTS:
        account, manager = orgs[payer]
        entry = ledger.transfer(
            session, manager, from_account=account, to_account_id=orgs[payee][0].id, amount=amount * 100, memo=memo
        )
        _backdate(session, entry.id, now - dt.timedelta(days=30 * months_ago + 3))
    today = now.date()
    for creditor, debtor, amount, memo, age, due_in, accepted in INVOICES:
        issued_on = today - dt.timedelta(days=age)
        invoice = inv.issue_invoice(
            session, orgs[creditor][1], debtor_account_id=orgs[debtor][0].id, amount=amount * 100, memo=memo,
            due_date=issued_on + dt.timedelta(days=age + due_in), today=issued_on,
        )
        created = now - dt.timedelta(days=age)
        session.execute(sa.update(Invoice).where(Invoice.id == invoice.id).values(created_at=created))
        if accepted:
            inv.accept_invoice(session, orgs[debtor][1], invoice.id)
    # One invoice paid in part, one in full: the history of a real month.
    partial = inv.issue_invoice(
        session, orgs[TERRES][1], debtor_account_id=orgs[OBA][0].id, amount=48_000, memo="Relevé de géomètre et esquisse"
    )
    inv.accept_invoice(session, orgs[OBA][1], partial.id)
    inv.pay_invoice(session, orgs[OBA][1], partial.id, amount=18_000)
    paid = inv.issue_invoice(
        session, orgs[BOIS_VIE][1], debtor_account_id=orgs[VUARNET][0].id, amount=16_500, memo="Ponçage et finition, 11 h"
    )
    inv.pay_invoice(session, orgs[VUARNET][1], paid.id)
    session.expire_all()
