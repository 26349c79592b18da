"""Settlement in credit, as a property: on any web of accepted invoices, limits and caps, a run
proposed on unchanged balances posts; no account goes below its limit or above its cap at any
step of the posting; the ledger still sums to zero; each invoice is settled by what was planned.
And a run whose balances changed is refused, naming the accounts that block it."""
import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import DomainError, ErrorCode
from app.ledger.services import checks, posting
from app.treasury import runs
from models import (
    Account,
    AccountKind,
    ClearingLine,
    ClearingMethod,
    HubSettings,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    Member,
    Organization,
    OrganizationKind,
    Posting,
    Role,
    Transfer,
)
from tests.conftest import empty_all_tables

FIRMS = 5
webs = st.fixed_dictionaries({
    "limits": st.lists(st.sampled_from([0, 5_000, 20_000, 100_000]), min_size=FIRMS, max_size=FIRMS),
    "caps": st.lists(st.one_of(st.none(), st.sampled_from([10_000, 40_000])), min_size=FIRMS, max_size=FIRMS),
    "fee_bps": st.sampled_from([0, 100]),
    "debts": st.lists(
        st.tuples(st.integers(0, FIRMS - 1), st.integers(0, FIRMS - 1), st.integers(1, 60_000), st.integers(0, 20))
        .filter(lambda d: d[0] != d[1]),
        max_size=14,
    ),
})


def _arrange(session, web) -> tuple[Member, list[int]]:
    treasurer = Member(email="t@example.test", name="T", password_hash="-", role=Role.TREASURER)
    session.add(treasurer)
    session.add(HubSettings(id=1, transfer_fee_bps=web["fee_bps"], transfer_fee_min=0, warning_level_percent=80))
    ids = []
    for i in range(FIRMS):
        organization = Organization(name=f"Firm {i}", kind=OrganizationKind.FIRM)
        session.add(organization)
        session.flush()
        account = Account(
            kind=AccountKind.ORGANIZATION, name=organization.name, organization_id=organization.id,
            credit_limit=web["limits"][i], balance_cap=web["caps"][i],
        )
        session.add(account)
        session.flush()
        ids.append(account.id)
    today = dt.date(2026, 11, 30)
    for debtor, creditor, amount, days in web["debts"]:
        session.add(Invoice(
            creditor_account_id=ids[creditor], debtor_account_id=ids[debtor], amount=amount, outstanding=amount,
            status=InvoiceStatus.ACCEPTED, due_date=today + dt.timedelta(days=days),
        ))
    session.flush()
    return treasurer, ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(web=webs)
def test_a_settlement_proposed_on_unchanged_balances_always_posts(app, engine, web):
    empty_all_tables(engine)
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        treasurer, ids = _arrange(session, web)
        run = runs.propose_clearing(session, treasurer, ClearingMethod.CREDIT_TRANSFERS)
        plan = dict(session.execute(sa.select(ClearingLine.invoice_id, ClearingLine.amount).where(ClearingLine.run_id == run.id)).all())
        runs.post_clearing(session, treasurer, run.id)  # never STALE on an unchanged database
        session.commit()

        assert checks.invariant_violations(session) == []
        paid = dict(session.execute(
            sa.select(InvoicePayment.invoice_id, sa.func.sum(InvoicePayment.amount)).group_by(InvoicePayment.invoice_id)
        ).all())
        assert paid == plan and sum(plan.values()) == run.cleared
        limits = {a.id: (a.credit_limit, a.balance_cap) for a in session.scalars(sa.select(Account).where(Account.id.in_(ids)))}
        for account_id, balance_after in session.execute(sa.select(Posting.account_id, Posting.balance_after)):
            if account_id in limits:  # every step, not only the end
                limit, cap = limits[account_id]
                assert balance_after >= -limit and (cap is None or balance_after <= cap)
        assert session.scalar(sa.select(sa.func.sum(Account.balance))) == 0


def test_the_demo_hubs_settlement_run_posts(app, db):
    from app.demo import seed_demo

    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        seed_demo(session, app.extensions["passwords"])
        treasurer = session.scalar(sa.select(Member).where(Member.role == Role.TREASURER))
        runs.post_clearing(session, treasurer, runs.propose_clearing(session, treasurer).id)
        run = runs.propose_clearing(session, treasurer, ClearingMethod.CREDIT_TRANSFERS)
        assert run.cleared > 0
        runs.post_clearing(session, treasurer, run.id)
        session.commit()
        assert checks.invariant_violations(session) == []


def test_a_settlement_whose_balances_changed_names_the_accounts_that_block_it(app, engine):
    with app.app_context(), app.extensions["db_sessionmaker"]() as session:
        web = {"limits": [50_000, 0, 0, 0, 0], "caps": [None] * FIRMS, "fee_bps": 0,
               "debts": [(0, 1, 40_000, 0), (1, 2, 30_000, 1)]}
        treasurer, ids = _arrange(session, web)
        run = runs.propose_clearing(session, treasurer, ClearingMethod.CREDIT_TRANSFERS)
        assert run.cleared == 70_000  # Firm 1 pays Firm 2 with what Firm 0 paid it first
        session.commit()
        spender = session.get(Account, ids[0])
        posting.transfer(session, treasurer, from_account=spender, to_account_id=ids[3], amount=45_000, check_permission=False)
        session.commit()
        with pytest.raises(DomainError) as refused:
            runs.post_clearing(session, treasurer, run.id)
        session.rollback()
        assert refused.value.code == ErrorCode.STALE
        assert refused.value.params["names"] == "Firm 0, Firm 1"
        assert session.scalar(sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind == "INVOICE")) == 0
