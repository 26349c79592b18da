"""Demo catalogue of the Vallée de l'Arve hub: equipment, spaces and skills, and a season of
bookings around today (past ones completed and paid, upcoming ones confirmed or requested)."""
import datetime as dt
import random
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog import bookings as booking_services
from app.catalog import services
from app.errors import DomainError
from app.hub import DEFAULT_ZONE
from app.permissions import is_admin
from models import Member, Organization, PriceUnit, ResourceKind

WEEKDAYS_8_18 = {str(d): [[8 * 60, 18 * 60]] for d in range(5)}
WEEKDAYS_7_19_SAT = {**{str(d): [[7 * 60, 19 * 60]] for d in range(5)}, "5": [[8 * 60, 12 * 60]]}
OFFICE = {str(d): [[8 * 60, 12 * 60], [13 * 60 + 30, 19 * 60]] for d in range(5)}

# (owner organisation or None for the hub's pool, kind, title, category, town, address,
#  price in ALV, unit, extra fields, description)
RESOURCES = [
    ("Scierie coopérative du Giffre", ResourceKind.TOOL, "Scierie mobile Wood-Mizer LT40", "Sciage", "Taninges",
     "ZA des Thézières", 150, PriceUnit.DAY,
     dict(deposit=150000, approval_required=True, buffer_minutes=240, min_duration_minutes=480, late_fee_per_day=5000,
          condition="Lame changée en mars, 900 h moteur", opening_hours=WEEKDAYS_8_18),
     "Scie à ruban mobile sur remorque : grumes jusqu'à 70 cm de diamètre et 6 m de long. "
     "Livrée et installée sur votre parc à bois ; formation d'une heure incluse."),
    ("Scierie coopérative du Giffre", ResourceKind.WORKSPACE, "Séchoir à bois — créneau de séchage", "Séchage", "Taninges",
     "ZA des Thézières", 40, PriceUnit.DAY,
     dict(min_duration_minutes=3 * 1440, buffer_minutes=1440, approval_required=True),
     "Un créneau dans le séchoir basse température (12 m³). Séchage de feuillus et résineux "
     "jusqu'à 12 % d'humidité ; une journée de ventilation entre deux lots."),
    ("Menuiserie Vuarnet & Fils", ResourceKind.TOOL, "Défonceuse CNC 3 axes", "Usinage", "Bonneville",
     "120 rue du Pont", 25, PriceUnit.HOUR,
     dict(min_duration_minutes=120, opening_hours=WEEKDAYS_8_18, deposit=50000,
          condition="Table 2500 × 1250, broche 6 kW"),
     "Usinage de panneaux et de pièces de charpente légère. Fichiers DXF ou G-code ; "
     "un compagnon de l'atelier vous accompagne la première fois."),
    ("Menuiserie Vuarnet & Fils", ResourceKind.TOOL, "Raboteuse-dégauchisseuse 410 mm", "Usinage", "Bonneville",
     "120 rue du Pont", 12, PriceUnit.HALF_DAY, dict(opening_hours=WEEKDAYS_8_18), "Combiné robuste, table fonte."),
    ("Charpentes Mont-Blanc", ResourceKind.TOOL, "Humidimètre à bois Brookhuis", "Mesure", "Sallanches",
     "Route du Fayet", 3, PriceUnit.DAY, dict(late_fee_per_day=300, condition="Étalonné en janvier"),
     "Mesure de l'humidité du bois par pointes, corrections d'essence et de température."),
    ("Charpentes Mont-Blanc", ResourceKind.TOOL, "Scie à ruban de chantier", "Sciage", "Sallanches",
     "Route du Fayet", 15, PriceUnit.DAY, dict(), "Scie à ruban transportable, hauteur de coupe 300 mm."),
    (None, ResourceKind.TOOL, "Échafaudage de façade — lot de 50 m²", "Levage et accès", "Cluses",
     "Dépôt du pôle, 8 avenue de la Libération", 8, PriceUnit.DAY,
     dict(capacity=4, buffer_minutes=120, late_fee_per_day=800, deposit=30000),
     "Échafaudage multidirectionnel, lots de 50 m² avec garde-corps et planchers. Quatre lots au dépôt."),
    (None, ResourceKind.TOOL, "Nacelle araignée 17 m", "Levage et accès", "Cluses",
     "Dépôt du pôle, 8 avenue de la Libération", 90, PriceUnit.DAY,
     dict(approval_required=True, deposit=200000, opening_hours=WEEKDAYS_8_18),
     "Nacelle sur chenilles, passe par une porte de 80 cm. CACES R486 exigé."),
    ("Isolation Paille & Chanvre 74", ResourceKind.TOOL, "Souffleuse à isolant en vrac", "Isolation", "Thyez",
     "Chemin des Îles", 20, PriceUnit.DAY, dict(), "Pour ouate de cellulose, fibre de bois et chanvre en vrac."),
    ("Ossature Bois Arve", ResourceKind.WORKSPACE, "Halle d'assemblage", "Atelier", "Cluses",
     "Parc d'activités des Grands Prés", 60, PriceUnit.HALF_DAY,
     dict(opening_hours=WEEKDAYS_7_19_SAT, approval_required=True),
     "900 m², pont roulant 5 t, hauteur 9 m : préfabrication de murs à ossature bois et de caissons."),
    ("Atelier d'insertion Bois & Vie", ResourceKind.WORKSPACE, "Établis de l'atelier partagé", "Atelier", "Marignier",
     "12 rue des Artisans", 5, PriceUnit.HALF_DAY, dict(capacity=6, opening_hours=WEEKDAYS_8_18),
     "Six établis équipés (serre-joints, outillage électroportatif), aspiration centralisée."),
    ("Communauté de communes Cluses Arve et Montagnes", ResourceKind.WORKSPACE, "Salle de réunion du Pôle bois", "Salle",
     "Cluses", "Maison de l'entreprise, 1 place du 11 Novembre", 10, PriceUnit.HOUR,
     dict(opening_hours=OFFICE, max_duration_minutes=480), "Douze places, écran et visioconférence."),
    (None, ResourceKind.WORKSPACE, "Postes de coworking", "Bureau", "Cluses",
     "Maison de l'entreprise, 1 place du 11 Novembre", 6, PriceUnit.DAY, dict(capacity=8, opening_hours=OFFICE),
     "Huit postes au calme, fibre, café du pôle."),
    ("Bureau d'études Structure Alpes", ResourceKind.SKILL, "Conception de structure bois", "Études", "Scionzier",
     "", 55, PriceUnit.HOUR, dict(approval_required=True),
     "Descente de charges, dimensionnement Eurocode 5, plans d'exécution."),
    ("Atelier d'architecture Terres & Toits", ResourceKind.SKILL, "Modélisation BIM d'un projet bois", "Études",
     "Saint-Gervais-les-Bains", "", 45, PriceUnit.HOUR, dict(approval_required=True),
     "Maquette numérique Revit/IFC, quantitatifs, coordination avec les lots."),
    ("Centre de formation Compagnons de l'Arve", ResourceKind.SKILL, "Formation CACES R486 nacelles", "Formation",
     "Passy", "", 180, PriceUnit.DAY, dict(capacity=8, approval_required=True, min_duration_minutes=420),
     "Deux jours de formation et le test ; groupes de huit."),
    ("Charpentes Mont-Blanc", ResourceKind.SKILL, "Heures de charpentier", "Main-d'œuvre", "Sallanches",
     "", 38, PriceUnit.HOUR, dict(capacity=2), "Un ou deux compagnons charpentiers en renfort sur votre chantier."),
    ("Couverture Aravis Tavaillons", ResourceKind.SKILL, "Pose de tavaillons", "Main-d'œuvre", "Magland",
     "", 42, PriceUnit.HOUR, dict(), "Couverture et bardage en tavaillons d'épicéa fendus à la main."),
]


def seed_catalog(session: so.Session, passwords=None) -> None:
    admin = _hub_admin(session)
    organizations = {o.name: o for o in session.scalars(sa.select(Organization))}
    managers = {o.id: session.get(Member, o.manager_id) for o in organizations.values() if o.manager_id}
    resources = []
    for owner, kind, title, category, town, address, price, unit, extra, description in RESOURCES:
        organization = organizations.get(owner) if owner else None
        actor = managers.get(organization.id) if organization else admin
        if actor is None:
            continue
        resources.append(services.create_resource(
            session, actor, kind=kind, title=title, hub_pool=organization is None,
            owner_organization_id=organization.id if organization else None,
            category=category, town=town, address=address, price=price * 100, price_unit=unit,
            description=description, **extra,
        ))
    session.flush()
    _season(session, resources, [m for m in managers.values() if m is not None])


def _season(session: so.Session, resources, bookers) -> None:
    """About three months of past bookings and two of upcoming ones, deterministic."""
    rng = random.Random(74)
    zone = ZoneInfo(DEFAULT_ZONE)
    today = dt.datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    for day_offset in range(-90, 60):
        day = today + dt.timedelta(days=day_offset)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randint(1, 3)):
            resource = rng.choice(resources)
            booker = rng.choice(bookers)
            hour = rng.choice([8, 9, 10, 13, 14])
            start = day.replace(hour=hour)
            length = {
                PriceUnit.HOUR: dt.timedelta(hours=rng.choice([2, 3, 4])),
                PriceUnit.HALF_DAY: dt.timedelta(hours=4),
                PriceUnit.DAY: dt.timedelta(days=rng.choice([1, 2, 3])),
            }[resource.price_unit]
            if resource.min_duration_minutes:
                length = max(length, dt.timedelta(minutes=resource.min_duration_minutes))
            end = start + length
            if resource.opening_hours and resource.kind != ResourceKind.TOOL:
                end = min(end, start.replace(hour=12 if hour < 12 else 18))
                if resource.min_duration_minutes and end - start < dt.timedelta(minutes=resource.min_duration_minutes):
                    continue
            _book(session, resource, booker, start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc), rng)


def _book(session, resource, booker, start, end, rng) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    owner = _owner_actor(session, resource)
    try:
        with session.begin_nested():
            booked_at = min(now, start - dt.timedelta(days=rng.randint(2, 10)))
            booking = booking_services.book_resource(
                session, booker, resource.id, start, end, 1, now=booked_at, zone=ZoneInfo(DEFAULT_ZONE)
            )
            if booking.status.value == "REQUESTED" and (end < now or rng.random() < 0.6):
                booking_services.approve_booking(session, owner, booking.id)
            if end < now and booking.status.value == "CONFIRMED":
                if rng.random() < 0.08:
                    booking_services.cancel_booking(session, booker, booking.id, "", now=booked_at)
                elif resource.kind == ResourceKind.TOOL:
                    booking_services.check_out_booking(session, owner, booking.id, "Bon état", now=start)
                    late = rng.random() < 0.1
                    booking_services.return_booking(
                        session, owner, booking.id, "RAS" if not late else "Rendu en retard",
                        now=end + (dt.timedelta(hours=30) if late else dt.timedelta(0)),
                    )
                else:
                    booking_services.complete_booking(session, owner, booking.id, now=end)
            elif start < now < end and booking.status.value == "CONFIRMED" and resource.kind == ResourceKind.TOOL:
                booking_services.check_out_booking(session, owner, booking.id, "Bon état", now=start)
    except DomainError:
        pass  # clashes and credit limits: that booking simply did not happen


def _hub_admin(session) -> Member | None:
    """The hub's (first) administrator, who offers and runs the pool's resources."""
    return next((m for m in session.scalars(sa.select(Member).order_by(Member.id)) if is_admin(m)), None)


def _owner_actor(session, resource) -> Member:
    if resource.owner_organization_id is None:
        return _hub_admin(session)
    manager_id = session.get(Organization, resource.owner_organization_id).manager_id
    return session.get(Member, manager_id)
