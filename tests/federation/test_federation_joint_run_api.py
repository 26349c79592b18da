"""Joint clearing runs through GraphQL, with two live hubs: only treasurers propose, answer,
run and list them; the Arve's treasurer proposes, the Chablais' accepts (the Arve hears it),
the Arve runs it, and both hubs report the same figures, to the cent, including what only the
joint run cleared; a declined run reaches the coordinator; bad input changes nothing."""
import sqlalchemy as sa

from models import JointRun
from tests.federation.test_federation_api import signed_in
from tests.federation.test_joint_runs import assert_cleared, cycle  # noqa: F401  (the fixture)

RUN_FIELDS = """jointRun { id state role failure canAnswer canRun grossBefore { amount } cleared { amount }
  clearedAloneHere { amount } clearedAloneThere { amount } clearedBeyondAlone { amount } grossAfter { amount } }
  errors { code field message }"""
PROPOSE = "mutation($input: ProposeJointRunInput!) { proposeJointRun(input: $input) { %s } }" % RUN_FIELDS
ACCEPT = "mutation($input: JointRunInput!) { acceptJointRun(input: $input) { %s } }" % RUN_FIELDS
DECLINE = "mutation($input: JointRunInput!) { declineJointRun(input: $input) { %s } }" % RUN_FIELDS
EXECUTE = "mutation($input: JointRunInput!) { executeJointRun(input: $input) { %s } }" % RUN_FIELDS
LIST = """{ jointRuns(first: 10) { totalCount nodes { id state role failure canAnswer canRun cleared { amount }
  grossBefore { amount } clearedBeyondAlone { amount } clearedAloneHere { amount } clearedAloneThere { amount } } } }"""


def _runs(hub) -> list[tuple]:
    with hub.sessions() as session:
        return session.execute(sa.select(JointRun.role, JointRun.state).order_by(JointRun.id)).all()


def test_the_treasurers_clear_a_cycle_across_their_hubs_through_the_api(cycle):  # noqa: F811
    arve, chablais, a_treasurer, c_treasurer, inv = cycle
    a_client, c_client = signed_in(arve, a_treasurer), signed_in(chablais, c_treasurer)
    peer_id = a_client.data("{ peers { id } }")["peers"][0]["id"]

    # Members may neither propose nor list; a bad peer or run id is refused; nothing recorded.
    member, _ = arve.member("Menuiserie Arve")
    outsider = signed_in(arve, member)
    assert outsider.data(PROPOSE, input={"peerId": peer_id})["proposeJointRun"]["errors"][0]["code"] == "FORBIDDEN"
    assert outsider.gql(LIST)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    refused = a_client.data(PROPOSE, input={"peerId": "UGVlckh1Yjo5OTk="})["proposeJointRun"]["errors"][0]
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", ["peerId"]) and "partenaire" in refused["message"]
    bad = a_client.data(EXECUTE, input={"jointRunId": "bm9wZQ=="})["executeJointRun"]["errors"][0]
    assert (bad["code"], bad["field"]) == ("NOT_FOUND", ["jointRunId"])
    assert _runs(arve) == [] and _runs(chablais) == []

    proposed = a_client.data(PROPOSE, input={"peerId": peer_id})["proposeJointRun"]
    assert proposed["errors"] == [] and proposed["jointRun"]["state"] == "PROPOSED"
    run_id = proposed["jointRun"]["id"]
    # Not yet accepted: running it is refused, in French, and holds nothing.
    early = a_client.data(EXECUTE, input={"jointRunId": run_id})["executeJointRun"]["errors"][0]
    assert early["code"] == "INVALID_STATE" and "pas (encore) accepté" in early["message"]

    theirs = c_client.data(LIST)["jointRuns"]["nodes"]
    assert [(r["role"], r["state"], r["canAnswer"]) for r in theirs] == [("PARTICIPANT", "PROPOSED", True)]
    stranger, _ = chablais.member("Menuiserie du Chablais")
    denied = signed_in(chablais, stranger).data(ACCEPT, input={"jointRunId": theirs[0]["id"]})["acceptJointRun"]
    assert denied["errors"][0]["code"] == "FORBIDDEN"
    accepted = c_client.data(ACCEPT, input={"jointRunId": theirs[0]["id"]})["acceptJointRun"]
    assert accepted["jointRun"]["state"] == "ACCEPTED" and not accepted["jointRun"]["canAnswer"]
    again = c_client.data(DECLINE, input={"jointRunId": theirs[0]["id"]})["declineJointRun"]["errors"][0]
    assert again["code"] == "INVALID_STATE"
    assert [r["state"] for r in a_client.data(LIST)["jointRuns"]["nodes"]] == ["ACCEPTED"]  # the Arve heard it

    done = a_client.data(EXECUTE, input={"jointRunId": run_id})["executeJointRun"]
    assert done["errors"] == [] and done["jointRun"]["state"] == "COMMITTED" and not done["jointRun"]["canRun"]
    assert_cleared(arve, chablais, inv, cleared=True)
    ours, theirs = a_client.data(LIST)["jointRuns"]["nodes"][0], c_client.data(LIST)["jointRuns"]["nodes"][0]
    assert ours["state"] == theirs["state"] == "COMMITTED"
    # Both treasurers' reports agree to the cent; each names its own hub "here".
    assert (ours["grossBefore"], ours["cleared"], ours["clearedBeyondAlone"]) == (
        theirs["grossBefore"], theirs["cleared"], theirs["clearedBeyondAlone"]) == (
        {"amount": "1360.00"}, {"amount": "1020.00"}, {"amount": "900.00"})
    assert (ours["clearedAloneHere"], ours["clearedAloneThere"]) == (theirs["clearedAloneThere"], theirs["clearedAloneHere"])
    assert ours["clearedAloneHere"] == {"amount": "120.00"}
    assert a_client.data(EXECUTE, input={"jointRunId": run_id})["executeJointRun"]["errors"][0]["code"] == "INVALID_STATE"


def test_a_declined_joint_run_reaches_the_coordinator_and_clears_nothing(cycle):  # noqa: F811
    arve, chablais, a_treasurer, c_treasurer, inv = cycle
    a_client, c_client = signed_in(arve, a_treasurer), signed_in(chablais, c_treasurer)
    peer_id = a_client.data("{ peers { id } }")["peers"][0]["id"]
    run_id = a_client.data(PROPOSE, input={"peerId": peer_id})["proposeJointRun"]["jointRun"]["id"]
    theirs = c_client.data(LIST)["jointRuns"]["nodes"][0]["id"]
    declined = c_client.data(DECLINE, input={"jointRunId": theirs})["declineJointRun"]["jointRun"]
    assert (declined["state"], declined["failure"]) == ("ABORTED", "DECLINED")
    ours = a_client.data(LIST)["jointRuns"]["nodes"][0]
    assert (ours["state"], ours["failure"], ours["canRun"]) == ("ABORTED", "DECLINED", False)
    refused = a_client.data(EXECUTE, input={"jointRunId": run_id})["executeJointRun"]["errors"][0]
    assert refused["code"] == "INVALID_STATE"
    assert_cleared(arve, chablais, inv, cleared=False)
