"""Trainings: an offer that is a training has dated sessions with a number of seats; members
book seats (never more than the seats: the session's row is locked while they are counted),
and the provider records who attended, which the hub's impact report counts."""
import datetime as dt
import logging
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import N_, DomainError, ErrorCode
from app.permissions import can_provide_for
from app.skills.jobs import check_interval
from app.skills.offers import offer_of, skill_resource
from models import Member, Resource, SeatStatus, TrainingSeat, TrainingSession, utcnow

log = logging.getLogger("alveole.skills")
NO_SESSION = N_("This training session does not exist.")
MAX_SEATS = 1000


def get_session_row(session: so.Session, session_id: int, lock: bool = False) -> TrainingSession:
    row = session.get(TrainingSession, session_id, with_for_update=lock or None, populate_existing=lock)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_SESSION, "sessionId")
    return row


def _require_trainer(session: so.Session, actor: Member, resource: Resource) -> None:
    if not can_provide_for(session, actor, resource.owner_organization_id):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the provider of this training can do this.")


def add_session(session: so.Session, actor: Member, resource_id: int, start: dt.datetime, end: dt.datetime,
                seats: int, now: Optional[dt.datetime] = None) -> TrainingSession:
    """The provider schedules a session of one of its training offers."""
    now = now or utcnow()
    resource = skill_resource(session, resource_id)
    _require_trainer(session, actor, resource)
    if not offer_of(session, resource.id).is_training:
        raise DomainError(ErrorCode.INVALID, "This offer is not a training.", "resourceId")
    check_interval(start, end)
    if start <= now:
        raise DomainError(ErrorCode.INVALID, "A session starts in the future.", "start")
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise DomainError(ErrorCode.INVALID, "From 1 to %(n)s seats.", "seats", n=MAX_SEATS)
    row = TrainingSession(resource_id=resource.id, start=start, end=end, seats=seats)
    session.add(row)
    session.flush()
    log.info("training session %s added to offer %s by member %s: %s seats", row.id, resource.id, actor.id, seats)
    return row


def booked_seats(session: so.Session, session_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(TrainingSeat.session_id == session_id, TrainingSeat.status == SeatStatus.BOOKED)
    )


def book_seat(session: so.Session, actor: Member, session_id: int, now: Optional[dt.datetime] = None) -> TrainingSeat:
    """A member takes a seat in a session that has not started; booking twice keeps one seat."""
    now = now or utcnow()
    row = get_session_row(session, session_id, lock=True)  # seats are counted one booking at a time
    if row.start <= now:
        raise DomainError(ErrorCode.INVALID_STATE, "This session has already started.", "sessionId")
    seat = session.scalar(
        sa.select(TrainingSeat).where(TrainingSeat.session_id == row.id, TrainingSeat.member_id == actor.id)
    )
    if seat is not None and seat.status == SeatStatus.BOOKED:
        return seat
    if booked_seats(session, row.id) >= row.seats:
        raise DomainError(ErrorCode.CONFLICT, "This session is full.", "sessionId")
    if seat is None:
        seat = TrainingSeat(session_id=row.id, member_id=actor.id)
        session.add(seat)
    seat.status = SeatStatus.BOOKED
    session.flush()
    log.info("seat %s booked in training session %s by member %s", seat.id, row.id, actor.id)
    return seat


def cancel_seat(session: so.Session, actor: Member, session_id: int, now: Optional[dt.datetime] = None) -> TrainingSeat:
    now = now or utcnow()
    row = get_session_row(session, session_id, lock=True)
    seat = session.scalar(sa.select(TrainingSeat).where(
        TrainingSeat.session_id == row.id, TrainingSeat.member_id == actor.id, TrainingSeat.status == SeatStatus.BOOKED
    ))
    if seat is None:
        raise DomainError(ErrorCode.NOT_FOUND, "You have no seat in this session.", "sessionId")
    if row.start <= now:
        raise DomainError(ErrorCode.INVALID_STATE, "This session has already started.", "sessionId")
    seat.status = SeatStatus.CANCELLED
    session.flush()
    log.info("seat %s in training session %s cancelled by member %s", seat.id, row.id, actor.id)
    return seat


def record_attendance(session: so.Session, actor: Member, session_id: int, attended_member_ids: Iterable[int],
                      now: Optional[dt.datetime] = None) -> TrainingSession:
    """The provider says who of the members with a seat attended, once the session started
    (again, to correct it)."""
    now = now or utcnow()
    row = get_session_row(session, session_id, lock=True)
    _require_trainer(session, actor, session.get(Resource, row.resource_id))
    if row.start > now:
        raise DomainError(ErrorCode.INVALID_STATE, "Attendance is recorded once the session has started.", "sessionId")
    attended = set(attended_member_ids)
    seats = session.scalars(
        sa.select(TrainingSeat).where(TrainingSeat.session_id == row.id, TrainingSeat.status == SeatStatus.BOOKED)
    ).all()
    if not attended <= {s.member_id for s in seats}:
        raise DomainError(ErrorCode.INVALID, "Only members with a seat can attend.", "attendedMemberIds")
    for seat in seats:
        seat.attended = seat.member_id in attended
    row.attendance_recorded_at = now
    session.flush()
    log.info("attendance of training session %s recorded by member %s: %s of %s", row.id, actor.id, len(attended),
             len(seats))
    return row
