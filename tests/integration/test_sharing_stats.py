"""Booking statistics for the treasurer: hours shared per kind, and utilisation per month."""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.catalog.stats import sharing_figures, utilisation
from models import (
    Booking,
    BookingStatus,
    Member,
    Organization,
    OrganizationKind,
    Resource,
    ResourceClosure,
    ResourceKind,
)

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS_8_18 = {str(d): [[480, 1080]] for d in range(5)}


def at(day: int, hour: int) -> dt.datetime:
    """A time in June 2026 (Paris), in UTC."""
    return dt.datetime(2026, 6, day, hour, tzinfo=PARIS).astimezone(dt.timezone.utc)


def setup(app, db, make_member):
    booker_email = make_member(organization="Menuiserie Test")
    make_member(organization="Atelier Insertion", name="Insertion manager")
    with app.app_context():
        pass
    booker = db.scalar(sa.select(Member).where(Member.email == booker_email))
    insertion = db.scalar(sa.select(Organization).where(Organization.name == "Atelier Insertion"))
    insertion.kind = OrganizationKind.INSERTION
    tool = Resource(kind=ResourceKind.TOOL, title="Scie mobile", price=0)
    hall = Resource(kind=ResourceKind.WORKSPACE, title="Halle", price=0, capacity=2, opening_hours=WEEKDAYS_8_18)
    skill = Resource(kind=ResourceKind.SKILL, title="Ponçage", price=0, owner_organization_id=insertion.id)
    db.add_all([tool, hall, skill])
    db.flush()

    def book(resource, start, end, quantity=1, status=BookingStatus.COMPLETED):
        db.add(Booking(resource_id=resource.id, booker_id=booker.id, start=start, end=end, blocked_from=start,
                       blocked_until=end, quantity=quantity, status=status))

    book(tool, at(29, 8), at(29, 8) + dt.timedelta(days=3))  # 40 h in June, 32 h in July
    book(tool, at(10, 8), at(10, 18), status=BookingStatus.CANCELLED)  # never took place
    book(hall, at(1, 8), at(1, 18), quantity=2)  # Monday 1 June, both places
    book(skill, at(2, 9), at(2, 13))
    db.add(ResourceClosure(resource_id=hall.id, start=at(2, 0), end=at(3, 0), reason="Inventaire"))
    db.commit()
    return booker, tool, hall


def test_sharing_figures_count_hours_inside_the_period(app, db, make_member):
    booker, tool, hall = setup(app, db, make_member)
    june = sharing_figures(db, at(1, 0), dt.datetime(2026, 7, 1, tzinfo=PARIS))
    tools = june.by_kind[ResourceKind.TOOL]
    assert (tools.bookings, tools.hours, tools.members) == (1, 40.0, {booker.id})
    spaces = june.by_kind[ResourceKind.WORKSPACE]
    assert (spaces.bookings, spaces.hours) == (1, 20.0)  # 10 hours x 2 places
    skills = june.by_kind[ResourceKind.SKILL]
    assert (skills.bookings, skills.hours) == (1, 4.0)


def test_utilisation_is_booked_over_open_hours(app, db, make_member):
    _, tool, hall = setup(app, db, make_member)
    june = (dt.date(2026, 6, 1), dt.date(2026, 7, 1))
    july = (dt.date(2026, 7, 1), dt.date(2026, 8, 1))
    uses = {u.resource.title: u.months for u in utilisation(db, [june, july])}
    # The tool is open round the clock: 30 days x 24 h in June.
    assert (uses["Scie mobile"][0].booked_hours, uses["Scie mobile"][0].open_hours) == (40.0, 720.0)
    assert uses["Scie mobile"][0].percent == 6 and uses["Scie mobile"][1].booked_hours == 32.0
    # The hall: 22 weekdays of 10 h in June 2026, less Tuesday 2 June (closed), x 2 places.
    assert uses["Halle"][0].open_hours == 21 * 10 * 2
    assert uses["Halle"][0].booked_hours == 20.0 and uses["Halle"][0].percent == 5
    assert "Ponçage" not in uses  # skills are not equipment


def test_dashboard_and_impact_report_show_them(app, db, make_member, treasurer_api):
    setup(app, db, make_member)
    report = treasurer_api.data(
        '{ impactReport(from: "2026-06-01", to: "2026-07-01") { figures { key value } } }'
    )["impactReport"]["figures"]
    figures = {f["key"]: f["value"] for f in report}
    assert figures["equipment_loans"] == "1" and figures["equipment_hours"] == "40"
    # Insertion hours come from the hours delivered on skill jobs (none here), not from the
    # kind of organisation that owns a skill.
    assert figures["skill_hours"] == "4" and figures["skill_insertion_hours"] == "0"
    rows = treasurer_api.data("{ treasuryDashboard { equipmentUtilisation(months: 3) { title months { month } } } }")
    titles = [r["title"] for r in rows["treasuryDashboard"]["equipmentUtilisation"]]
    assert titles == ["Scie mobile", "Halle"] and len(rows["treasuryDashboard"]["equipmentUtilisation"][0]["months"]) == 3
