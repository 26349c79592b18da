"""GraphQL of the joint clearing runs with peer hubs (treasurer only): propose one to a peer,
accept or decline a peer's proposal (the peer hears the answer), run an accepted one, and the
runs with their report: what the joint run cleared, and beyond what each hub clears alone."""
import datetime as dt
from typing import Optional

import sqlalchemy as sa
import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.mutations import Payload, node_pk
from app.api.permissions import TREASURER_ONLY, require_for_query
from app.api.relay import Connection, Node, paginate, to_global_id
from app.api.scalars import Money, money
from app.errors import N_, DomainError, ErrorCode
from app.federation import joint_peer, joint_runs, keys, peers
from app.federation.api.mutations import _release, protocol_payload
from app.federation.api.queries import peer_pk
from models import JointRun, JointRunState, PeerHub, TransferRole

JointRunStateEnum = strawberry.enum(JointRunState, name="JointRunState")
JointRunRoleEnum = strawberry.enum(TransferRole, name="JointRunRole")

NO_RUN = N_("This joint run does not exist.")
NO_ANSWER = N_("The peer did not answer.")
# Why a joint run ended without posting, by the failure recorded on it.
FAILURES = {
    "DECLINED": N_("%(hub)s declined this joint run."),
    "STALE": N_("Invoices changed on %(hub)s since this joint run was planned: nothing was cleared; run a new one."),
    None: N_("%(hub)s did not take part in this joint run: nothing was cleared."),
}


def _money(value: Optional[int]) -> Optional[Money]:
    return None if value is None else money(value)


@strawberry.type(name="JointRun", description="A clearing run of this hub and a peer hub, on this side. The "
                                              "figures are the joint run's, the same on both hubs.")
class JointRunType(Node):
    uuid: str
    peer_name: str
    role: JointRunRoleEnum = strawberry.field(description="COORDINATOR: proposed and run from here.")
    state: JointRunStateEnum
    failure: Optional[str]
    gross_before: Optional[Money] = strawberry.field(description="The debts of both hubs the run could set off.")
    cleared: Optional[Money] = strawberry.field(description="What the joint run clears.")
    cleared_alone_here: Optional[Money] = strawberry.field(description="What this hub would clear alone.")
    cleared_alone_there: Optional[Money] = strawberry.field(description="What the peer hub would clear alone.")
    cleared_beyond_alone: Optional[Money] = strawberry.field(description="Cleared only because the hubs clear together.")
    gross_after: Optional[Money]
    can_answer: bool = strawberry.field(description="The viewer may accept or decline it (the peer proposed it).")
    can_run: bool
    created_at: dt.datetime

    @classmethod
    def from_model(cls, run: JointRun, peer: PeerHub) -> "JointRunType":
        planned = run.cleared is not None
        return cls(
            id=to_global_id("JointRun", run.id), uuid=run.uuid, peer_name=peer.name, role=run.role, state=run.state,
            failure=run.failure, gross_before=_money(run.gross_before), cleared=_money(run.cleared),
            cleared_alone_here=_money(run.cleared_alone_here), cleared_alone_there=_money(run.cleared_alone_there),
            cleared_beyond_alone=money(run.cleared - run.cleared_alone_here - run.cleared_alone_there) if planned else None,
            gross_after=money(run.gross_before - run.cleared) if planned else None,
            can_answer=run.role == TransferRole.PARTICIPANT and run.state == JointRunState.PROPOSED,
            can_run=run.role == TransferRole.COORDINATOR and run.state in joint_runs.RUNNABLE,
            created_at=run.created_at,
        )


@strawberry.input
class ProposeJointRunInput:
    peer_id: strawberry.ID


@strawberry.input
class JointRunInput:
    joint_run_id: strawberry.ID


@strawberry.type
class JointRunPayload(Payload):
    joint_run: Optional[JointRunType] = None


def _run_type(session, run_id: int) -> JointRunType:
    run = session.get(JointRun, run_id, populate_existing=True)
    return JointRunType.from_model(run, session.get(PeerHub, run.peer_id))


def _run_pk(global_id: strawberry.ID) -> int:
    return node_pk(global_id, "JointRun", "jointRunId", NO_RUN)


def _refused(session, run_id: int) -> DomainError:
    run = session.get(JointRun, run_id, populate_existing=True)
    message = FAILURES.get(run.failure) or FAILURES[None]
    return DomainError(ErrorCode.INVALID_STATE, message, "jointRunId", hub=session.get(PeerHub, run.peer_id).name)


@strawberry.type
class JointRunsQuery:
    @strawberry.field(description="Joint clearing runs with peer hubs, newest first (treasurer).")
    def joint_runs(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> Connection[JointRunType]:
        require_for_query(info, permissions.is_treasurer, TREASURER_ONLY)
        session = info.context.session

        def wrap(runs):
            hubs = {p.id: p for p in session.scalars(sa.select(PeerHub))}
            return [JointRunType.from_model(run, hubs[run.peer_id]) for run in runs]

        return paginate(session, sa.select(JointRun).order_by(JointRun.id.desc()), first, after, wrap)


@strawberry.type
class JointRunsMutation:
    @strawberry.mutation(description="Propose a joint clearing run to a peer hub; its treasurer accepts it there.")
    @protocol_payload(JointRunPayload, allowed=permissions.is_treasurer)
    def propose_joint_run(self, info: Info, input: ProposeJointRunInput) -> JointRunPayload:
        session = info.context.session
        peer = peers.active_peer(session, peer_pk(input.peer_id))
        viewer_id = info.context.viewer.id
        _release(info)
        run_id = joint_runs.propose(current_app.extensions["db_sessionmaker"], viewer_id, peer.id)
        if session.get(JointRun, run_id, populate_existing=True).state == JointRunState.ABORTED:
            raise DomainError(ErrorCode.PAYMENT_FAILED, NO_ANSWER, "peerId")
        return JointRunPayload(joint_run=_run_type(session, run_id))

    @strawberry.mutation(description="Accept a joint run a peer hub proposed: it may then run it.")
    @protocol_payload(JointRunPayload, allowed=permissions.is_treasurer)
    def accept_joint_run(self, info: Info, input: JointRunInput) -> JointRunPayload:
        return _answer(info, input, accept=True)

    @strawberry.mutation(description="Decline a joint run a peer hub proposed.")
    @protocol_payload(JointRunPayload, allowed=permissions.is_treasurer)
    def decline_joint_run(self, info: Info, input: JointRunInput) -> JointRunPayload:
        return _answer(info, input, accept=False)

    @strawberry.mutation(description="Run an accepted joint run: both hubs post their part of the set-off of "
                                     "their debts together, or neither does.")
    @protocol_payload(JointRunPayload, allowed=permissions.is_treasurer)
    def execute_joint_run(self, info: Info, input: JointRunInput) -> JointRunPayload:
        run_id, viewer_id = _run_pk(input.joint_run_id), info.context.viewer.id
        session = info.context.session
        _release(info)
        state = joint_runs.run(current_app.extensions["db_sessionmaker"], viewer_id, run_id, keys.hub_id())
        if state == JointRunState.ABORTED:
            raise _refused(session, run_id)
        return JointRunPayload(joint_run=_run_type(session, run_id))


def _answer(info: Info, input: JointRunInput, accept: bool) -> JointRunPayload:
    session = info.context.session
    run = joint_peer.answer(session, info.context.viewer, _run_pk(input.joint_run_id), accept)
    _release(info)  # the answer is ours whether or not the coordinator hears it now
    joint_peer.tell_coordinator(current_app.extensions["db_sessionmaker"], run.id)
    return JointRunPayload(joint_run=_run_type(session, run.id))
