"""Shared helpers of the skills tests: a small market (a provider firm with a skill offer, a
client, the treasurer, an outsider) and one function per mutation of the job's lifecycle."""
import dataclasses

import sqlalchemy as sa

from app.database import get_session
from app.ledger.services import invariant_violations
from models import Role
from tests.api.catalog_helpers import create_resource
from tests.conftest import GraphQLClient

JOB_FIELDS = """id status viewerSide viewerActions payOnAccount reason decision
  price { amount currency } quote { hours price { amount } start end conditions } quotes { price { amount } }
  hoursWorked insertionHours trainingHours cancellationFee { amount } settledAmount { amount }
  messages { body by { name } } ratings { stars comment side by { name } }
  timeline { kind body } offer { id title } client { name } provider { name }"""


def mutation(name: str) -> str:
    input_type = name[0].upper() + name[1:] + "Input"
    return (f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ job {{ {JOB_FIELDS} }} "
            "errors { code field message } } }")


def act(client: GraphQLClient, name: str, **input) -> dict:
    """Run a job mutation; its payload (job and errors)."""
    return client.data(mutation(name), input=input)[name]


def ok(client: GraphQLClient, name: str, **input) -> dict:
    payload = act(client, name, **input)
    assert payload["errors"] == [], payload
    return payload["job"]


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["errors"]]


ACCOUNT = "{ viewer { account { balance { amount } onHold { amount } available { amount } } } }"


def account(client: GraphQLClient) -> dict:
    acc = client.data(ACCOUNT)["viewer"]["account"]
    return {k: acc[k]["amount"] for k in ("balance", "onHold", "available")}


@dataclasses.dataclass
class Market:
    provider: GraphQLClient  # manager of the firm offering the skill
    client: GraphQLClient  # manager of the training centre that hires it
    treasurer: GraphQLClient
    outsider: GraphQLClient  # a member of a third organisation
    offer_id: str


def make_market(app, make_member, price="55.00", credit_limit=1_000_000, **offer) -> Market:
    def signed(email):
        return GraphQLClient(app.test_client()).login(email)

    provider = signed(make_member(name="Julien Favre", organization="Charpentes Mont-Blanc", credit_limit=credit_limit))
    client = signed(make_member(name="Anne Mollard", organization="Compagnons de l'Arve", credit_limit=credit_limit))
    treasurer = signed(make_member(name="Trésorerie", role=Role.TREASURER))
    outsider = signed(make_member(name="Paul Vuarnet", organization="Menuiserie Vuarnet", credit_limit=credit_limit))
    resource = create_resource(provider, kind="SKILL", title="Charpente d'un abri", price=price, priceUnit="HOUR", **offer)
    return Market(provider, client, treasurer, outsider, resource["id"])


def requested(market: Market, **extra) -> dict:
    return ok(market.client, "requestSkill", resourceId=market.offer_id,
              description="Ossature de la charpente d'un abri de 12 m²", **extra)


def quoted(market: Market, hours="16", price="880.00", **extra) -> dict:
    job = requested(market)
    return ok(market.provider, "quoteJob", jobId=job["id"], hours=hours, price=price, **extra)


def accepted(market: Market, **extra) -> dict:
    job = quoted(market)
    return ok(market.client, "acceptQuote", jobId=job["id"], **extra)


def delivered(market: Market, **extra) -> dict:
    job = accepted(market, **extra)
    return ok(market.provider, "deliverJob", jobId=job["id"], hoursWorked="15.5", insertionHours="6", trainingHours="2")


def ledger_ok(app) -> None:
    with app.app_context():
        assert invariant_violations(get_session()) == []


def count(app, model, *where) -> int:
    with app.app_context():
        return get_session().scalar(sa.select(sa.func.count()).select_from(model).where(*where))
