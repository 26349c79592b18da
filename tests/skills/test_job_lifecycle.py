"""A skill job through the API from request to rating, with the ledger at each step: hold on
acceptance, capture on confirmation, an invoice when left on account, release minus the
offer's terms on cancellation, exactly the treasurer's amount on a dispute."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.database import get_session
from app.notices import mail, render, services
from models import (
    Hold,
    HoldStatus,
    Invoice,
    InvoiceStatus,
    Member,
    NoticeChannel,
    Notification,
    OutboxEmail,
    Transfer,
    TransferKind,
)
from tests.skills.skills_helpers import (
    accepted,
    account,
    act,
    codes,
    count,
    delivered,
    ledger_ok,
    make_market,
    ok,
    quoted,
    requested,
)


@pytest.fixture
def market(app, make_member):
    return make_market(app, make_member)


def test_request_quote_accept_deliver_confirm_rate(app, market):
    job = requested(market, estimatedHours="12", payOnAccount=False)
    assert job["status"] == "REQUESTED" and job["viewerSide"] == "CLIENT"
    assert job["provider"]["name"] == "Charpentes Mont-Blanc" and job["price"] is None
    # The provider quotes twice (the client asked for changes): the last quote counts.
    ok(market.provider, "quoteJob", jobId=job["id"], hours="20", price="1100.00")
    job = ok(market.provider, "quoteJob", jobId=job["id"], hours="16", price="880,00", conditions="Bois fourni")
    assert job["status"] == "QUOTED" and [q["price"]["amount"] for q in job["quotes"]] == ["1100.00", "880.00"]
    assert job["quote"]["hours"] == "16.00" and job["price"]["amount"] == "880.00"
    before = account(market.client)

    job = ok(market.client, "acceptQuote", jobId=job["id"])
    assert job["status"] == "ACCEPTED" and job["viewerActions"] == ["CANCEL", "MESSAGE"]
    held = account(market.client)
    assert Decimal(held["onHold"]) == Decimal(before["onHold"]) + 880
    assert held["balance"] == before["balance"]

    job = ok(market.provider, "deliverJob", jobId=job["id"], hoursWorked="15.5", insertionHours="6", trainingHours="2")
    assert (job["status"], job["hoursWorked"], job["insertionHours"], job["trainingHours"]) == ("DELIVERED", "15.50", "6.00", "2.00")
    provider_before = account(market.provider)

    job = ok(market.client, "confirmJob", jobId=job["id"])
    assert job["status"] == "COMPLETED"
    after = account(market.client)
    assert Decimal(after["balance"]) == Decimal(before["balance"]) - 880 and after["onHold"] == before["onHold"]
    assert Decimal(account(market.provider)["balance"]) == Decimal(provider_before["balance"]) + 880
    assert count(app, Transfer, Transfer.kind == TransferKind.SKILL, Transfer.amount == 88000) == 1
    assert count(app, Hold, Hold.status == HoldStatus.CAPTURED) == 1

    job = ok(market.client, "rateJob", jobId=job["id"], stars=5, comment="Travail soigné")
    # Not shown to the other side until both rated (or 14 days).
    assert ok(market.provider, "sendJobMessage", jobId=job["id"], body="Merci !")["ratings"] == []
    job = ok(market.provider, "rateJob", jobId=job["id"], stars=4, comment="Client clair")
    assert sorted((r["side"], r["stars"]) for r in job["ratings"]) == [("CLIENT", 5), ("PROVIDER", 4)]
    assert [e["kind"] for e in job["timeline"]] == [
        "REQUESTED", "QUOTED", "QUOTED", "ACCEPTED", "DELIVERED", "CONFIRMED", "RATED", "MESSAGE", "RATED"]
    ledger_ok(app)


def test_pay_on_account_holds_nothing_and_invoices_on_confirmation(app, market):
    before = account(market.client)
    job = delivered(market, payOnAccount=True)
    assert job["payOnAccount"] is True and account(market.client) == before
    ok(market.client, "confirmJob", jobId=job["id"])
    assert account(market.client) == before
    assert count(app, Invoice, Invoice.amount == 88000, Invoice.status == InvoiceStatus.ACCEPTED) == 1
    ledger_ok(app)


def test_a_quote_above_the_available_credit_is_accepted_only_on_account(app, make_member):
    market = make_market(app, make_member, credit_limit=50_000)  # 500.00 of credit
    job = quoted(market, price="880.00")
    refused = act(market.client, "acceptQuote", jobId=job["id"])
    assert codes(refused) == ["CREDIT_LIMIT_EXCEEDED"] and refused["errors"][0]["field"] == ["payOnAccount"]
    assert refused["errors"][0]["message"] == (  # French by default, with the available credit
        "Ce devis dépasse votre crédit disponible (500,00\u00a0ALV)\u00a0: vous pouvez l’accepter sur facture."
    )
    assert ok(market.client, "acceptQuote", jobId=job["id"], payOnAccount=True)["status"] == "ACCEPTED"
    ledger_ok(app)


def test_the_offer_pricing_gives_the_price_when_the_quote_omits_it(app, market):
    job = requested(market)
    job = ok(market.provider, "quoteJob", jobId=job["id"], hours="2.25")
    assert job["price"]["amount"] == "123.75"  # 55.00 an hour


def test_cancellation_after_acceptance_releases_the_hold_minus_the_offer_terms(app, make_member):
    market = make_market(app, make_member, freeCancellationHours=48, lateCancellationFeePercent=25)
    soon = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=10)).isoformat()
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=10)).isoformat()
    before = account(market.client)
    job = requested(market)
    ok(market.provider, "quoteJob", jobId=job["id"], hours="16", price="880.00", start=soon)
    ok(market.client, "acceptQuote", jobId=job["id"])
    job = ok(market.client, "cancelJob", jobId=job["id"], reason="Chantier reporté")
    assert job["status"] == "CANCELLED" and job["cancellationFee"]["amount"] == "220.00"
    after = account(market.client)
    assert Decimal(after["balance"]) == Decimal(before["balance"]) - 220 and after["onHold"] == before["onHold"]
    # Far enough ahead: free.
    job = requested(market)
    ok(market.provider, "quoteJob", jobId=job["id"], hours="8", price="440.00", start=later)
    ok(market.client, "acceptQuote", jobId=job["id"])
    assert ok(market.client, "cancelJob", jobId=job["id"])["cancellationFee"]["amount"] == "0.00"
    assert account(market.client) == after
    ledger_ok(app)


@pytest.mark.parametrize("amount", ["0", "300.00", "880.00"])
def test_a_settled_dispute_moves_exactly_the_amount(app, market, amount):
    job = delivered(market)
    before_client, before_provider = account(market.client), account(market.provider)
    job = ok(market.client, "disputeJob", jobId=job["id"], reason="La moitié des pièces manquent")
    assert job["status"] == "DISPUTED"
    job = ok(market.treasurer, "settleDispute", jobId=job["id"], amount=amount, decision="Partagé")
    assert job["status"] == "SETTLED" and job["settledAmount"]["amount"] == Decimal(amount).quantize(Decimal("0.01")).to_eng_string()
    client, provider = account(market.client), account(market.provider)
    assert Decimal(client["balance"]) == Decimal(before_client["balance"]) - Decimal(amount)
    assert Decimal(client["onHold"]) == Decimal(before_client["onHold"]) - 880
    assert Decimal(provider["balance"]) == Decimal(before_provider["balance"]) + Decimal(amount)
    ledger_ok(app)


def test_settling_more_than_the_price_is_refused(app, market):
    job = delivered(market)
    ok(market.client, "disputeJob", jobId=job["id"], reason="Retard")
    payload = act(market.treasurer, "settleDispute", jobId=job["id"], amount="880.01", decision="Non")
    assert codes(payload) == ["INVALID"] and payload["errors"][0]["field"] == ["amount"]
    assert payload["errors"][0]["message"] == "Le montant est compris entre 0 et le prix de la prestation, 880,00\u00a0ALV."


def test_bad_hours_and_prices_are_invalid_with_their_field(app, market):
    job = requested(market)
    for hours, price, field in [("0", "10", "hours"), ("-1", "10", "hours"), ("1.234", "10", "hours"),
                                ("10001", "10", "hours"), ("abc", "10", "hours"), ("2", "0", "price"),
                                ("2", "1e400", "price"), ("2", "10.001", "price")]:
        payload = act(market.provider, "quoteJob", jobId=job["id"], hours=hours, price=price)
        assert codes(payload) == ["INVALID"] and payload["errors"][0]["field"] == [field], (hours, price, payload)
    assert codes(act(market.client, "acceptQuote", jobId=job["id"])) == ["INVALID_STATE"]  # nothing quoted yet
    ok(market.provider, "quoteJob", jobId=job["id"], hours="2")
    accepted_job = ok(market.client, "acceptQuote", jobId=job["id"])
    payload = act(market.provider, "deliverJob", jobId=accepted_job["id"], hoursWorked="4", insertionHours="5")
    assert codes(payload) == ["INVALID"] and payload["errors"][0]["field"] == ["insertionHours"]


def test_messages_reach_the_other_side_in_the_app_and_by_mail(app, market):
    job = requested(market)
    notices = count(app, Notification, Notification.category == "SKILLS")
    assert notices >= 1
    job = ok(market.provider, "sendJobMessage", jobId=job["id"], body="Quelle essence de bois ?")
    assert job["messages"] == [{"body": "Quelle essence de bois ?", "by": {"name": "Julien Favre"}}]
    assert count(app, Notification, Notification.kind == "JOB_MESSAGE") == 1
    assert codes(act(market.outsider, "sendJobMessage", jobId=job["id"], body="Je m'invite")) == ["FORBIDDEN"]
    with app.app_context():
        session = get_session()
        emails = mail.queue_notices(session)[0]
        session.commit()
        bodies = session.scalars(sa.select(OutboxEmail.body)).all()
    # Each member heard once by email (their default for jobs), with a link that opens the job.
    assert emails == count(app, Notification, Notification.category == "SKILLS") == len(bodies)
    assert any(f"{app.config['BASE_URL']}/skills/jobs/{job['id']}" in body for body in bodies)


def test_a_quote_is_told_in_the_clients_language_with_its_price_and_as_they_chose(app, market):
    with app.app_context():
        session = get_session()
        client = session.scalar(sa.select(Member).where(Member.name == "Anne Mollard"))
        client.language = "fr"
        services.set_preferences(session, client, {"SKILLS": "IN_APP"})
        session.commit()
    quoted(market, price="880.00")
    with app.app_context(), force_locale("fr"):
        notice = get_session().scalars(sa.select(Notification).where(Notification.kind == "JOB_QUOTED")).one()
        assert notice.delivery == NoticeChannel.IN_APP  # her choice: no email
        assert render.message(notice.kind, notice.params) == "Nouveau devis pour «\u00a0Charpente d'un abri\u00a0»\u00a0: 880,00\u00a0ALV."


def test_accepted_twice_with_one_key_returns_the_first_result(app, market):
    job = quoted(market)
    first = ok(market.client, "acceptQuote", jobId=job["id"], idempotencyKey="k-1")
    again = ok(market.client, "acceptQuote", jobId=job["id"], idempotencyKey="k-1")
    assert first["status"] == again["status"] == "ACCEPTED"
    assert count(app, Hold) == 1
    assert codes(act(market.client, "acceptQuote", jobId=job["id"])) == ["INVALID_STATE"]


def test_the_job_is_null_for_others_and_the_treasurer_sees_it(app, market):
    job = accepted(market)
    query = "query($id: ID!) { job(id: $id) { id status } node(id: $id) { id } }"
    assert market.outsider.data(query, id=job["id"]) == {"job": None, "node": None}
    assert market.treasurer.data(query, id=job["id"])["job"]["status"] == "ACCEPTED"
    assert market.provider.data(query, id=job["id"])["node"] == {"id": job["id"]}


def test_the_impact_report_counts_the_hours_delivered_on_jobs(app, market):
    delivered(market)  # 15.5 hours worked, 6 by people in insertion, 2 in training
    today = dt.date.today()
    report = market.treasurer.data(
        "query($from: Date!, $to: Date!) { impactReport(from: $from, to: $to) { figures { key value } } }",
        **{"from": (today - dt.timedelta(days=1)).isoformat(), "to": (today + dt.timedelta(days=2)).isoformat()},
    )["impactReport"]["figures"]
    figures = {f["key"]: f["value"] for f in report}
    assert (figures["skill_jobs"], figures["skill_hours"], figures["skill_insertion_hours"],
            figures["skill_training_hours"], figures["skill_members"]) == ("1", "16", "6", "2", "1")
