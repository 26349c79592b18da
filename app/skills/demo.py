"""Demo skills marketplace: how the catalogue's skill offers are sold (every pricing kind), a
timber-frame offer on quote, jobs between demo organisations in every state, ratings, and a
CACES training with a past session (attendance recorded) and an upcoming one."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog import services as catalog
from app.errors import DomainError, ErrorCode
from app.permissions import treasurer_filter
from app.skills import conversation, fulfilment, jobs, offers, training
from models import Member, Organization, Resource, ResourceKind, SkillDelivery, SkillPricing, utcnow

CHARPENTES = "Charpentes Mont-Blanc"
STRUCTURE = "Bureau d'études Structure Alpes"
ARCHI = "Atelier d'architecture Terres & Toits"
COMPAGNONS = "Centre de formation Compagnons de l'Arve"
COUVERTURE = "Couverture Aravis Tavaillons"

# offer title -> (pricing, delivery, training)
SETTINGS = {
    "Conception de structure bois": (SkillPricing.ON_QUOTE, SkillDelivery.REMOTE, False),
    "Modélisation BIM d'un projet bois": (SkillPricing.HOURLY, SkillDelivery.REMOTE, False),
    "Formation CACES R486 nacelles": (SkillPricing.PER_JOB, SkillDelivery.AT_PROVIDER, True),
    "Heures de charpentier": (SkillPricing.HOURLY, SkillDelivery.ON_SITE, False),
    "Pose de tavaillons": (SkillPricing.PER_JOB, SkillDelivery.ON_SITE, False),
}
TIMBER_FRAME = "Charpente et ossature bois d'un abri ou d'une annexe"

# (client organisation, offer, what they ask, state to reach, quote (hours, price in ALV) or None)
JOBS = [
    (ARCHI, "Conception de structure bois", "Descente de charges d'une extension en ossature bois de 30 m².",
     "REQUESTED", None),
    (COMPAGNONS, TIMBER_FRAME, "Charpente d'un abri à bois de 12 m² pour le plateau technique.", "QUOTED", (16, 880)),
    ("Isolation Paille & Chanvre 74", "Modélisation BIM d'un projet bois", "Maquette IFC d'une maison paille.",
     "ACCEPTED", (20, 900)),
    ("Ossature Bois Arve", "Heures de charpentier", "Deux compagnons pour le levage d'une charpente à Cluses.",
     "DELIVERED", (14, 532)),
    ("Atelier d'insertion Bois & Vie", "Conception de structure bois", "Plans d'un préau en bois pour l'atelier.",
     "COMPLETED", (10, 550)),
    ("Menuiserie Vuarnet & Fils", "Pose de tavaillons", "Bardage du pignon d'un chalet aux Gets.", "DECLINED", None),
    ("Scierie coopérative du Giffre", "Modélisation BIM d'un projet bois", "Relevé du hangar de séchage.",
     "CANCELLED", (6, 270)),
    ("Association Chantiers Partagés", "Heures de charpentier", "Renfort sur le chantier participatif de Marnaz.",
     "DISPUTED", (8, 304)),
    (COUVERTURE, "Conception de structure bois", "Vérification d'une charpente avant réfection de couverture.",
     "SETTLED", (5, 300)),
]


def seed_skills(session: so.Session, passwords=None) -> None:
    orgs = {o.name: o for o in session.scalars(sa.select(Organization))}
    manager = {name: session.get(Member, org.manager_id) for name, org in orgs.items() if org.manager_id}
    skills = {r.title: r for r in session.scalars(sa.select(Resource).where(Resource.kind == ResourceKind.SKILL))}
    if CHARPENTES not in manager or not skills:
        return
    skills[TIMBER_FRAME] = catalog.create_resource(
        session, manager[CHARPENTES], kind=ResourceKind.SKILL, title=TIMBER_FRAME, owner_organization_id=orgs[CHARPENTES].id,
        category="Charpente", town="Sallanches", price=5500, description=(
            "Conception, taille et levage de la charpente et de l'ossature d'un abri, d'un carport ou d'une annexe "
            "jusqu'à 40 m². Devis après visite ou sur plans ; bois local du Giffre."),
        free_cancellation_hours=72, late_cancellation_fee_percent=20,
    )
    SETTINGS[TIMBER_FRAME] = (SkillPricing.ON_QUOTE, SkillDelivery.ON_SITE, False)
    for title, (pricing, delivery, is_training) in SETTINGS.items():
        resource = skills.get(title)
        if resource is None:
            continue
        owner = session.get(Organization, resource.owner_organization_id)
        team = session.scalars(sa.select(Member.id).where(Member.organization_id == owner.id)).all()
        offers.update_skill_offer(session, manager[owner.name], resource.id, pricing=pricing, delivery=delivery,
                                  is_training=is_training, provider_ids=list(team))
    treasurer = session.scalar(sa.select(Member).where(treasurer_filter()).order_by(Member.role.desc()))
    for client, title, description, state, quote in JOBS:
        if client in manager and title in skills:
            _job(session, manager, skills[title], manager[client], description, state, quote, treasurer)
    if "Formation CACES R486 nacelles" in skills and COMPAGNONS in manager:
        _trainings(session, skills["Formation CACES R486 nacelles"], manager[COMPAGNONS], list(manager.values()))


def _job(session, manager, resource, client, description, state, quote, treasurer) -> None:
    provider = manager[session.get(Organization, resource.owner_organization_id).name]
    job = jobs.request_skill(session, client, resource.id, description=description,
                             estimated_hundredths=quote[0] * 100 if quote else None)
    if state == "REQUESTED":
        return
    if state == "DECLINED":
        jobs.decline_job(session, provider, job.id, "Carnet de commandes complet jusqu'en mars, désolé.")
        return
    hours, price = quote
    start = (utcnow() + dt.timedelta(days=20)).replace(hour=7, minute=0, second=0, microsecond=0)
    jobs.quote_job(session, provider, job.id, hundredths=hours * 100, price=price * 100, start=start,
                   end=start + dt.timedelta(days=2), conditions="Déplacement compris dans la vallée.")
    if state == "QUOTED":
        conversation.send_message(session, client, job.id, "Le bois peut-il venir de la scierie du Giffre ?")
        conversation.send_message(session, provider, job.id, "Oui, c'est notre fournisseur habituel.")
        return
    try:
        with session.begin_nested():
            fulfilment.accept_quote(session, client, job.id)
    except DomainError as exc:  # over the demo client's credit: accepted on account instead
        if exc.code != ErrorCode.CREDIT_LIMIT_EXCEEDED:
            raise
        fulfilment.accept_quote(session, client, job.id, pay_on_account=True)
    if state == "CANCELLED":
        fulfilment.cancel_job(session, client, job.id, "Projet reporté à l'an prochain.")
        return
    if state == "ACCEPTED":
        return
    fulfilment.deliver_job(session, provider, job.id, worked=hours * 100, insertion=hours * 25, training=hours * 10)
    if state == "DELIVERED":
        return
    if state == "COMPLETED":
        fulfilment.confirm_job(session, client, job.id)
        conversation.rate_job(session, client, job.id, 5, "Plans clairs, livrés en avance.")
        conversation.rate_job(session, provider, job.id, 4, "Échanges faciles, paiement rapide.")
        return
    fulfilment.dispute_job(session, client, job.id, "Une journée facturée sans présence sur le chantier.")
    if state == "SETTLED" and treasurer is not None:
        fulfilment.settle_dispute(session, treasurer, job.id, int(Decimal(price) * 60), "Travail livré aux trois "
                                  "cinquièmes : 60 % du prix versé au prestataire.")


def _trainings(session, resource, trainer, members) -> None:
    """A past session with its attendance, and an upcoming one with a few seats taken."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    past_start = now - dt.timedelta(days=12, hours=now.hour - 7)
    past = training.add_session(session, trainer, resource.id, past_start, past_start + dt.timedelta(hours=7), 8,
                                now=past_start - dt.timedelta(days=20))
    trainees = [m for m in members if m.id != trainer.id][:5]
    for member in trainees:
        training.book_seat(session, member, past.id, now=past_start - dt.timedelta(days=3))
    training.record_attendance(session, trainer, past.id, [m.id for m in trainees[:4]], now=now)
    upcoming_start = now + dt.timedelta(days=16, hours=8 - now.hour)
    upcoming = training.add_session(session, trainer, resource.id, upcoming_start,
                                    upcoming_start + dt.timedelta(hours=7), 8, now=now)
    for member in trainees[2:5]:
        training.book_seat(session, member, upcoming.id, now=now)
