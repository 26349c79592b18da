"""Invoices and clearing runs through the services, on SQLite and PostgreSQL."""
import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import DomainError, ErrorCode
from app.hub import hub_today, hub_zone
from app.invoices import queries
from app.invoices import services as inv
from app.ledger import fec
from app.ledger import services as ledger
from app.treasury import runs
from app.treasury.clearing import Debt, net_positions
from models import (
    Account,
    Booking,
    BookingStatus,
    ClearingMethod,
    ClearingRunStatus,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    Member,
    Posting,
    PriceUnit,
    Resource,
    ResourceKind,
    Role,
    Transfer,
    TransferKind,
)
from tests.conftest import sql_statements


@pytest.fixture
def hub(db, make_member):
    """Three firms A, B, C (limit 1000.00 each), a treasurer and an outsider."""
    people = {}
    for key in "ABC":
        people[key] = make_member(name=f"Firm {key}", organization=f"Firm {key}", credit_limit=100_000)
    people["T"] = make_member(name="Treasurer", role=Role.TREASURER)
    people["X"] = make_member(name="Outsider", organization="Outsider org", credit_limit=100_000)

    class Hub:
        def member(self, key) -> Member:
            return db.scalar(sa.select(Member).where(Member.email == people[key]))

        def account(self, key) -> Account:
            return ledger.paying_account(db, self.member(key))

        def invoice(self, creditor, debtor, amount, accept=True) -> Invoice:
            invoice = inv.issue_invoice(db, self.member(creditor), debtor_account_id=self.account(debtor).id, amount=amount)
            if accept:
                inv.accept_invoice(db, self.member(debtor), invoice.id)
            return invoice

    return Hub()


def snapshot(db):
    """Everything a clearing may write."""
    db.expire_all()
    return (
        sorted(db.execute(sa.select(Invoice.id, Invoice.outstanding, Invoice.status)).all()),
        db.scalar(sa.select(sa.func.count()).select_from(Transfer)),
        db.scalar(sa.select(sa.func.count()).select_from(Posting)),
        db.scalar(sa.select(sa.func.count()).select_from(InvoicePayment)),
        sorted(db.execute(sa.select(Account.id, Account.balance)).all()),
    )


def debts_of(db) -> list[Debt]:
    return runs.open_debts(db)


# --- Invoices -------------------------------------------------------------------------------


def test_issue_accept_and_pay_in_two_parts(db, hub):
    invoice = hub.invoice("A", "B", 30_000, accept=False)
    assert (invoice.status, invoice.outstanding) == (InvoiceStatus.ISSUED, 30_000)
    inv.accept_invoice(db, hub.member("B"), invoice.id)
    inv.pay_invoice(db, hub.member("B"), invoice.id, amount=10_000)
    assert (invoice.status, invoice.outstanding) == (InvoiceStatus.ACCEPTED, 20_000)
    inv.pay_invoice(db, hub.member("B"), invoice.id)
    assert (invoice.status, invoice.outstanding) == (InvoiceStatus.PAID, 0)
    assert (hub.account("A").balance, hub.account("B").balance) == (30_000, -30_000)
    kinds = db.scalars(sa.select(Transfer.kind)).all()
    assert kinds == [TransferKind.INVOICE, TransferKind.INVOICE]
    assert db.scalar(sa.select(sa.func.sum(InvoicePayment.amount))) == 30_000
    assert ledger.invariant_violations(db) == []


def test_only_the_debtor_answers_and_pays_and_strangers_see_nothing(db, hub):
    invoice = hub.invoice("A", "B", 5_000, accept=False)
    with pytest.raises(DomainError) as err:
        inv.accept_invoice(db, hub.member("A"), invoice.id)
    assert err.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as err:
        inv.pay_invoice(db, hub.member("X"), invoice.id)
    assert err.value.code == ErrorCode.NOT_FOUND
    inv.reject_invoice(db, hub.member("B"), invoice.id)
    with pytest.raises(DomainError) as err:
        inv.pay_invoice(db, hub.member("B"), invoice.id)
    assert err.value.code == ErrorCode.INVALID_STATE


def test_payment_over_the_limit_or_the_outstanding_is_refused(db, hub):
    invoice = hub.invoice("A", "B", 150_000)  # B may go down to -1000.00 only
    db.commit()
    with pytest.raises(DomainError) as err:
        inv.pay_invoice(db, hub.member("B"), invoice.id)
    assert err.value.code == ErrorCode.CREDIT_LIMIT_EXCEEDED
    db.rollback()
    db.expire_all()
    invoice = db.get(Invoice, invoice.id)
    assert invoice.outstanding == 150_000 and hub.account("B").balance == 0
    with pytest.raises(DomainError) as err:
        inv.pay_invoice(db, hub.member("B"), invoice.id, amount=150_001)
    assert (err.value.code, err.value.field) == (ErrorCode.INVALID, ["amount"])


def test_cancel_only_while_unpaid_and_only_by_the_creditor(db, hub):
    invoice = hub.invoice("A", "B", 8_000)
    with pytest.raises(DomainError) as err:
        inv.cancel_invoice(db, hub.member("B"), invoice.id)
    assert err.value.code == ErrorCode.FORBIDDEN
    inv.pay_invoice(db, hub.member("B"), invoice.id, amount=1_000)
    with pytest.raises(DomainError) as err:
        inv.cancel_invoice(db, hub.member("A"), invoice.id)
    assert err.value.code == ErrorCode.INVALID_STATE
    other = hub.invoice("A", "C", 2_000, accept=False)
    assert inv.cancel_invoice(db, hub.member("A"), other.id).status == InvoiceStatus.CANCELLED


def test_bad_invoices_are_refused(db, hub):
    a = hub.member("A")
    cases = [
        (dict(debtor_account_id=hub.account("A").id, amount=100), ErrorCode.INVALID),
        (dict(debtor_account_id=hub.account("B").id, amount=0), ErrorCode.INVALID),
        (dict(debtor_account_id=999_999, amount=100), ErrorCode.NOT_FOUND),
        (dict(debtor_account_id=hub.account("B").id, amount=100, due_date=dt.date(2000, 1, 1)), ErrorCode.INVALID),
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as err:
            inv.issue_invoice(db, a, **kwargs)
        assert err.value.code == code
    assert db.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0


def _booking_of(db, member: Member, account: Account) -> int:
    """A booking made by `member` from `account` (what an invoice may stand on)."""
    start = inv.utcnow() + dt.timedelta(days=3)
    resource = Resource(kind=ResourceKind.TOOL, title="Scie", price=1_000, price_unit=PriceUnit.DAY)
    db.add(resource)
    db.flush()
    booking = Booking(resource_id=resource.id, booker_id=member.id, account_id=account.id, start=start,
                      end=start + dt.timedelta(hours=2), blocked_from=start, blocked_until=start + dt.timedelta(hours=2),
                      status=BookingStatus.CONFIRMED, price=1_000)
    db.add(booking)
    db.flush()
    return booking.id


def test_only_invoices_from_the_debtors_own_booking_are_accepted_after_n_days(db, hub):
    """Issue 10's chain: any member can bill any account; an invoice no booking of the debtor
    stands behind must never turn into a debt (then a payment) without their answer."""
    plain = hub.invoice("A", "B", 1_000, accept=False)
    someone_elses = hub.invoice("A", "B", 1_000, accept=False)
    own = hub.invoice("A", "C", 1_000, accept=False)
    recent = hub.invoice("A", "C", 1_000, accept=False)
    db.execute(sa.update(Invoice).where(Invoice.id == someone_elses.id).values(
        source_booking_id=_booking_of(db, hub.member("X"), hub.account("X"))))
    for invoice in (own, recent):
        db.execute(sa.update(Invoice).where(Invoice.id == invoice.id).values(
            source_booking_id=_booking_of(db, hub.member("C"), hub.account("C"))))
    db.execute(sa.update(Invoice).where(Invoice.id != recent.id).values(created_at=inv.utcnow() - dt.timedelta(days=15)))
    assert inv.auto_accept_invoices(db, after_days=14) == 1
    assert db.get(Invoice, own.id).status == InvoiceStatus.ACCEPTED
    for invoice in (plain, someone_elses, recent):
        assert db.get(Invoice, invoice.id).status == InvoiceStatus.ISSUED


def test_the_treasurer_sees_and_cancels_disputed_invoices(db, hub):
    silent = hub.invoice("A", "B", 1_000, accept=False)
    refused = hub.invoice("A", "C", 1_000, accept=False)
    inv.reject_invoice(db, hub.member("C"), refused.id)
    hub.invoice("A", "C", 500, accept=False)  # recent: not yet disputed
    db.execute(sa.update(Invoice).where(Invoice.id.in_([silent.id, refused.id])).values(
        created_at=inv.utcnow() - dt.timedelta(days=15)))
    stmt = queries.invoices(hub.member("T"), set(), today=dt.date.today(), disputed=(inv.utcnow(), 14))
    assert {i.id for i in db.scalars(stmt)} == {silent.id, refused.id}
    with pytest.raises(DomainError) as err:
        inv.cancel_invoice(db, hub.member("X"), silent.id)
    assert err.value.code == ErrorCode.NOT_FOUND
    # The treasurer, as the hub's arbiter, cancels it and says why.
    assert inv.cancel_invoice(db, hub.member("T"), silent.id, reason="Aucune prestation derrière").status == InvoiceStatus.CANCELLED


# --- Clearing -------------------------------------------------------------------------------


def test_a_cycle_clears_its_minimum_and_moves_no_balance(db, hub):
    ab = hub.invoice("B", "A", 10_000)  # A owes B 100.00
    bc = hub.invoice("C", "B", 7_000)  # B owes C 70.00
    ca = hub.invoice("A", "C", 5_000)  # C owes A 50.00
    hub.invoice("C", "A", 9_900, accept=False)  # not accepted: not part of the clearing
    ledger.transfer(db, hub.member("A"), from_account=hub.account("A"), to_account_id=hub.account("C").id, amount=1_200)
    nets = net_positions(debts_of(db))
    balances = snapshot(db)[4]
    treasurer = hub.member("T")

    run = runs.propose_clearing(db, treasurer)
    assert (run.gross_before, run.cleared, run.gross_after, run.invoice_count) == (22_000, 15_000, 7_000, 3)
    assert run.status == ClearingRunStatus.PROPOSED
    runs.post_clearing(db, treasurer, run.id)
    db.commit()

    assert run.status == ClearingRunStatus.POSTED
    outstanding = {i.id: (i.outstanding, i.status) for i in db.scalars(sa.select(Invoice))}
    assert outstanding[ab.id] == (5_000, InvoiceStatus.ACCEPTED)
    assert outstanding[bc.id] == (2_000, InvoiceStatus.ACCEPTED)
    assert outstanding[ca.id] == (0, InvoiceStatus.PAID)
    assert net_positions(debts_of(db)) == {k: v for k, v in nets.items() if v or k in nets}
    assert snapshot(db)[4] == balances  # no balance moved
    # Auditable: one CLEARING entry for the run, for its total cleared, keyed by the run; on
    # each account, minus what it owed then plus what it was owed, back to its balance.
    [entry] = db.scalars(sa.select(Transfer).where(Transfer.kind == TransferKind.CLEARING)).all()
    assert (entry.amount, entry.idempotency_key) == (run.cleared, f"clearing:{run.id}")
    assert entry.system_memo == {"key": "clearing", "args": {"run": run.id, "invoices": 3}}
    postings = db.execute(
        sa.select(Posting.account_id, Posting.amount, Posting.balance_after).order_by(Posting.id)
    ).all()
    a, b, c = (hub.account(name).id for name in "ABC")
    assert postings[2:] == [(a, -5_000, -6_200), (a, 5_000, -1_200), (b, -5_000, -5_000), (b, 5_000, 0),
                            (c, -5_000, -3_800), (c, 5_000, 1_200)]
    assert ledger.invariant_violations(db) == []
    with pytest.raises(DomainError) as err:
        runs.post_clearing(db, treasurer, run.id)
    assert err.value.code == ErrorCode.INVALID_STATE


def test_posting_writes_rows_per_account_not_per_pair_or_invoice(db, hub):
    """Every pair of the four accounts trades both ways: 12 pairs, all cleared. The ledger
    gets one entry and two postings per account, and posting sends the same statements
    whether a pair has one invoice or three."""
    treasurer, names = hub.member("T"), "ABCX"
    statements = []
    for per_pair in (1, 3):
        for creditor in names:
            for debtor in names.replace(creditor, ""):
                for _ in range(per_pair):
                    hub.invoice(creditor, debtor, 1_000)
        run = runs.propose_clearing(db, treasurer)
        assert run.invoice_count == 12 * per_pair
        before = snapshot(db)[1:3]
        with sql_statements(db.get_bind()) as sent:
            runs.post_clearing(db, treasurer, run.id)
        statements.append(len(sent))
        assert snapshot(db)[1:3] == (before[0] + 1, before[1] + 2 * len(names))
    assert statements[0] == statements[1]
    assert ledger.invariant_violations(db) == []


def test_a_posted_set_off_is_one_balanced_entry_of_the_fec(app, db, hub):
    for creditor, debtor in [("B", "A"), ("C", "B"), ("A", "C")]:
        hub.invoice(creditor, debtor, 5_000)
    run = runs.propose_clearing(db, hub.member("T"))
    runs.post_clearing(db, hub.member("T"), run.id)
    db.commit()
    with app.test_request_context():
        books = fec.build_fec(db, hub.member("T"), hub_today().year, fec.FecSettings(), hub_zone())
    lines = [line for line in books.lines if line.journal == fec.JOURNALS[TransferKind.CLEARING]]
    assert len({line.number for line in lines}) == 1 and len(lines) == 6  # two lines per account
    assert sum(line.debit for line in lines) == sum(line.credit for line in lines) == run.cleared
    assert {line.label for line in lines} == {f"Compensation multilatérale n° {run.id} : 3 factures"}


def test_net_positions_stay_unchanged_on_a_tangled_web(db, hub):
    for creditor, debtor, amount in [("A", "B", 3_000), ("B", "A", 1_000), ("B", "C", 4_000), ("C", "A", 2_500),
                                     ("A", "C", 700), ("C", "B", 1_200), ("A", "X", 900), ("X", "B", 400)]:
        hub.invoice(creditor, debtor, amount)
    before = net_positions(debts_of(db))
    run = runs.propose_clearing(db, hub.member("T"))
    runs.post_clearing(db, hub.member("T"), run.id)
    db.commit()
    after = net_positions(debts_of(db))
    assert {k: v for k, v in before.items() if v} == {k: v for k, v in after.items() if v}
    assert sum(d.amount for d in debts_of(db)) == run.gross_after
    assert ledger.invariant_violations(db) == []


def test_no_cycle_clears_nothing(db, hub):
    hub.invoice("B", "A", 10_000)
    hub.invoice("C", "B", 7_000)
    run = runs.propose_clearing(db, hub.member("T"))
    assert (run.cleared, run.invoice_count, run.gross_after) == (0, 0, 17_000)
    before = snapshot(db)
    runs.post_clearing(db, hub.member("T"), run.id)
    assert snapshot(db)[:4] == before[:4]


@pytest.mark.parametrize("change", ["pay", "cancel-other"])
def test_a_stale_proposal_is_refused(db, hub, change):
    ab = hub.invoice("B", "A", 10_000)
    hub.invoice("C", "B", 7_000)
    hub.invoice("A", "C", 5_000)
    run = runs.propose_clearing(db, hub.member("T"))
    db.commit()
    if change == "pay":
        inv.pay_invoice(db, hub.member("A"), ab.id, amount=100)
    else:
        db.execute(sa.update(Invoice).where(Invoice.id == ab.id).values(status=InvoiceStatus.CANCELLED.value))
    db.commit()
    assert runs.is_stale(db, db.get(type(run), run.id))
    before = snapshot(db)
    with pytest.raises(DomainError) as err:
        runs.post_clearing(db, hub.member("T"), run.id)
    assert err.value.code == ErrorCode.STALE
    db.rollback()
    assert snapshot(db) == before
    assert db.get(type(run), run.id).status == ClearingRunStatus.PROPOSED


@pytest.mark.parametrize("step", [1, 2, 3])  # after the invoices, the entry, the postings
def test_posting_fails_halfway_and_leaves_nothing_written(db, hub, step):
    for creditor, debtor in [("B", "A"), ("C", "B"), ("A", "C")]:
        hub.invoice(creditor, debtor, 5_000)
    run = runs.propose_clearing(db, hub.member("T"))
    db.commit()
    before = snapshot(db)
    calls = []

    def fail_at_step(count, total):
        calls.append(count)
        if len(calls) == step:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        runs.post_clearing(db, hub.member("T"), run.id, progress=fail_at_step)
    # What the steps before wrote is in the transaction, then it failed.
    written = snapshot(db)
    assert written[0] != before[0]
    assert (written[1] > before[1], written[2] > before[2]) == (step >= 2, step >= 3)
    db.rollback()
    assert snapshot(db) == before
    assert db.get(type(run), run.id).status == ClearingRunStatus.PROPOSED


def test_discard_and_permissions(db, hub):
    hub.invoice("B", "A", 1_000)
    with pytest.raises(DomainError) as err:
        runs.propose_clearing(db, hub.member("A"))
    assert err.value.code == ErrorCode.FORBIDDEN
    run = runs.propose_clearing(db, hub.member("T"))
    runs.discard_clearing(db, hub.member("T"), run.id)
    assert run.status == ClearingRunStatus.DISCARDED
    with pytest.raises(DomainError) as err:
        runs.post_clearing(db, hub.member("T"), run.id)
    assert err.value.code == ErrorCode.INVALID_STATE


def test_clearing_with_mutual_credit_pays_what_limits_allow(db, hub):
    # After the set-off: A owes B 50.00, B owes C 20.00; A also owes X 1500.00, more than its limit.
    hub.invoice("B", "A", 10_000)
    hub.invoice("C", "B", 7_000)
    hub.invoice("A", "C", 5_000)
    big = hub.invoice("X", "A", 150_000)
    treasurer = hub.member("T")
    runs.post_clearing(db, treasurer, runs.propose_clearing(db, treasurer).id)
    run = runs.propose_clearing(db, treasurer, ClearingMethod.CREDIT_TRANSFERS)
    # A's invoices are due on the same day: the older (to B) is paid in full first, then A
    # has 950.00 left of its 1000.00 limit for X.
    assert run.gross_before == 5_000 + 2_000 + 150_000
    assert run.cleared == 5_000 + 2_000 + 95_000
    runs.post_clearing(db, treasurer, run.id)
    db.commit()
    assert hub.account("A").balance == -100_000
    assert db.get(Invoice, big.id).outstanding == 55_000
    assert ledger.invariant_violations(db) == []
    assert {t.kind for t in db.scalars(sa.select(Transfer))} == {TransferKind.CLEARING, TransferKind.INVOICE}


def test_a_settlement_refused_when_balances_moved(db, hub):
    invoice = hub.invoice("B", "A", 90_000)
    treasurer = hub.member("T")
    run = runs.propose_clearing(db, treasurer, ClearingMethod.CREDIT_TRANSFERS)
    assert run.cleared == 90_000
    db.commit()
    # A spends most of its credit elsewhere before the treasurer posts.
    ledger.transfer(db, hub.member("A"), from_account=hub.account("A"), to_account_id=hub.account("C").id, amount=50_000)
    db.commit()
    with pytest.raises(DomainError) as err:
        runs.post_clearing(db, treasurer, run.id)
    assert err.value.code == ErrorCode.STALE
    db.rollback()
    assert db.get(Invoice, invoice.id).outstanding == 90_000


def test_concurrent_payments_never_pay_more_than_owed(app, db, hub):
    """Eight threads each try to pay 40.00 of a 100.00 invoice: exactly two succeed."""
    import threading

    from app.database import get_session

    invoice = hub.invoice("A", "B", 10_000)
    payer_id = hub.member("B").id
    db.commit()
    outcomes, barrier = [], threading.Barrier(8)

    def pay():
        with app.app_context():
            session = get_session()
            barrier.wait()
            try:
                inv.pay_invoice(session, session.get(Member, payer_id), invoice.id, amount=4_000)
                session.commit()
                outcomes.append("paid")
            except DomainError as exc:
                session.rollback()
                outcomes.append(exc.code)

    threads = [threading.Thread(target=pay) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("paid") == 2, outcomes
    db.expire_all()
    assert db.get(Invoice, invoice.id).outstanding == 2_000
    assert hub.account("B").balance == -8_000
    assert ledger.invariant_violations(db) == []


def test_a_clearing_entry_cannot_be_reversed_alone(db, hub):
    from models import Transfer, TransferKind

    for creditor, debtor in [("A", "B"), ("B", "C"), ("C", "A")]:
        invoice = inv.issue_invoice(db, hub.member(creditor), debtor_account_id=hub.account(debtor).id, amount=5_000)
        inv.accept_invoice(db, hub.member(debtor), invoice.id)
    run = runs.propose_clearing(db, hub.member("T"))
    runs.post_clearing(db, hub.member("T"), run.id)
    entry = db.scalar(sa.select(Transfer).where(Transfer.kind == TransferKind.CLEARING).limit(1))
    with pytest.raises(DomainError) as refused:
        ledger.reverse_transfer(db, hub.member("T"), entry.id)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert ledger.invariant_violations(db) == []


def test_invoice_state_changes_are_logged_with_ids_and_amounts(db, hub, caplog):
    with caplog.at_level("INFO", logger="alveole.invoices"):
        paid = hub.invoice("A", "B", 3_000)
        inv.pay_invoice(db, hub.member("B"), paid.id, amount=1_000)
        refused = hub.invoice("A", "B", 500, accept=False)
        inv.reject_invoice(db, hub.member("B"), refused.id)
        withdrawn = hub.invoice("A", "C", 700, accept=False)
        inv.cancel_invoice(db, hub.member("A"), withdrawn.id)
        inv.auto_accept_invoices(db, after_days=14)
    a, b = hub.account("A").id, hub.account("B").id
    messages = [r.getMessage() for r in caplog.records if r.name == "alveole.invoices"]
    assert f"invoice {paid.id} issued: account {a} bills account {b} 3000" in messages
    assert f"invoice {paid.id} accepted by member {hub.member('B').id}" in messages
    assert any(m.startswith(f"invoice {paid.id} paid 1000 by transfer ") and m.endswith("2000 outstanding") for m in messages)
    assert f"invoice {refused.id} rejected by member {hub.member('B').id}" in messages
    assert f"invoice {withdrawn.id} cancelled by member {hub.member('A').id}" in messages
    assert "0 invoice(s) accepted after 14 days without an answer" in messages
