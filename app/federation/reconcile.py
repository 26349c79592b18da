"""Finish or undo what was left between phases, then compare the mirror accounts.

For every payment not final here, ask the other side and drive both to the same end:
- coordinator, decided (COMMITTING, ABORTING): tell the peer again, then finish here;
- coordinator, undecided (PREPARING, older than `min_age`): abort (presumed abort: the peer
  cannot have committed without a decision), tell the peer, finish here;
- participant, PREPARED: the coordinator said COMMITTING or COMMITTED -> commit here;
  ABORTING, ABORTED or never heard of it -> abort here; still undecided -> wait for its
  own reconciliation.
Then each peer's mirror account is compared with the peer's view of it (app.federation.mirror).
"""
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa

from app.federation import client, participant, transfers
from app.federation.mirror import mirror_view
from app.federation.transfers import SessionFactory
from models import FINAL_STATES, InterHubState, InterHubTransfer, PeerHub, TransferRole, utcnow

log = logging.getLogger("alveole.federation")

COMMIT_SIDE = ("COMMITTING", "COMMITTED")
ABORT_SIDE = ("ABORTING", "ABORTED", "UNKNOWN")


@dataclass
class PeerReport:
    hub_id: str
    name: str
    finished: int = 0
    left: int = 0  # still in flight: the peer did not answer, or is undecided
    our_balance: int = 0
    their_balance: Optional[int] = None  # in their units; None: the peer did not answer
    their_balance_in_our_units: Optional[int] = None
    agree: Optional[bool] = None
    notes: list[str] = field(default_factory=list)


def _as_participant(new_session: SessionFactory, peer: PeerHub, record: InterHubTransfer) -> bool:
    said = transfers.send(peer, "GET", f"transfers/{record.uuid}")
    if said is None or said.get("state") not in COMMIT_SIDE + ABORT_SIDE:
        return False
    with new_session() as session:
        status, _ = participant.decide(session, peer, record.uuid, commit=said["state"] in COMMIT_SIDE)
        session.commit()
    return status == 200


def _as_coordinator(new_session: SessionFactory, record: InterHubTransfer, min_age: dt.timedelta) -> bool:
    if record.state == InterHubState.PREPARING:
        if record.created_at > utcnow() - min_age:
            return False  # perhaps a member's payment still on its way: not ours to abort yet
        transfers.decide(new_session, record.id, commit=False, failure="RECONCILED")
    return transfers.push(new_session, record.id) in FINAL_STATES


def _compare(new_session: SessionFactory, peer: PeerHub, report: PeerReport) -> None:
    with new_session() as session:
        ours = mirror_view(session, session.get(PeerHub, peer.id))
    report.our_balance = ours["balance"]
    if not ours["consistent"]:
        report.notes.append(f"our mirror holds {ours['balance']} but our committed payments say {ours['committed']}")
    try:
        theirs = client.call(peer, "GET", "mirror")
    except (client.PeerUnreachable, client.PeerRefused) as exc:
        report.notes.append(f"no answer from the peer: {exc}")
        return
    report.their_balance = theirs.get("balance")
    report.their_balance_in_our_units = theirs.get("balance_in_your_units")
    report.agree = bool(theirs.get("consistent")) and ours["balance"] == -(report.their_balance_in_our_units or 0)
    if not report.agree:
        report.notes.append(f"mirrors differ: ours {ours['balance']}, theirs {theirs}")


def reconcile(
    new_session: SessionFactory, hub_id: Optional[str] = None, min_age: dt.timedelta = dt.timedelta(minutes=2)
) -> list[PeerReport]:
    with new_session() as session:
        query = sa.select(PeerHub).order_by(PeerHub.hub_id)
        peers = list(session.scalars(query.where(PeerHub.hub_id == hub_id) if hub_id else query))
        pending = list(session.scalars(
            sa.select(InterHubTransfer).where(InterHubTransfer.state.not_in(FINAL_STATES)).order_by(InterHubTransfer.id)
        ))
        session.expunge_all()
    reports = []
    for peer in peers:
        report = PeerReport(peer.hub_id, peer.name)
        for record in (r for r in pending if r.peer_id == peer.id):
            if record.role == TransferRole.PARTICIPANT:
                done = _as_participant(new_session, peer, record)
            else:
                done = _as_coordinator(new_session, record, min_age)
            report.finished += done
            report.left += not done
        _compare(new_session, peer, report)
        log.info("reconciled with %s: %s finished, %s left, mirrors agree: %s", peer.hub_id, report.finished,
                 report.left, report.agree)
        reports.append(report)
    return reports
