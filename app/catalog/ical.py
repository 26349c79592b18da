"""iCalendar feeds (RFC 5545) at private URLs: a member's bookings, a resource's calendar.
Calendar programs (Thunderbird, Google Calendar) subscribe to them without signing in: the
random token in the URL is the secret, and creating a new feed revokes the old URL."""
import datetime as dt
import secrets
from typing import Optional

import icalendar
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.catalog.resources import get_resource, require_manager
from app.permissions import can_manage_resource
from models import Booking, BookingStatus, CalendarFeed, Member, MemberStatus, Resource, ResourceClosure, utcnow
from models.catalog import ACTIVE_STATUS_VALUES

HISTORY = dt.timedelta(days=90)  # past events kept in a feed
SHOWN = ACTIVE_STATUS_VALUES + (BookingStatus.RETURNED.value, BookingStatus.COMPLETED.value)


def create_feed(session: so.Session, actor: Member, resource_id: Optional[int] = None) -> CalendarFeed:
    """A new private URL for the actor's bookings, or for a resource they manage."""
    if resource_id is not None:
        require_manager(session, actor, get_resource(session, resource_id))
    # One request at a time per member: concurrent ones replace each other's feed in turn,
    # instead of each deleting nothing and inserting its own.
    session.execute(sa.select(Member.id).where(Member.id == actor.id).with_for_update())
    session.execute(
        sa.delete(CalendarFeed).where(
            CalendarFeed.member_id == actor.id,
            CalendarFeed.resource_id.is_(None) if resource_id is None else CalendarFeed.resource_id == resource_id,
        )
    )
    feed = CalendarFeed(token=secrets.token_urlsafe(32), member_id=actor.id, resource_id=resource_id)
    session.add(feed)
    session.flush()
    return feed


def feed_for_token(session: so.Session, token: str) -> Optional[CalendarFeed]:
    """The feed behind a private URL, while its member is active and, for a resource's feed,
    still manages the resource: the URL must not outlive the rights it was made with."""
    if not token or len(token) > 64:
        return None
    feed = session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token == token))
    if feed is None:
        return None
    member = session.get(Member, feed.member_id)
    if member is None or member.status != MemberStatus.ACTIVE:
        return None
    if feed.resource_id is not None and not can_manage_resource(session, member, session.get(Resource, feed.resource_id)):
        return None
    return feed


def render(session: so.Session, feed: CalendarFeed, hub_name: str, host: str) -> bytes:
    """The feed's calendar as text/calendar bytes."""
    since = utcnow() - HISTORY
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Alvéole//Catalogue//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if feed.resource_id is None:
        member = session.get(Member, feed.member_id)
        cal.add("x-wr-calname", f"{hub_name} — {member.name}")
        rows = session.execute(
            sa.select(Booking, Resource)
            .join(Resource, Resource.id == Booking.resource_id)
            .where(Booking.booker_id == feed.member_id, Booking.end > since, Booking.status.in_(SHOWN))
            .order_by(Booking.start)
        ).all()
        for booking, resource in rows:
            cal.add_component(_event(booking, resource.title, resource, host))
    else:
        resource = session.get(Resource, feed.resource_id)
        cal.add("x-wr-calname", f"{hub_name} — {resource.title}")
        rows = session.execute(
            sa.select(Booking, Member.name)
            .join(Member, Member.id == Booking.booker_id)
            .where(Booking.resource_id == resource.id, Booking.end > since, Booking.status.in_(SHOWN))
            .order_by(Booking.start)
        ).all()
        for booking, booker_name in rows:
            cal.add_component(_event(booking, f"{resource.title} — {booker_name}", resource, host))
        for closure in session.scalars(
            sa.select(ResourceClosure).where(ResourceClosure.resource_id == resource.id, ResourceClosure.end > since)
        ):
            event = icalendar.Event()
            event.add("uid", f"closure-{closure.id}@{host}")
            event.add("dtstamp", closure.created_at)
            event.add("dtstart", closure.start)
            event.add("dtend", closure.end)
            event.add("summary", f"{resource.title} — {closure.kind.value.lower()} {closure.reason}".strip())
            event.add("transp", "OPAQUE")
            cal.add_component(event)
    return cal.to_ical()


def _event(booking: Booking, summary: str, resource: Resource, host: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"booking-{booking.id}@{host}")
    event.add("dtstamp", booking.created_at)
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("summary", summary)
    location = ", ".join(p for p in (resource.address, resource.town) if p)
    if location:
        event.add("location", location)
    event.add("status", "TENTATIVE" if booking.status == BookingStatus.REQUESTED else "CONFIRMED")
    if booking.quantity > 1:
        event.add("description", f"× {booking.quantity}")
    return event
