"""A peer's mirror account as this hub sees it, and what its payments say it should hold.

The mirror account of a peer is credited by what members here paid the peer's members (OUT)
and debited by what they received (IN), each payment once it committed, so:

    balance == sum(+amount of committed OUT, -amount of committed IN)        (here: consistent)
    the peer's mirror of us, in our units == -(our mirror's balance)         (both hubs agree)

the peer computing the second from its own records' amounts in our units (`remote_amount`),
so that the check is exact at any rate between the two credits."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from models import FINAL_STATES, Account, InterHubState, InterHubTransfer, PeerHub, TransferDirection


def _signed(column):
    return sa.case((InterHubTransfer.direction == TransferDirection.OUT, column), else_=-column)


def mirror_view(session: so.Session, peer: PeerHub) -> dict:
    account = session.get(Account, peer.account_id, populate_existing=True)
    committed, in_their_units = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(_signed(InterHubTransfer.amount)), 0),
            sa.func.coalesce(sa.func.sum(_signed(InterHubTransfer.remote_amount)), 0),
        ).where(InterHubTransfer.peer_id == peer.id, InterHubTransfer.state == InterHubState.COMMITTED)
    ).one()
    in_flight = session.scalar(
        sa.select(sa.func.count()).where(InterHubTransfer.peer_id == peer.id, InterHubTransfer.state.not_in(FINAL_STATES))
    )
    return {
        "balance": account.balance,
        "on_hold": account.on_hold,
        "credit_limit": account.credit_limit,
        "committed": int(committed),
        "consistent": account.balance == int(committed),
        # Our mirror's balance in the peer's units, as our records converted each payment.
        "balance_in_your_units": int(in_their_units),
        "in_flight": in_flight,
    }
