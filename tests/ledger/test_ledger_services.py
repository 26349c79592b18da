"""The ledger's rules through the service layer, on SQLite and PostgreSQL."""
import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from app.errors import Credits, DomainError
from app.ledger.services import accounts, checks, holds, policy, posting, reversals, statements
from models import Account, CreditLimitChange, HoldStatus, HubSettings, Posting, Role, Transfer, TransferKind
from tests.ledger.ledger_helpers import account_state, member_and_account, snapshot


@pytest.fixture
def pair(db, make_member):
    """Two organisations with a 100.00 limit each, and the treasurer."""
    # Every member first: on SQLite an open transaction of `db` holds the write lock.
    emails = [
        make_member(name="Alice", organization="Scierie A", credit_limit=10_000),
        make_member(name="Bob", organization="Charpente B", credit_limit=10_000),
        make_member(name="Tré", role=Role.TREASURER),
        make_member(name="Carol", organization="Couvreur C", credit_limit=10_000),
    ]
    alice, a = member_and_account(db, emails[0])
    bob, b = member_and_account(db, emails[1])
    treasurer, _ = member_and_account(db, emails[2])
    accounts.ensure_system_accounts(db)
    db.commit()
    return alice, a, bob, b, treasurer


def test_transfer_moves_balances_and_writes_balanced_postings(db, pair):
    alice, a, bob, b, _ = pair
    entry = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=2_550, memo="  sciage  ")
    db.commit()
    assert entry.memo == "sciage" and entry.kind == TransferKind.PAYMENT and entry.initiator_id == alice.id
    assert account_state(db, a.id)[0] == -2_550 and account_state(db, b.id)[0] == 2_550
    postings = db.scalars(sa.select(Posting).where(Posting.transfer_id == entry.id).order_by(Posting.account_id)).all()
    assert sorted((p.account_id, p.amount, p.balance_after) for p in postings) == sorted(
        [(a.id, -2_550, -2_550), (b.id, 2_550, 2_550)]
    )
    assert checks.invariant_violations(db) == []


def test_credit_limit_is_the_floor(db, pair):
    alice, a, bob, b, _ = pair
    posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=10_000)
    db.commit()
    before = snapshot(db)
    with pytest.raises(DomainError) as refused:
        posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=1)
    assert refused.value.code.value == "CREDIT_LIMIT_EXCEEDED"
    assert refused.value.params == {"available": Credits(0)}
    db.commit()  # a caller that carries on commits nothing of the refused entry
    assert snapshot(db) == before


def test_balance_cap_refuses_and_undoes_the_debit_already_applied(db, pair):
    alice, a, bob, b, _ = pair
    db.execute(sa.update(Account).where(Account.id == b.id).values(balance_cap=1_000))
    db.commit()
    before = snapshot(db)
    with pytest.raises(DomainError) as refused:
        # a.id < b.id: the payer's debit is applied first, then the cap refuses the credit.
        posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=1_001)
    assert refused.value.code.value == "BALANCE_CAP_EXCEEDED"
    db.commit()
    assert snapshot(db) == before
    assert checks.invariant_violations(db) == []


@pytest.mark.parametrize("amount", [0, -100, 10**15, 10**19])
def test_bad_amounts_are_refused_and_nothing_is_written(db, pair, amount):
    alice, a, bob, b, _ = pair
    before = snapshot(db)
    with pytest.raises(DomainError) as refused:
        posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=amount)
    assert refused.value.code.value == "INVALID" and refused.value.field == ["amount"]
    db.commit()
    assert snapshot(db) == before


def test_to_oneself_closed_or_unknown_account(db, pair):
    alice, a, bob, b, treasurer = pair
    before = snapshot(db)
    cases = [(a.id, "INVALID"), (10**9, "NOT_FOUND")]
    for to_id, code in cases:
        with pytest.raises(DomainError) as refused:
            posting.transfer(db, alice, from_account=a, to_account_id=to_id, amount=100)
        assert (refused.value.code.value, refused.value.field) == (code, ["toAccountId"])
    assert snapshot(db) == before
    accounts.close_account(db, treasurer, b.id)
    db.commit()
    before = snapshot(db)
    with pytest.raises(DomainError) as refused:
        posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=100)
    assert refused.value.code.value == "INVALID_STATE"
    db.commit()
    assert snapshot(db) == before


def test_only_an_empty_account_can_be_closed(db, pair):
    alice, a, bob, b, treasurer = pair
    posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=100)
    with pytest.raises(DomainError) as refused:
        accounts.close_account(db, treasurer, b.id)
    assert refused.value.code.value == "INVALID_STATE"
    with pytest.raises(DomainError):
        accounts.close_account(db, alice, b.id)


def test_memo_too_long_is_refused(db, pair):
    alice, a, bob, b, _ = pair
    with pytest.raises(DomainError) as refused:
        posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=100, memo="x" * 501)
    assert refused.value.field == ["memo"]


def test_a_member_cannot_pay_from_someone_elses_account(db, pair):
    alice, a, bob, b, _ = pair
    with pytest.raises(DomainError) as refused:
        posting.transfer(db, bob, from_account=a, to_account_id=b.id, amount=100)
    assert refused.value.code.value == "FORBIDDEN"


def test_same_key_pays_once_and_another_request_with_it_is_refused(db, pair):
    alice, a, bob, b, _ = pair
    first = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=500, idempotency_key="k1")
    db.commit()
    before = snapshot(db)
    again = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=500, idempotency_key="k1")
    assert again.id == first.id
    # The retry's balance updates went with its entry and were undone: paid, and told, once.
    db.commit()
    assert snapshot(db) == before
    assert account_state(db, a.id)[0] == -500
    with pytest.raises(DomainError) as refused:
        posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=600, idempotency_key="k1")
    assert refused.value.field == ["idempotencyKey"]
    # The key is per member: Bob may use the same one.
    posting.transfer(db, bob, from_account=b, to_account_id=a.id, amount=100, idempotency_key="k1")
    db.commit()
    assert db.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 2


def test_fee_goes_to_the_commons_in_the_same_entry(db, pair):
    alice, a, bob, b, _ = pair
    db.add(HubSettings(id=1, transfer_fee_bps=150, transfer_fee_min=20, warning_level_percent=80))
    db.flush()
    big = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=5_000)
    small = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=100)
    db.commit()
    commons = accounts.system_account(db, "COMMONS")
    assert (big.fee, small.fee) == (75, 20)  # 1.5 % of 50.00, and the minimum
    assert account_state(db, a.id)[0] == -(5_000 + 75 + 100 + 20)
    assert account_state(db, commons.id)[0] == 95
    assert len(db.scalars(sa.select(Posting).where(Posting.transfer_id == big.id)).all()) == 3
    # The fee counts against the limit: 100.00 - 51.95 leaves 48.05 available, 47.34 + fee 0.71 fits,
    assert account_state(db, a.id)[0] + 10_000 == 4_805
    posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=4_734)
    with pytest.raises(DomainError):
        posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=1)
    assert checks.invariant_violations(db) == []


def test_holds_reserve_credit_then_capture_for_less_or_release(db, pair):
    alice, a, bob, b, _ = pair
    hold = holds.place_hold(db, alice, a, 6_000, memo="scie mobile")
    assert account_state(db, a.id)[:2] == (0, 6_000)
    with pytest.raises(DomainError) as refused:
        holds.place_hold(db, alice, a, 4_001)
    assert refused.value.code.value == "CREDIT_LIMIT_EXCEEDED"
    entry = holds.capture_hold(db, alice, hold.id, to_account_id=b.id, amount=4_000)
    assert entry.kind == TransferKind.BOOKING and entry.memo == "scie mobile"
    assert account_state(db, a.id)[:2] == (-4_000, 0)
    with pytest.raises(DomainError):
        holds.capture_hold(db, alice, hold.id, to_account_id=b.id)
    other = holds.place_hold(db, alice, a, 1_000)
    holds.release_hold(db, other.id)
    assert account_state(db, a.id)[:2] == (-4_000, 0)
    with pytest.raises(DomainError):
        holds.release_hold(db, other.id)
    db.commit()
    assert checks.invariant_violations(db) == []


def test_capture_more_than_held_or_to_the_payer_is_refused(db, pair):
    alice, a, bob, b, _ = pair
    hold = holds.place_hold(db, alice, a, 1_000)
    db.commit()
    before = snapshot(db)
    for kwargs in ({"to_account_id": b.id, "amount": 1_001}, {"to_account_id": a.id}, {"to_account_id": 10**9}):
        with pytest.raises(DomainError):
            holds.capture_hold(db, alice, hold.id, **kwargs)
    db.commit()
    assert snapshot(db) == before


def test_expired_holds_are_released(db, pair):
    alice, a, bob, b, _ = pair
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    hold = holds.place_hold(db, alice, a, 1_000, expires_at=past)
    kept = holds.place_hold(db, alice, a, 500)
    with pytest.raises(DomainError):
        holds.capture_hold(db, alice, hold.id, to_account_id=b.id)
    assert holds.expire_holds(db) == 1
    db.commit()
    assert db.get(type(hold), hold.id, populate_existing=True).status == HoldStatus.EXPIRED
    assert account_state(db, a.id)[1] == 500 and kept.status == HoldStatus.ACTIVE


def test_reversal_undoes_every_posting_once(db, pair):
    alice, a, bob, b, treasurer = pair
    db.add(HubSettings(id=1, transfer_fee_bps=100, transfer_fee_min=0, warning_level_percent=80))
    original = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=2_000)
    with pytest.raises(DomainError) as refused:
        reversals.reverse_transfer(db, alice, original.id)
    assert refused.value.code.value == "FORBIDDEN"
    reversal = reversals.reverse_transfer(db, treasurer, original.id, memo="erreur de saisie")
    db.commit()
    assert reversal.reverses_id == original.id and reversal.kind == TransferKind.REVERSAL
    assert (reversal.from_account_id, reversal.to_account_id) == (b.id, a.id)
    assert account_state(db, a.id)[0] == 0 and account_state(db, b.id)[0] == 0
    assert accounts.system_account(db, "COMMONS").balance == 0
    for target in (original.id, reversal.id):
        with pytest.raises(DomainError) as refused:
            reversals.reverse_transfer(db, treasurer, target)
        assert refused.value.code.value == "INVALID_STATE"
    assert checks.invariant_violations(db) == []


def test_reversal_respects_the_payees_limit(db, pair):
    alice, a, bob, b, treasurer = pair
    original = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=5_000)
    posting.transfer(db, bob, from_account=b, to_account_id=a.id, amount=14_000)  # Bob spends it
    db.commit()
    with pytest.raises(DomainError) as refused:
        reversals.reverse_transfer(db, treasurer, original.id)
    assert refused.value.code.value == "CREDIT_LIMIT_EXCEEDED"


def test_lowering_a_limit_below_use_blocks_spending_but_not_receiving(db, pair):
    alice, a, bob, b, treasurer = pair
    posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=6_000)
    with pytest.raises(DomainError):
        policy.set_credit_limit(db, alice, a.id, 0)
    account = policy.set_credit_limit(db, treasurer, a.id, 5_000, reason="retards de paiement")
    db.commit()
    assert account.available == -1_000 and policy.is_over_limit(account)
    assert checks.accounts_over_limit(db) == [a.id]
    with pytest.raises(DomainError) as refused:
        posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=1)
    assert refused.value.code.value == "CREDIT_LIMIT_EXCEEDED"
    posting.transfer(db, bob, from_account=b, to_account_id=a.id, amount=500)  # still receives
    db.commit()
    change = db.scalar(sa.select(CreditLimitChange))
    assert (change.old_limit, change.new_limit, change.reason) == (10_000, 5_000, "retards de paiement")
    with pytest.raises(DomainError):
        policy.set_credit_limit(db, treasurer, a.id, -1)


def test_warning_level_and_limit_use(db, pair):
    alice, a, bob, b, _ = pair
    posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=7_000)
    holds.place_hold(db, alice, a, 1_000)
    db.commit()
    account = db.get(Account, a.id, populate_existing=True)
    assert policy.limit_use_percent(account) == 80
    assert policy.is_near_limit(account, 80) and not policy.is_near_limit(account, 81)
    assert not policy.is_near_limit(db.get(Account, b.id), 80)


def test_statement_running_balance_period_and_kind(db, pair):
    alice, a, bob, b, treasurer = pair
    first = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=1_000)
    posting.transfer(db, bob, from_account=b, to_account_id=a.id, amount=300, kind=TransferKind.SKILL)
    posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=200)
    reversals.reverse_transfer(db, treasurer, first.id)
    db.commit()
    lines = db.scalars(statements.statement_query(a.id)).all()
    assert [(p.amount, p.balance_after) for p in lines] == [(-1_000, -1_000), (300, -700), (-200, -900), (1_000, 100)]
    skills = db.scalars(statements.statement_query(a.id, kind=TransferKind.SKILL)).all()
    assert [p.amount for p in skills] == [300]
    totals = statements.statement_totals(db, a.id)
    assert (totals.opening, totals.closing, totals.credits, totals.debits, totals.count) == (0, 100, 1_300, 1_200, 4)
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    assert db.scalars(statements.statement_query(a.id, since=future)).all() == []
    later = statements.statement_totals(db, a.id, since=future, until=future + dt.timedelta(days=1))
    assert (later.opening, later.closing, later.count) == (100, 100, 0)


def test_summary_adds_up(db, pair):
    alice, a, bob, b, _ = pair
    posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=9_000)
    db.commit()
    summary = checks.ledger_summary(db)
    assert summary.sum_of_balances == 0
    assert (summary.total_positive, summary.total_negative) == (9_000, -9_000)
    assert summary.transfer_count == 1 and summary.near_limit_count == 1 and summary.over_limit_count == 0


def test_multi_leg_entry_for_clearing(db, pair):
    alice, a, bob, b, treasurer = pair
    carol, c = member_and_account(db, "member4@example.test")
    entry = posting.journal_entry(db, treasurer, kind=TransferKind.CLEARING, legs=[(a.id, -300), (b.id, 100), (c.id, 200)])
    assert entry.amount == 300
    with pytest.raises(DomainError):
        posting.journal_entry(db, treasurer, kind=TransferKind.CLEARING, legs=[(a.id, -300), (b.id, 200)])
    db.commit()
    assert checks.invariant_violations(db) == []


def test_state_changes_are_logged_with_ids_and_amounts(db, pair, caplog):
    alice, a, bob, b, treasurer = pair
    caplog.set_level(logging.INFO, logger="alveole.ledger")
    policy.set_credit_limit(db, treasurer, a.id, 20_000, "saison")
    policy.update_settings(db, treasurer, warning_level_percent=70)
    original = posting.transfer(db, alice, from_account=a, to_account_id=b.id, amount=1_500)
    reversal = reversals.reverse_transfer(db, treasurer, original.id)
    holds.place_hold(db, alice, a, 100, expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1))
    holds.expire_holds(db)
    empty = accounts.open_member_account(db, alice)
    accounts.close_account(db, treasurer, empty.id)
    lines = [r.getMessage() for r in caplog.records if r.name == "alveole.ledger"]
    assert lines[:3] == [
        f"credit limit of account {a.id} changed from 10000 to 20000 by member {treasurer.id}",
        f"ledger settings changed by member {treasurer.id}: fee 0 bps, minimum fee 0, warning level 70 %",
        f"transfer {original.id} of 1500 reversed by transfer {reversal.id} (member {treasurer.id})",
    ]
    assert lines[3:] == ["1 expired holds released", f"account {empty.id} closed by member {treasurer.id}"]
