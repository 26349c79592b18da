"""Shared helpers of the catalogue and booking tests."""
import datetime as dt

from tests.conftest import GraphQLClient

CREATE_RESOURCE = """mutation($input: CreateResourceInput!) {
  createResource(input: $input) {
    resource { id kind title price { amount currency } priceUnit capacity deposit { amount currency }
               owner { name } ownerName hubPool status }
    errors { code field message }
  }
}"""
BOOK = """mutation($input: BookResourceInput!) {
  bookResource(input: $input) {
    booking { id start end quantity status price { amount currency } resource { id title } booker { name } }
    suggestedSlots { start end }
    errors { code field message }
  }
}"""
ACCOUNT = "{ viewer { account { id balance { amount } onHold { amount } available { amount } } } }"


def base_time(days: int = 10) -> dt.datetime:
    """A Monday at 08:00 (UTC) at least `days` ahead: far from now, inside the year."""
    today = dt.datetime.now(dt.timezone.utc).replace(hour=8, minute=0, second=0, microsecond=0)
    day = today + dt.timedelta(days=days)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def create_resource(client: GraphQLClient, **fields) -> dict:
    payload = {"kind": "TOOL", "title": "Scie à ruban", "price": "20.00", "priceUnit": "DAY", **fields}
    result = client.data(CREATE_RESOURCE, input=payload)["createResource"]
    assert result["errors"] == [], result
    return result["resource"]


def book(client: GraphQLClient, resource_id: str, start: dt.datetime, end: dt.datetime, **extra) -> dict:
    return client.data(BOOK, input={"resourceId": resource_id, "start": iso(start), "end": iso(end), **extra})["bookResource"]


def booked(client: GraphQLClient, resource_id: str, start: dt.datetime, end: dt.datetime, **extra) -> dict:
    result = book(client, resource_id, start, end, **extra)
    assert result["errors"] == [], result
    return result["booking"]


def account(client: GraphQLClient) -> dict:
    return client.data(ACCOUNT)["viewer"]["account"]


def signed_in(app, make_member, organization: str, credit_limit: int = 100_000, **kwargs) -> GraphQLClient:
    email = make_member(organization=organization, credit_limit=credit_limit, **kwargs)
    return GraphQLClient(app.test_client()).login(email)
