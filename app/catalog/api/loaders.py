"""Per-request batch loaders: the rows behind one page of resources or bookings, loaded once
for all of them, so that the number of SQL statements of a list does not grow with its size.
They return models and plain rows; the types wrap them."""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app import permissions
from app.api.relay import preload
from app.catalog import calendar_data, queries
from app.database import get_session
from app.hub import hub_zone
from models import Booking, BookingPhoto, CalendarFeed, Member, Organization, Resource, ResourceClosure, ResourcePhoto, utcnow


class ResourceBatch:
    """The resources of one page, and what their fields need."""

    def __init__(self, resources: list[Resource], owner_names: Optional[dict[Optional[int], Optional[str]]] = None):
        self.resources = resources
        self.ids = [r.id for r in resources]
        self._owners: Optional[dict[int, Organization]] = None
        self._owner_names = owner_names  # organisation id -> name, when the page's query read them
        self._calendars: dict = {}
        self._next: dict = {}
        self._managed: Optional[set[int]] = None
        self._photos: Optional[dict[int, list]] = None
        self._closures: Optional[dict[int, list]] = None
        self._feeds: Optional[dict[int, str]] = None
        self._offers: Optional[dict] = None
        self._ratings: Optional[dict] = None

    def skill_offer(self, session: so.Session, resource_id: int):
        """How a skill of the page is sold (None: the defaults), in one query for the page."""
        if self._offers is None:
            self._offers = queries.skill_offers(session, [r.id for r in self.resources if r.kind.value == "SKILL"])
        return self._offers.get(resource_id)

    def rating(self, session: so.Session, resource_id: int):
        """(average, count) of the offer's shown ratings, or None, in one query for the page."""
        if self._ratings is None:
            self._ratings = queries.resource_ratings(session, [r.id for r in self.resources if r.kind.value == "SKILL"])
        return self._ratings.get(resource_id)

    def closures(self, session: so.Session, resource_id: int) -> list[ResourceClosure]:
        """Closures from now on of every resource of the page, in one query."""
        if self._closures is None:
            self._closures = {i: [] for i in self.ids}
            rows = session.scalars(
                sa.select(ResourceClosure)
                .where(ResourceClosure.resource_id.in_(self.ids), ResourceClosure.end > utcnow())
                .order_by(ResourceClosure.start)
            ) if self.ids else []
            for closure in rows:
                self._closures[closure.resource_id].append(closure)
        return self._closures.get(resource_id, [])

    def feed_tokens(self, session: so.Session, member_id: int) -> dict[int, str]:
        """The viewer's calendar-feed tokens for the resources of the page, in one query."""
        if self._feeds is None:
            self._feeds = dict(session.execute(
                sa.select(CalendarFeed.resource_id, CalendarFeed.token)
                .where(CalendarFeed.member_id == member_id, CalendarFeed.resource_id.in_(self.ids))
            ).all()) if self.ids else {}
        return self._feeds

    def photos(self, session: so.Session, resource_id: int) -> list[tuple[int, int, int]]:
        """(id, width, height) of each photo, first one first."""
        if self._photos is None:
            self._photos = {i: [] for i in self.ids}
            rows = session.execute(
                sa.select(ResourcePhoto.id, ResourcePhoto.resource_id, ResourcePhoto.width, ResourcePhoto.height)
                .where(ResourcePhoto.resource_id.in_(self.ids)).order_by(ResourcePhoto.id)
            ) if self.ids else []
            for pk, rid, width, height in rows:
                self._photos[rid].append((pk, width, height))
        return self._photos.get(resource_id, [])

    def owner(self, session: so.Session, resource: Resource) -> Optional[Organization]:
        if self._owners is None:
            org_ids = {r.owner_organization_id for r in self.resources if r.owner_organization_id}
            rows = session.scalars(sa.select(Organization).where(Organization.id.in_(org_ids))).all() if org_ids else []
            self._owners = {o.id: o for o in rows}
            preload(session, Member, (o.manager_id for o in rows))  # for `owner { manager }`
        return self._owners.get(resource.owner_organization_id)

    def owner_name(self, resource: Resource) -> str:
        """The owning organisation's name, or the hub's for its pool: from the page's query or
        the organisations already loaded, else only the names, in one query for the page."""
        if self._owner_names is None and self._owners is not None:
            self._owner_names = {org_id: org.name for org_id, org in self._owners.items()}
            self._owner_names[None] = None
        if self._owner_names is None:
            org_ids = {r.owner_organization_id for r in self.resources} - {None}
            self._owner_names = dict(get_session().execute(
                sa.select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))
            ).all()) if org_ids else {}
            self._owner_names[None] = None
        return self._owner_names[resource.owner_organization_id] or current_app.config["HUB_NAME"]

    def calendar(self, session: so.Session, start: dt.datetime, end: dt.datetime):
        """(usages, closures) by resource over [start, end)."""
        key = (start, end)
        if key not in self._calendars:
            self._calendars[key] = (
                calendar_data.load_usages(session, self.ids, start, end),
                calendar_data.load_closures(session, self.ids, start, end),
            )
        return self._calendars[key]

    def next_free(self, session: so.Session, after: dt.datetime, duration: Optional[dt.timedelta]):
        key = (after, duration)
        if key not in self._next:
            self._next[key] = calendar_data.next_free_slots(session, self.resources, after, duration, hub_zone())
        return self._next[key]

    def can_manage(self, session: so.Session, viewer: Optional[Member], resource: Resource) -> bool:
        """permissions.can_manage_resource, the viewer's organisations read once per page."""
        if viewer is None:
            return False
        if self._managed is None:
            self._managed = set() if permissions.is_admin(viewer) else permissions.listing_organization_ids(session, viewer)
        return permissions.can_manage_resource(session, viewer, resource, managed=self._managed)


class ResourcesOf:
    """The resources of a page of rows that name one (bookings, waitlist entries), in one
    query, sharing one ResourceBatch."""

    def __init__(self, rows: list):
        self.rows = rows
        self._resources: Optional[dict[int, Resource]] = None
        self.batch: Optional[ResourceBatch] = None

    def resource(self, session: so.Session, resource_id: int) -> Resource:
        if self._resources is None:
            ids = {row.resource_id for row in self.rows}
            resources = list(session.scalars(sa.select(Resource).where(Resource.id.in_(ids))))
            self._resources = {r.id: r for r in resources}
            self.batch = ResourceBatch(resources)
        return self._resources[resource_id]


class BookingBatch(ResourcesOf):
    def __init__(self, bookings: list[Booking]):
        super().__init__(bookings)
        self._members: Optional[dict[int, Member]] = None
        self._photos: Optional[dict[int, list]] = None

    def damage_photos(self, session: so.Session, booking_id: int) -> list[tuple[int, int, int]]:
        """(id, width, height) of each damage photo of the page's bookings, in one query."""
        if self._photos is None:
            ids = [b.id for b in self.rows if b.damage_reported]
            self._photos = {i: [] for i in ids}
            rows = session.execute(
                sa.select(BookingPhoto.id, BookingPhoto.booking_id, BookingPhoto.width, BookingPhoto.height)
                .where(BookingPhoto.booking_id.in_(ids)).order_by(BookingPhoto.id)
            ) if ids else []
            for pk, bid, width, height in rows:
                self._photos[bid].append((pk, width, height))
        return self._photos.get(booking_id, [])

    def member(self, session: so.Session, member_id: int) -> Member:
        if self._members is None:
            ids = {b.booker_id for b in self.rows}
            self._members = {m.id: m for m in session.scalars(sa.select(Member).where(Member.id.in_(ids)))}
            # Their organisations too, for `booker { organization }`.
            preload(session, Organization, (m.organization_id for m in self._members.values()))
        return self._members[member_id]
