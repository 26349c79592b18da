"""Joint clearing runs between this hub and a peer: the two treasurers agree, then this hub
(the coordinator) collects the peer's debts, solves the set-off of the union
(app.federation.joint) and both hubs post their part, or neither does.

1. `propose` (our treasurer) records PROPOSED here and tells the peer; the peer's treasurer
   `accept`s there (ACCEPTED) or declines (ABORTED).
2. `run` (our treasurer): ask the peer for its debts (it answers only once ACCEPTED); hold our
   part of the plan (`invoices.joint_run_id`: nothing else changes those invoices) and record
   PREPARING, committed; ask the peer to `prepare` its part: it checks that its lines are its
   invoices, with the outstanding the plan assumed, forming a circulation (no net position
   moves), holds them and answers PREPARED, or refuses.
3. Record the decision (COMMITTING or ABORTING) before telling the peer; tell it; once it
   acknowledged, post our part as a clearing run of this hub (or release it).
Every message names the run by its uuid and is idempotent; `reconcile` finishes a run left
between phases the same way as a payment (app.federation.reconcile)."""
import logging
import uuid as uuidlib
from collections import defaultdict
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import N_, DomainError, ErrorCode
from app.federation.invoice_links import paying_in_flight
from app.federation.joint import JointDebt, plan_joint_clearing
from app.federation.peers import active_peer
from app.federation.transfers import SessionFactory, send
from app.permissions import is_treasurer
from app.treasury.runs import open_debts, post_clearing, record_run
from models import (
    JOINT_FINAL_STATES,
    Invoice,
    InvoiceSide,
    InvoiceStatus,
    JointRun,
    JointRunLine,
    JointRunState,
    Member,
    PeerHub,
    PeerInvoice,
    TransferRole,
)

log = logging.getLogger("alveole.federation")

NOT_TREASURER = N_("Only the treasurer can run a clearing between hubs.")
NOT_ACCEPTED = N_("The other hub's treasurer has not accepted this joint run (yet).")
State = JointRunState
# The coordinator's run before it runs: the peer's answer (ACCEPTED) may not have reached it.
RUNNABLE = (State.PROPOSED, State.ACCEPTED)


def require_treasurer(actor: Member) -> None:
    if not is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, NOT_TREASURER)


def find(session: so.Session, peer: PeerHub, uuid: str, lock: bool = False) -> Optional[JointRun]:
    query = sa.select(JointRun).where(JointRun.peer_id == peer.id, JointRun.uuid == uuid)
    return session.scalar(query.with_for_update() if lock else query)


def get(session: so.Session, run_id: int, role: TransferRole) -> JointRun:
    run = session.get(JointRun, run_id, with_for_update=True, populate_existing=True)
    if run is None or run.role != role:
        raise DomainError(ErrorCode.NOT_FOUND, "This joint run does not exist.", "jointRunId")
    return run


def status(run: Optional[JointRun], uuid: str) -> dict:
    if run is None:
        return {"uuid": uuid, "state": "UNKNOWN"}
    return {"uuid": uuid, "state": run.state.value, "failure": run.failure, "gross_before": run.gross_before,
            "cleared": run.cleared}


# --- Our debts, as the joint plan sees them ---------------------------------------------------


def our_debts(session: so.Session, peer: PeerHub) -> dict:
    """Our accepted internal debts, and our side of the cross-hub invoices with `peer`."""
    internal = [[d.invoice_id, d.debtor, d.creditor, d.amount] for d in open_debts(session)]
    rows = session.execute(
        sa.select(PeerInvoice.uuid, PeerInvoice.side, PeerInvoice.remote_account_ref, Invoice.id,
                  Invoice.debtor_account_id, Invoice.creditor_account_id, Invoice.outstanding)
        .join(Invoice, Invoice.id == PeerInvoice.invoice_id)
        .where(PeerInvoice.peer_id == peer.id, Invoice.status == InvoiceStatus.ACCEPTED, Invoice.outstanding > 0,
               Invoice.joint_run_id.is_(None), Invoice.id.not_in(paying_in_flight()))
    ).all()
    cross = [
        {"uuid": r.uuid, "invoice": r.id, "amount": r.outstanding, "side": r.side.value,
         "account": r.debtor_account_id if r.side == InvoiceSide.DEBTOR else r.creditor_account_id,
         "remote_account": r.remote_account_ref}
        for r in rows
    ]
    return {"internal": internal, "cross": cross}


def joint_debts(here: str, ours: dict, there: str, theirs: dict) -> list[JointDebt]:
    """Both hubs' debts as one list; a cross-hub invoice counts once, and only when both sides
    agree on what is outstanding (else one of them is moving: left for the next run)."""
    debts = [JointDebt((hub, d), (hub, c), a, ((hub, i),)) for hub, side in ((here, ours), (there, theirs))
             for i, d, c, a in side["internal"]]
    their_cross = {c["uuid"]: c for c in theirs["cross"]}
    for c in ours["cross"]:
        other = their_cross.get(c["uuid"])
        if other is None or other["amount"] != c["amount"] or other["side"] == c["side"]:
            continue
        local, remote = (here, c["account"]), (there, other["account"])
        debtor, creditor = (local, remote) if c["side"] == InvoiceSide.DEBTOR.value else (remote, local)
        debts.append(JointDebt(debtor, creditor, c["amount"], ((here, c["invoice"]), (there, other["invoice"]))))
    return debts


# --- Holding and posting a part -------------------------------------------------------------


def hold_part(session: so.Session, run: JointRun, peer: PeerHub, lines: dict[int, tuple[int, int]]) -> None:
    """Check and hold this hub's part (`lines`: invoice id -> (outstanding before, cleared)):
    each one our accepted invoice, internal or with `peer`, still owing what the plan assumed,
    the whole a circulation of our ledger. A refusal holds nothing."""
    rows = session.execute(
        sa.select(Invoice.id, Invoice.debtor_account_id, Invoice.creditor_account_id, Invoice.outstanding,
                  Invoice.status, Invoice.joint_run_id, PeerInvoice.peer_id)
        .outerjoin(PeerInvoice, PeerInvoice.invoice_id == Invoice.id)
        .where(Invoice.id.in_(list(lines)))
    ).all()
    net: dict[int, int] = defaultdict(int)
    for r in rows:
        before, amount = lines[r.id]
        if (r.status != InvoiceStatus.ACCEPTED or r.outstanding != before or r.joint_run_id is not None
                or r.peer_id not in (None, peer.id) or not 0 < amount <= before):
            raise DomainError(ErrorCode.STALE, "Invoices changed since this joint run was planned.", "lines")
        net[r.debtor_account_id] -= amount
        net[r.creditor_account_id] += amount
    if len(rows) != len(lines) or any(net.values()):
        raise DomainError(ErrorCode.INVALID, "These lines are not a set-off of this hub's invoices.", "lines")
    for invoice_id, (before, amount) in sorted(lines.items()):
        held = session.execute(
            sa.update(Invoice).where(Invoice.id == invoice_id, Invoice.outstanding == before,
                                     Invoice.joint_run_id.is_(None), Invoice.id.not_in(paying_in_flight()))
            .values(joint_run_id=run.id).execution_options(synchronize_session=False)
        )
        if held.rowcount != 1:  # a payment slipped in since the check, or is on its way
            raise DomainError(ErrorCode.STALE, "Invoices changed since this joint run was planned.", "lines")
        session.add(JointRunLine(joint_run_id=run.id, invoice_id=invoice_id, outstanding_before=before, amount=amount))
    session.flush()


def _release(session: so.Session, run: JointRun) -> None:
    session.execute(sa.update(Invoice).where(Invoice.joint_run_id == run.id).values(joint_run_id=None)
                    .execution_options(synchronize_session=False))


def post_part(session: so.Session, run: JointRun) -> None:
    """Release our held invoices and post our part as a clearing run of this hub, in one
    transaction (the caller's). Idempotent: a finished run is left as it is."""
    if run.state in JOINT_FINAL_STATES:
        return
    _release(session, run)
    lines = session.execute(
        sa.select(JointRunLine.invoice_id, Invoice.debtor_account_id, Invoice.creditor_account_id,
                  JointRunLine.outstanding_before, JointRunLine.amount)
        .join(Invoice, Invoice.id == JointRunLine.invoice_id).where(JointRunLine.joint_run_id == run.id)
        .order_by(JointRunLine.invoice_id)
    ).all()
    if lines:
        treasurer = session.get(Member, run.proposed_by_id if run.role == TransferRole.COORDINATOR else run.accepted_by_id)
        debts = [(i, d, c, before) for i, d, c, before, _ in lines]
        local = record_run(session, treasurer, debts, debts, {line.invoice_id: line.amount for line in lines})
        post_clearing(session, treasurer, local.id)
        run.clearing_run_id = local.id
    run.state = State.COMMITTED
    session.flush()


def abort_part(session: so.Session, run: JointRun, failure: Optional[str] = None) -> None:
    if run.state in JOINT_FINAL_STATES:
        return
    _release(session, run)
    run.state, run.failure = State.ABORTED, run.failure or failure
    session.flush()


# --- The coordinator (this hub's treasurer) ---------------------------------------------------


def propose(new_session: SessionFactory, actor_id: int, peer_id: int) -> int:
    """Our treasurer proposes a joint run to a peer; its treasurer accepts it there."""
    with new_session() as session:
        actor = session.get(Member, actor_id)
        require_treasurer(actor)
        peer = active_peer(session, peer_id)
        run = JointRun(uuid=str(uuidlib.uuid4()), peer_id=peer.id, role=TransferRole.COORDINATOR,
                       state=State.PROPOSED, proposed_by_id=actor.id)
        session.add(run)
        session.commit()
        run_id, message = run.id, {"uuid": run.uuid}
        session.expunge(peer)
    said = send(peer, "POST", "joint-runs/propose", message)
    if said is None or said.get("state") == "REFUSED":
        with new_session() as session:
            abort_part(session, get(session, run_id, TransferRole.COORDINATOR), "UNREACHABLE" if said is None else "REFUSED")
            session.commit()
    return run_id


def prepare_here(new_session: SessionFactory, actor_id: int, run_id: int, here: str) -> Optional[dict]:
    """Collect both sides' debts, plan, hold our part (PREPARING, committed); returns the
    message asking the peer to prepare its part, or None if the peer has not accepted."""
    with new_session() as session:
        require_treasurer(session.get(Member, actor_id))
        run = get(session, run_id, TransferRole.COORDINATOR)
        if run.state not in RUNNABLE:
            raise DomainError(ErrorCode.INVALID_STATE, "This joint run has already run.", "jointRunId")
        peer = session.get(PeerHub, run.peer_id)
        uuid = run.uuid
        session.expunge(peer)
    theirs = send(peer, "GET", f"joint-runs/{uuid}/debts")
    if theirs is None or theirs.get("state") == "REFUSED":
        raise DomainError(ErrorCode.INVALID_STATE, NOT_ACCEPTED, "jointRunId")
    with new_session() as session:
        run = get(session, run_id, TransferRole.COORDINATOR)
        if run.state not in RUNNABLE:
            raise DomainError(ErrorCode.INVALID_STATE, "This joint run has already run.", "jointRunId")
        debts = joint_debts(here, our_debts(session, peer), peer.hub_id, theirs)
        plan = plan_joint_clearing(debts)
        outstanding = {ref: d.amount for d in debts for ref in d.invoices}
        part = {i: (outstanding[(here, i)], a) for i, a in plan.parts.get(here, {}).items()}
        hold_part(session, run, peer, part)
        run.gross_before, run.cleared = plan.gross_before, plan.gross_cleared
        run.cleared_alone_here, run.cleared_alone_there = plan.alone.get(here, 0), plan.alone.get(peer.hub_id, 0)
        run.state = State.PREPARING
        session.commit()
        return {
            "uuid": uuid, "gross_before": plan.gross_before, "cleared": plan.gross_cleared,
            "alone_coordinator": run.cleared_alone_here, "alone_participant": run.cleared_alone_there,
            "lines": [[i, outstanding[(peer.hub_id, i)], a] for i, a in sorted(plan.parts.get(peer.hub_id, {}).items())],
        }


def decide(new_session: SessionFactory, run_id: int, commit: bool, failure: Optional[str] = None) -> State:
    with new_session() as session:
        run = get(session, run_id, TransferRole.COORDINATOR)
        if run.state == State.PREPARING:
            run.state, run.failure = (State.COMMITTING, None) if commit else (State.ABORTING, failure)
            session.commit()
        return run.state


def push(new_session: SessionFactory, run_id: int) -> State:
    """Tell the peer our decision; once it acknowledged, post (or release) our part."""
    with new_session() as session:
        run = session.get(JointRun, run_id)
        peer = session.get(PeerHub, run.peer_id)
        state, uuid = run.state, run.uuid
        session.expunge_all()
    if state not in (State.COMMITTING, State.ABORTING):
        return state
    commit = state == State.COMMITTING
    said = send(peer, "POST", "joint-runs/commit" if commit else "joint-runs/abort", {"uuid": uuid})
    if said is None or said.get("state") not in (("COMMITTED",) if commit else ("ABORTED", "UNKNOWN", "PROPOSED")):
        if said is not None:
            log.error("peer %s answered %s to the decision on joint run %s", peer.hub_id, said, uuid)
        return state
    with new_session() as session:
        run = get(session, run_id, TransferRole.COORDINATOR)
        (post_part if commit else abort_part)(session, run)
        session.commit()
        return run.state


def run(new_session: SessionFactory, actor_id: int, run_id: int, here: str) -> State:
    """Phases one and two of an accepted joint run (see the module's docstring)."""
    message = prepare_here(new_session, actor_id, run_id, here)
    said = send_prepare(new_session, run_id, message)
    prepared = said is not None and said.get("state") == "PREPARED"
    decide(new_session, run_id, prepared, None if prepared else (said or {}).get("failure") or "UNREACHABLE")
    return push(new_session, run_id)


def send_prepare(new_session: SessionFactory, run_id: int, message: dict) -> Optional[dict]:
    with new_session() as session:
        peer = session.get(PeerHub, session.get(JointRun, run_id).peer_id)
        session.expunge(peer)
    return send(peer, "POST", "joint-runs/prepare", message)
