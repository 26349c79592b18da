"""A hypothesis state machine drives random transfers, holds, captures, releases, reversals and
limit changes through the service layer, against a plain-Python model of the ledger. After every
step the invariants hold, every balance matches the model, and a refused operation changed
nothing."""
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from app.errors import DomainError
from app.ledger.services import accounts, checks, holds, policy, posting, reversals
from models import Account, CreditLimitChange, Hold, HubSettings, Member, Posting, Role, Transfer, TransferKind
from tests.ledger.ledger_helpers import snapshot

N = 4
FEE_BPS, FEE_MIN = 100, 5  # 1 %, at least 0.05: every payment also moves a fee


class LedgerMachine(RuleBasedStateMachine):
    """The ledger against its model; the test sets `app` and the members' emails."""

    app = None
    emails: list[str] = []
    treasurer_email = ""

    def __init__(self):
        super().__init__()
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.db = db = self.app.extensions["db_sessionmaker"]()
        for table in (Posting, Hold, CreditLimitChange):
            db.execute(sa.delete(table))
        db.execute(sa.update(Transfer).values(reverses_id=None))
        db.execute(sa.delete(Transfer))
        db.execute(sa.update(Account).values(balance=0, on_hold=0, credit_limit=10_000))
        db.execute(sa.delete(HubSettings))
        db.add(HubSettings(id=1, transfer_fee_bps=FEE_BPS, transfer_fee_min=FEE_MIN, warning_level_percent=80))
        self.commons = accounts.system_account(db, "COMMONS")
        db.execute(sa.update(Account).where(Account.id == self.commons.id).values(credit_limit=0))
        db.commit()
        self.members = [db.scalar(sa.select(Member).where(Member.email == e)) for e in self.emails]
        self.accounts = [accounts.paying_account(db, m) for m in self.members]
        self.treasurer = db.scalar(sa.select(Member).where(Member.email == self.treasurer_email))
        ids = [a.id for a in self.accounts] + [self.commons.id]
        self.balance = {i: 0 for i in ids}
        self.on_hold = {i: 0 for i in ids}
        self.limit = {i: 10_000 for i in ids}
        self.limit[self.commons.id] = 0
        self.holds = []  # [hold id, account id, amount, active]
        self.transfers = []  # [transfer id, {account id: amount}, reversible]

    def teardown(self):
        self.db.close()
        self.ctx.pop()

    def available(self, account_id):
        return self.balance[account_id] + self.limit[account_id] - self.on_hold[account_id]

    def attempt(self, operation, allowed):
        """Run `operation`; it must succeed exactly when the model allows it, and a refusal
        must leave the database exactly as it was."""
        before = snapshot(self.db)
        try:
            result = operation()
        except DomainError as exc:
            self.db.commit()  # commits nothing: the operation's savepoint was rolled back
            assert not allowed, f"refused but the model allows it: {exc.code} {exc.message}"
            assert snapshot(self.db) == before
            return None
        self.db.commit()
        assert allowed, "accepted but the model refuses it"
        return result

    @rule(payer=st.integers(0, N - 1), payee=st.integers(0, N), amount=st.integers(1, 12_000))
    def pay(self, payer, payee, amount):
        source = self.accounts[payer]
        target = self.commons.id if payee == N else self.accounts[payee].id
        if target == source.id:
            return
        fee = 0 if target == self.commons.id else max((amount * FEE_BPS + 5000) // 10000, FEE_MIN)
        allowed = self.available(source.id) - amount - fee >= 0
        # A member pays members: the hub's commons is paid by its rules (a fee), never directly.
        kind = TransferKind.FEE if target == self.commons.id else TransferKind.PAYMENT
        if target == self.commons.id:
            self.attempt(lambda: posting.transfer(self.db, self.members[payer], from_account=source,
                                                  to_account_id=target, amount=amount), False)
        entry = self.attempt(
            lambda: posting.transfer(self.db, self.members[payer], from_account=source, to_account_id=target,
                                     amount=amount, kind=kind),
            allowed,
        )
        if entry is not None:
            legs = {source.id: -(amount + fee), target: amount}
            if fee:
                legs[self.commons.id] = legs.get(self.commons.id, 0) + fee
            self.apply(legs)
            self.transfers.append([entry.id, legs, True])

    def apply(self, legs):
        for account_id, amount in legs.items():
            self.balance[account_id] += amount

    @rule(who=st.integers(0, N - 1), amount=st.integers(1, 12_000))
    def hold(self, who, amount):
        account = self.accounts[who]
        allowed = self.available(account.id) - amount >= 0
        hold = self.attempt(lambda: holds.place_hold(self.db, self.members[who], account, amount), allowed)
        if hold is not None:
            self.on_hold[account.id] += amount
            self.holds.append([hold.id, account.id, amount, True])

    @precondition(lambda self: self.holds)
    @rule(data=st.data(), payee=st.integers(0, N - 1), share=st.integers(1, 100))
    def capture(self, data, payee, share):
        index = data.draw(st.integers(0, len(self.holds) - 1))
        hold_id, account_id, held, active = self.holds[index]
        target = self.accounts[payee].id
        amount = max(1, held * share // 100)
        fee = max((amount * FEE_BPS + 5000) // 10000, FEE_MIN)
        allowed = active and target != account_id and (
            amount + fee <= held or self.available(account_id) + held - amount - fee >= 0
        )
        actor = self.members[[a.id for a in self.accounts].index(account_id)]
        entry = self.attempt(
            lambda: holds.capture_hold(self.db, actor, hold_id, to_account_id=target, amount=amount), allowed
        )
        if entry is not None:
            self.on_hold[account_id] -= held
            legs = {account_id: -(amount + fee), target: amount, self.commons.id: fee}
            self.apply(legs)
            self.holds[index][3] = False
            self.transfers.append([entry.id, legs, True])

    @precondition(lambda self: self.holds)
    @rule(data=st.data())
    def release(self, data):
        index = data.draw(st.integers(0, len(self.holds) - 1))
        hold_id, account_id, held, active = self.holds[index]
        if self.attempt(lambda: holds.release_hold(self.db, hold_id), active) is not None:
            self.on_hold[account_id] -= held
            self.holds[index][3] = False

    @precondition(lambda self: self.transfers)
    @rule(data=st.data())
    def reverse(self, data):
        index = data.draw(st.integers(0, len(self.transfers) - 1))
        transfer_id, legs, reversible = self.transfers[index]
        undo = {account_id: -amount for account_id, amount in legs.items()}
        allowed = reversible and all(
            self.available(account_id) + amount >= 0 for account_id, amount in undo.items() if amount < 0
        )
        entry = self.attempt(lambda: reversals.reverse_transfer(self.db, self.treasurer, transfer_id), allowed)
        if entry is not None:
            self.apply(undo)
            self.transfers[index][2] = False
            self.transfers.append([entry.id, undo, False])  # a reversal is not reversible

    @rule(who=st.integers(0, N - 1), limit=st.integers(-1, 20_000))
    def set_limit(self, who, limit):
        account = self.accounts[who]
        if self.attempt(lambda: policy.set_credit_limit(self.db, self.treasurer, account.id, limit, "test"), limit >= 0):
            self.limit[account.id] = limit

    @invariant()
    def ledger_matches_the_model(self):
        self.db.expire_all()
        assert checks.invariant_violations(self.db) == []
        rows = self.db.execute(sa.select(Account.id, Account.balance, Account.on_hold, Account.credit_limit)).all()
        for account_id, balance, on_hold, limit in rows:
            if account_id in self.balance:
                assert (balance, on_hold, limit) == (self.balance[account_id], self.on_hold[account_id], self.limit[account_id])
        self.db.commit()


def test_random_operations_keep_the_ledger_consistent(app, make_member):
    emails = [make_member(organization=f"Org {i}", credit_limit=10_000) for i in range(N)]
    treasurer_email = make_member(role=Role.TREASURER)

    machine = type("Ledger", (LedgerMachine,), {"app": app, "emails": emails, "treasurer_email": treasurer_email})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=20, stateful_step_count=30, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
