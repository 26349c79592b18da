"""Dashboard figures, impact report, period close and the treasury commands."""
import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import DomainError, ErrorCode
from app.invoices import services as inv
from app.ledger import services as ledger
from app.treasury import periods, reports, runs
from models import (
    Account,
    AccountStatement,
    ClearingRun,
    ClearingRunStatus,
    Invoice,
    InvoiceStatus,
    Member,
    Posting,
    Role,
    Transfer,
    TransferKind,
)
from tests.integration.test_treasury_services import _booking_of


@pytest.fixture
def hub(db, make_member):
    emails = {
        "A": make_member(name="A", organization="Firm A", credit_limit=100_000),
        "B": make_member(name="B", organization="Firm B", credit_limit=100_000),
        "C": make_member(name="C", organization="Firm C", credit_limit=10_000),
        "T": make_member(name="T", role=Role.TREASURER),
    }

    class Hub:
        def member(self, key):
            return db.scalar(sa.select(Member).where(Member.email == emails[key]))

        def account(self, key):
            return ledger.paying_account(db, self.member(key))

        def pay(self, payer, payee, amount, when=None):
            entry = ledger.transfer(db, self.member(payer), from_account=self.account(payer),
                                    to_account_id=self.account(payee).id, amount=amount)
            if when:
                db.execute(sa.update(Transfer).where(Transfer.id == entry.id).values(created_at=when))
                db.execute(sa.update(Posting).where(Posting.transfer_id == entry.id).values(created_at=when))
            return entry

    return Hub()


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.timezone.utc)


def test_dashboard_figures(db, hub, make_member):
    today = dt.date.today()
    last_month = reports.add_months(reports.month_start(today), -1)
    hub.pay("A", "B", 30_000, when=at(last_month))
    hub.pay("C", "B", 9_000)  # C uses 90 % of its 100.00 limit
    late = inv.issue_invoice(db, hub.member("B"), debtor_account_id=hub.account("A").id, amount=5_000,
                             due_date=today - dt.timedelta(days=3), today=today - dt.timedelta(days=10))
    inv.accept_invoice(db, hub.member("A"), late.id)
    # Firm D joined long ago and has not traded for 90 days; A, B and C traded this quarter.
    db.commit()
    make_member(name="D", organization="Firm D", credit_limit=0)
    db.execute(sa.update(Account).where(Account.name == "Firm D")
               .values(created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=200)))
    d = reports.dashboard(db, hub.member("T"))
    assert d.sum_of_balances == 0
    assert d.total_positive == 39_000 and d.total_negative == -39_000
    assert [f.account.name for f in d.near_limit] == ["Firm C"] and d.near_limit[0].use_percent == 90
    assert d.at_limit == []
    assert [a.name for a in d.inactive] == ["Firm D"]
    assert (d.overdue_count, d.overdue_total, [i.id for i in d.overdue_invoices]) == (1, 5_000, [late.id])
    assert len(d.months) == 12
    by_month = {m.month: m for m in d.months}
    assert by_month[f"{last_month:%Y-%m}"].by_kind == {TransferKind.PAYMENT: (1, 30_000)}
    assert by_month[f"{today:%Y-%m}"].trade_volume == 9_000
    assert d.velocity_12_months == pytest.approx(39_000 / 39_000)
    assert sum(n for _, _, n in d.balance_buckets) == d.account_count == 5  # Firm D, and the treasurer has one too
    with pytest.raises(DomainError) as err:
        reports.dashboard(db, hub.member("A"))
    assert err.value.code == ErrorCode.FORBIDDEN


def test_impact_report_counts_the_period_only(db, hub):
    today = dt.date.today()
    hub.pay("A", "B", 1_000, when=at(today - dt.timedelta(days=400)))
    hub.pay("A", "B", 2_500)
    for creditor, debtor in [("B", "A"), ("C", "B"), ("A", "C")]:
        invoice = inv.issue_invoice(db, hub.member(creditor), debtor_account_id=hub.account(debtor).id, amount=4_000)
        inv.accept_invoice(db, hub.member(debtor), invoice.id)
    run = runs.propose_clearing(db, hub.member("T"))
    runs.post_clearing(db, hub.member("T"), run.id)
    report = reports.impact(db, hub.member("T"), today - dt.timedelta(days=30), today + dt.timedelta(days=1))
    figures = {key: value for key, _, value in report.rows()}
    assert figures["credit_volume"] == 2_500 and figures["transfer_count"] == 1
    assert figures["invoices_issued"] == 3 and figures["invoices_issued_amount"] == 12_000
    assert figures["invoices_paid"] == 3
    assert figures["debt_cleared"] == figures["debt_cleared_set_off"] == 12_000
    assert figures["clearing_runs"] == 1 and figures["active_accounts"] == 2
    with pytest.raises(DomainError):
        reports.impact(db, hub.member("T"), today, today)


def test_period_close_keeps_statements_unchanged(db, hub):
    today = dt.date.today()
    month = reports.add_months(reports.month_start(today), -1)
    before = reports.add_months(month, -1)
    hub.pay("A", "B", 10_000, when=at(before))  # opening balances of the month
    hub.pay("A", "B", 3_000, when=at(month))
    hub.pay("B", "C", 500, when=at(month + dt.timedelta(days=5)))
    db.commit()
    assert periods.next_month_to_close(db, today) == before  # the month of the first entry
    with pytest.raises(DomainError) as err:  # months are closed in order
        periods.close_period(db, hub.member("T"), month)
    assert err.value.code == ErrorCode.INVALID_STATE and err.value.params == {"month": f"{before:%Y-%m}"}
    periods.close_period(db, hub.member("T"), before)
    close = periods.close_period(db, hub.member("T"), month)
    db.commit()
    assert periods.next_month_to_close(db, today) == reports.month_start(today)
    statements = {s.account_name: s for s in db.scalars(sa.select(AccountStatement).where(AccountStatement.close_id == close.id))}
    a, b = statements["Firm A"], statements["Firm B"]
    assert (a.opening_balance, a.total_in, a.total_out, a.closing_balance, a.entry_count) == (-10_000, 0, 3_000, -13_000, 1)
    assert (b.opening_balance, b.total_in, b.total_out, b.closing_balance, b.entry_count) == (10_000, 3_000, 500, 12_500, 2)
    assert [(line[4], line[6]) for line in b.lines] == [(3_000, "Firm A"), (-500, "Firm C")]  # with the counterparty
    snapshot = {name: (s.closing_balance, s.lines) for name, s in statements.items()}

    # Later activity, even a reversal of a transfer of that month, leaves the statements as they were.
    month_transfer = db.scalar(sa.select(Transfer.id).where(Transfer.amount == 3_000))
    ledger.reverse_transfer(db, hub.member("T"), month_transfer)
    hub.pay("A", "C", 700)
    db.commit()
    db.expire_all()
    again = {s.account_name: (s.closing_balance, s.lines) for s in db.scalars(sa.select(AccountStatement).where(AccountStatement.close_id == close.id))}
    assert again == snapshot

    with pytest.raises(DomainError) as err:
        periods.close_period(db, hub.member("T"), month)
    assert err.value.code == ErrorCode.CONFLICT
    with pytest.raises(DomainError) as err:
        periods.close_period(db, hub.member("T"), reports.month_start(today))
    assert err.value.code == ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as err:
        periods.close_period(db, hub.member("T"), reports.add_months(before, -1))  # before the first entry
    assert err.value.code == ErrorCode.INVALID_STATE
    with pytest.raises(DomainError) as err:
        periods.close_period(db, hub.member("A"), before)
    assert err.value.code == ErrorCode.FORBIDDEN


def test_without_any_entry_last_month_is_the_first_to_close(db, hub):
    today = dt.date(2026, 3, 15)
    assert periods.next_month_to_close(db, today) == dt.date(2026, 2, 1)


def test_clearing_commands(app, runner, db, hub, caplog):
    for creditor, debtor in [("B", "A"), ("C", "B"), ("A", "C")]:
        invoice = inv.issue_invoice(db, hub.member(creditor), debtor_account_id=hub.account(debtor).id, amount=2_000)
        inv.accept_invoice(db, hub.member(debtor), invoice.id)
    db.commit()
    with caplog.at_level("INFO", logger="alveole.treasury"):
        result = runner.invoke(args=["clearing", "propose"])
        assert result.exit_code == 0, result.output
        assert "cleared 60.00 (100.00 %)" in result.output
        run_id = db.scalar(sa.select(ClearingRun.id))
        result = runner.invoke(args=["clearing", "post", str(run_id)])
        assert result.exit_code == 0, result.output
    assert f"clearing run {run_id} proposed by member" in caplog.text
    assert f"clearing run {run_id} posted by member" in caplog.text
    db.expire_all()
    assert db.get(ClearingRun, run_id).status == ClearingRunStatus.POSTED
    assert set(db.scalars(sa.select(Invoice.status))) == {InvoiceStatus.PAID}
    again = runner.invoke(args=["clearing", "post", str(run_id)])
    assert again.exit_code != 0 and "already posted" in again.output


def test_clearing_discard_command(app, runner, db, hub, caplog):
    for creditor, debtor in [("B", "A"), ("A", "B")]:
        invoice = inv.issue_invoice(db, hub.member(creditor), debtor_account_id=hub.account(debtor).id, amount=2_000)
        inv.accept_invoice(db, hub.member(debtor), invoice.id)
    db.commit()
    assert runner.invoke(args=["clearing", "propose"]).exit_code == 0
    run_id = db.scalar(sa.select(ClearingRun.id))
    with caplog.at_level("INFO", logger="alveole.treasury"):
        result = runner.invoke(args=["clearing", "discard", str(run_id)])
    assert result.exit_code == 0, result.output
    assert f"Run {run_id} (SET_OFF, DISCARDED)" in result.output
    assert f"clearing run {run_id} discarded" in caplog.text
    db.expire_all()
    assert db.get(ClearingRun, run_id).status == ClearingRunStatus.DISCARDED
    assert set(db.scalars(sa.select(Invoice.outstanding))) == {2_000}  # nothing cleared
    again = runner.invoke(args=["clearing", "discard", str(run_id)])
    assert again.exit_code != 0 and "already posted or discarded" in again.output
    posting = runner.invoke(args=["clearing", "post", str(run_id)])
    assert posting.exit_code != 0 and "INVALID_STATE" in posting.output
    unknown = runner.invoke(args=["clearing", "discard", "999999"])
    assert unknown.exit_code != 0 and "does not exist" in unknown.output


def test_auto_accept_command(app, runner, db, hub):
    invoice = inv.issue_invoice(db, hub.member("A"), debtor_account_id=hub.account("B").id, amount=100)
    # Only an invoice of the debtor's own booking is accepted by silence (issue 10).
    booking = _booking_of(db, hub.member("B"), hub.account("B"))
    db.execute(sa.update(Invoice).values(created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=8),
                                         source_booking_id=booking))
    db.commit()
    assert "0 invoice(s)" in runner.invoke(args=["invoices", "auto-accept"]).output  # default 14 days
    assert "1 invoice(s)" in runner.invoke(args=["invoices", "auto-accept", "--days", "7"]).output
    db.expire_all()
    assert db.get(Invoice, invoice.id).status == InvoiceStatus.ACCEPTED
