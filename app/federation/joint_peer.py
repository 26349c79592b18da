"""The participant's side of a joint clearing run (the peer proposed it and coordinates), the
treasurer's answer to a proposal, and the reconciliation of joint runs left between phases.
What the coordinator does: app.federation.joint_runs."""
import datetime as dt
import logging
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import DomainError, ErrorCode
from app.federation import joint_runs
from app.federation.participant import check_uuid
from app.federation.transfers import SessionFactory, send
from models import JOINT_FINAL_STATES, JointRun, JointRunState, Member, PeerHub, TransferRole, utcnow

log = logging.getLogger("alveole.federation")
State = JointRunState


def _amounts(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def proposed(session: so.Session, peer: PeerHub, data: dict) -> dict:
    """The peer's treasurer proposes a joint run: it waits for ours."""
    uuid = check_uuid(data.get("uuid"))
    run = joint_runs.find(session, peer, uuid)
    if run is None:
        run = JointRun(uuid=uuid, peer_id=peer.id, role=TransferRole.PARTICIPANT, state=State.PROPOSED)
        session.add(run)
        session.flush()
    return joint_runs.status(run, uuid)


def answer(session: so.Session, actor: Member, run_id: int, accept: bool) -> JointRun:
    """Our treasurer accepts (the peer may then run it) or declines a proposed joint run."""
    joint_runs.require_treasurer(actor)
    run = joint_runs.get(session, run_id, TransferRole.PARTICIPANT)
    if run.state != State.PROPOSED:
        raise DomainError(ErrorCode.INVALID_STATE, "This joint run was already answered.", "jointRunId")
    run.accepted_by_id = actor.id
    run.state = State.ACCEPTED if accept else State.ABORTED
    run.failure = None if accept else "DECLINED"
    session.flush()
    return run


def tell_coordinator(new_session: SessionFactory, run_id: int) -> bool:
    """Send our treasurer's answer to the coordinator (its page shows it); a lost one changes
    nothing there: running the joint run asks for our debts, which we give only once accepted."""
    with new_session() as session:
        run = session.get(JointRun, run_id)
        peer = session.get(PeerHub, run.peer_id)
        message = {"uuid": run.uuid, "state": run.state.value}
        session.expunge_all()
    said = send(peer, "POST", "joint-runs/answer", message)
    return said is not None and said.get("state") != "REFUSED"


def answered(session: so.Session, peer: PeerHub, data: dict) -> dict:
    """The coordinator hears the peer treasurer's answer to its proposal."""
    uuid = check_uuid(data.get("uuid"))
    run = joint_runs.find(session, peer, uuid, lock=True)
    if run is None or run.role != TransferRole.COORDINATOR:
        raise DomainError(ErrorCode.NOT_FOUND, "This joint run does not exist.", "uuid")
    if run.state == State.PROPOSED and data.get("state") == State.ACCEPTED.value:
        run.state = State.ACCEPTED
    elif run.state in joint_runs.RUNNABLE and data.get("state") == State.ABORTED.value:
        joint_runs.abort_part(session, run, "DECLINED")
    session.flush()
    return joint_runs.status(run, uuid)


def debts(session: so.Session, peer: PeerHub, uuid: str) -> dict:
    uuid = check_uuid(uuid)
    run = joint_runs.find(session, peer, uuid)
    if run is None or run.state != State.ACCEPTED:
        raise DomainError(ErrorCode.INVALID_STATE, joint_runs.NOT_ACCEPTED, "uuid")
    return {"uuid": uuid, "state": run.state.value, **joint_runs.our_debts(session, peer)}


def prepare(session: so.Session, peer: PeerHub, data: dict) -> dict:
    """Hold our part of the plan, after checking it; a refusal is recorded (ABORTED) so that a
    retry gets the same answer. The same prepare again gets the first answer."""
    uuid = check_uuid(data.get("uuid"))
    run = joint_runs.find(session, peer, uuid, lock=True)
    if run is None or run.state not in (State.ACCEPTED,):
        if run is None:
            raise DomainError(ErrorCode.NOT_FOUND, "This joint run does not exist.", "uuid")
        return joint_runs.status(run, uuid)
    lines, figures = data.get("lines"), [_amounts(data.get(k)) for k in
                                         ("gross_before", "cleared", "alone_participant", "alone_coordinator")]
    try:
        if not isinstance(lines, list) or None in figures or not all(
            isinstance(x, list) and len(x) == 3 and all(_amounts(v) is not None for v in x) for x in lines
        ) or len({x[0] for x in lines}) != len(lines):
            raise DomainError(ErrorCode.INVALID, "These lines are not a set-off of this hub's invoices.", "lines")
        with session.begin_nested():
            joint_runs.hold_part(session, run, peer, {i: (before, amount) for i, before, amount in lines})
    except DomainError as exc:
        joint_runs.abort_part(session, run, exc.code.value)
        return joint_runs.status(run, uuid)
    run.gross_before, run.cleared, run.cleared_alone_here, run.cleared_alone_there = figures
    run.state = State.PREPARED
    session.flush()
    return joint_runs.status(run, uuid)


def decide(session: so.Session, peer: PeerHub, uuid: Any, commit: bool) -> tuple[int, dict]:
    """Do what the coordinator decided: post our part or release it. The same decision again
    is answered as done; the opposite one after the fact is a conflict (409)."""
    uuid = check_uuid(uuid)
    run = joint_runs.find(session, peer, uuid, lock=True)
    if run is None:
        return (200, joint_runs.status(None, uuid)) if not commit else (404, {"uuid": uuid, "error": "NOT_FOUND"})
    if commit and run.state == State.PREPARED:
        joint_runs.post_part(session, run)
    elif not commit and run.state not in JOINT_FINAL_STATES:
        joint_runs.abort_part(session, run)
    wanted = State.COMMITTED if commit else State.ABORTED
    if run.state != wanted:
        return 409, {**joint_runs.status(run, uuid), "error": "CONFLICT"}
    return 200, joint_runs.status(run, uuid)


# --- Reconciliation -------------------------------------------------------------------------


def reconcile(new_session: SessionFactory, min_age: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """Drive every joint run left between phases to the same end on both hubs; returns how many
    are still not final (the peer did not answer, or the coordinator has not decided)."""
    with new_session() as session:
        open_runs = session.execute(
            sa.select(JointRun.id, JointRun.role, JointRun.state, JointRun.updated_at)
            .where(JointRun.state.in_([State.PREPARING, State.PREPARED, State.COMMITTING, State.ABORTING]))
        ).all()
    left = 0
    for run_id, role, state, updated_at in open_runs:
        if role == TransferRole.COORDINATOR:
            if state == State.PREPARING and utcnow() - updated_at >= min_age:
                joint_runs.decide(new_session, run_id, False, "RECONCILED")  # presumed abort
            state = joint_runs.push(new_session, run_id)
        else:
            state = _follow(new_session, run_id)
        left += state not in JOINT_FINAL_STATES
    return left


def _follow(new_session: SessionFactory, run_id: int) -> State:
    """A prepared participant asks the coordinator what it decided, and does it."""
    with new_session() as session:
        run = session.get(JointRun, run_id)
        peer = session.get(PeerHub, run.peer_id)
        uuid = run.uuid
        session.expunge_all()
    said = send(peer, "GET", f"joint-runs/{uuid}")
    if said is None or said.get("state") not in ("COMMITTING", "COMMITTED", "ABORTING", "ABORTED", "UNKNOWN"):
        return State.PREPARED
    with new_session() as session:
        _, answer_ = decide(session, session.get(PeerHub, peer.id), uuid, said["state"] in ("COMMITTING", "COMMITTED"))
        session.commit()
        return State(answer_["state"])
