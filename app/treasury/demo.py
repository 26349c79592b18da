"""Demo step of the treasury: open invoices between the demo organisations that loop back on
each other, so that a clearing run has something to clear. (The months of trade paid at once
come from the ledger's demo step.)"""
import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.invoices import services as inv
from models import Account, Invoice, Member, Organization, utcnow

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


def seed_treasury(session: so.Session, passwords=None) -> None:
    orgs = _accounts(session)
    now = utcnow()
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
        session, orgs[TERRES][1], debtor_account_id=orgs[SCIERIE][0].id, amount=48_000,
        memo="Plans du nouveau séchoir à bois",
    )
    inv.accept_invoice(session, orgs[SCIERIE][1], partial.id)
    inv.pay_invoice(session, orgs[SCIERIE][1], partial.id, amount=18_000)
    paid = inv.issue_invoice(
        session, orgs[BOIS_VIE][1], debtor_account_id=orgs[COMPAGNONS][0].id, amount=16_500,
        memo="Ponçage et finition des établis de l'atelier école, 11 h",
    )
    inv.pay_invoice(session, orgs[COMPAGNONS][1], paid.id)
    session.expire_all()
