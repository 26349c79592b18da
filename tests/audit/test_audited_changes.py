"""Each audited mutation, run through the API, leaves exactly one entry (its action, object,
values before and after, the request id); a refused one leaves none and changes nothing."""
import datetime as dt

import pytest

from models import Role
from tests.api.catalog_helpers import base_time, create_resource, signed_in
from tests.audit.audit_helpers import mutate, ok, pk, trail, viewer
from tests.conftest import GraphQLClient


@pytest.fixture
def people(app, make_member, treasurer_api, admin_api):
    """A treasurer, an admin, and two firms' managers (credit limit 1 000,00 each)."""
    return {
        "treasurer": treasurer_api,
        "admin": admin_api,
        "a": signed_in(app, make_member, "Bois & Vie", credit_limit=100_000, name="Sophie Gay"),
        "b": signed_in(app, make_member, "Scierie du Giffre", credit_limit=100_000, name="Marc Duret"),
    }


def only_entry(app, before_count: int) -> dict:
    entries = trail(app)
    assert len(entries) == before_count + 1, entries[before_count:]
    return entries[-1]


def test_a_credit_limit_change_leaves_one_entry_with_its_request_id(app, people):
    account_id = viewer(people["a"])["account"]["id"]
    treasurer_id = pk(viewer(people["treasurer"])["id"])
    ok(people["treasurer"], "setCreditLimit", accountId=account_id, creditLimit="300.00", reason="Retards",
       request_id="req-limit-1")
    entry = only_entry(app, 0)
    assert entry["action"] == "ledger.credit_limit_set"
    assert (entry["object_type"], entry["object_id"]) == ("Account", pk(account_id))
    assert entry["before"] == {"credit_limit": 100_000, "balance_cap": None}
    assert entry["after"] == {"credit_limit": 30_000, "balance_cap": None}
    assert entry["actor_id"] == treasurer_id and entry["request_id"] == "req-limit-1" and entry["reason"] == "Retards"
    assert entry["created_at"].tzinfo is not None


def test_refused_changes_leave_no_entry_and_change_nothing(app, people):
    account_id = viewer(people["a"])["account"]["id"]
    assert mutate(people["b"], "setCreditLimit", accountId=account_id, creditLimit="0")["errors"][0]["code"] == "FORBIDDEN"
    assert mutate(people["treasurer"], "setCreditLimit", accountId=account_id, creditLimit="-5")["errors"][0]["code"] == "INVALID"
    a_id = viewer(people["a"])["id"]
    assert mutate(people["treasurer"], "setMemberRole", memberId=a_id, role="ADMIN")["errors"][0]["code"] == "FORBIDDEN"
    assert mutate(people["admin"], "anonymizeMember", memberId=viewer(people["admin"])["id"])["errors"][0]["code"] == "INVALID"
    assert trail(app) == []
    limit = people["a"].data("{ viewer { account { creditLimit { amount } } } }")["viewer"]["account"]["creditLimit"]
    assert limit["amount"] == "1000.00"


def test_member_role_status_rights_and_organisation(app, people, make_member):
    admin, a = people["admin"], people["a"]
    me = viewer(a)
    colleague = GraphQLClient(app.test_client()).login(make_member(name="Karim Benali", organization="Bois & Vie"))
    colleague_id = viewer(colleague)["id"]
    org_id = me["organization"]["id"]

    ok(admin, "setMemberRole", memberId=colleague_id, role="TREASURER")
    entry = only_entry(app, 0)
    assert (entry["action"], entry["before"], entry["after"]) == ("member.role_set", {"role": "MEMBER"}, {"role": "TREASURER"})
    assert entry["subject_member_id"] == pk(colleague_id)
    ok(admin, "setMemberRole", memberId=colleague_id, role="TREASURER")  # the same role again: nothing changes
    assert len(trail(app)) == 1

    ok(admin, "setMemberStatus", memberId=colleague_id, status="SUSPENDED")
    entry = only_entry(app, 1)
    assert (entry["action"], entry["before"], entry["after"]) == ("member.status_set", {"status": "ACTIVE"}, {"status": "SUSPENDED"})
    ok(admin, "setMemberStatus", memberId=colleague_id, status="ACTIVE")

    ok(a, "setMemberRights", memberId=colleague_id, canBook=True, bookingCap="200.00")
    entry = only_entry(app, 3)
    assert entry["action"] == "member.rights_set" and entry["actor_id"] == pk(me["id"])
    assert entry["before"]["can_book"] is False and entry["after"]["can_book"] is True
    assert entry["after"]["booking_cap"] == 20_000

    ok(admin, "setOrganizationStatus", organizationId=org_id, status="SUSPENDED")
    entry = only_entry(app, 4)
    assert (entry["action"], entry["object_type"], entry["after"]) == ("organization.status_set", "Organization", {"status": "SUSPENDED"})
    ok(admin, "setOrganizationStatus", organizationId=org_id, status="ACTIVE")

    ok(admin, "setOrganizationManager", organizationId=org_id, memberId=colleague_id)
    entry = only_entry(app, 6)
    assert entry["action"] == "organization.manager_set"
    assert (entry["before"], entry["after"]) == ({"manager_id": pk(me["id"])}, {"manager_id": pk(colleague_id)})


def test_adding_a_member_by_form_or_invitation_is_audited(app, people):
    """Who added whom, with the role, the credit limit and the organisation; a manager's
    invitation is theirs. Members the hub seeds itself (demo, fixtures) leave no entry."""
    admin, a = people["admin"], people["a"]
    added = ok(admin, "createMember", fields="member { id organization { id } }", email="tresor@example.test",
               name="Lise Trésor", password="0123456789ab", role="TREASURER", organizationName="Trésorerie du Giffre",
               creditLimit="500.00")["member"]
    entry = only_entry(app, 0)
    assert (entry["action"], entry["object_type"], entry["object_id"]) == ("member.created", "Member", pk(added["id"]))
    assert entry["before"] is None and entry["subject_member_id"] == pk(added["id"])
    assert entry["after"] == {"role": "TREASURER", "credit_limit": 50_000, "organization_id": pk(added["organization"]["id"])}
    assert entry["actor_id"] == pk(viewer(admin)["id"])

    own = viewer(a)["organization"]["id"]
    invited = ok(a, "inviteMember", fields="member { id }", email="karim.new@example.test", name="Karim Nouveau",
                 organizationId=own)["member"]
    entry = only_entry(app, 1)
    assert (entry["action"], entry["object_id"], entry["actor_id"]) == ("member.invited", pk(invited["id"]), pk(viewer(a)["id"]))
    assert entry["after"] == {"role": "MEMBER", "credit_limit": 0, "organization_id": pk(own)}

    assert mutate(admin, "createMember", email="tresor@example.test", name="Lise", password="0123456789ab")["errors"]
    assert len(trail(app)) == 2  # refused: no entry

    organization = ok(admin, "createOrganization", fields="organization { id manager { id } }", name="Menuiserie Neuve",
                      manager={"name": "Paul Neuf", "email": "paul@example.test", "password": "0123456789ab"})["organization"]
    entry = only_entry(app, 2)
    assert (entry["action"], entry["object_id"]) == ("member.created", pk(organization["manager"]["id"]))
    assert entry["after"] == {"role": "MEMBER", "credit_limit": 0, "organization_id": pk(organization["id"])}


def test_ledger_settings_reversal_closing_and_bank_transfers(app, people, make_member):
    treasurer, a, b = people["treasurer"], people["a"], people["b"]
    ok(treasurer, "updateLedgerSettings", transferFeePercent="1.5", warningLevelPercent=70)
    entry = only_entry(app, 0)
    assert entry["action"] == "ledger.settings_updated" and entry["object_type"] == "HubSettings"
    assert entry["before"] == {"transfer_fee_bps": 0, "transfer_fee_min": 0, "warning_level_percent": 80}
    assert entry["after"] == {"transfer_fee_bps": 150, "transfer_fee_min": 0, "warning_level_percent": 70}

    b_account = viewer(b)["account"]["id"]
    paid = ok(a, "transfer", fields="transfer { id }", toAccountId=b_account, amount="40.00")["transfer"]
    assert len(trail(app)) == 1  # a member's own payment is the ledger's, not the trail's
    ok(treasurer, "reverseTransfer", transferId=paid["id"], memo="Erreur de saisie")
    entry = only_entry(app, 1)
    assert (entry["action"], entry["object_type"], entry["object_id"]) == ("ledger.transfer_reversed", "Transfer", pk(paid["id"]))
    assert entry["before"]["reversed_by"] is None and entry["after"]["reversed_by"] is not None
    assert entry["reason"] == "Erreur de saisie"

    ok(treasurer, "recordBankTransfer", accountId=b_account, amount="25.00", direction="IN", reference="VIR 2026-118")
    entry = only_entry(app, 2)
    assert entry["action"] == "payments.bank_transfer_recorded" and entry["object_id"] == pk(b_account)
    assert entry["before"] is None and entry["after"]["amount"] == 2500 and entry["after"]["direction"] == "IN"

    empty = GraphQLClient(app.test_client()).login(make_member(name="Sans Solde"))
    empty_account = viewer(empty)["account"]["id"]
    ok(treasurer, "closeAccount", accountId=empty_account)
    entry = only_entry(app, 3)
    assert (entry["action"], entry["before"], entry["after"]) == ("ledger.account_closed", {"status": "OPEN"}, {"status": "CLOSED"})
    assert mutate(treasurer, "closeAccount", accountId=empty_account)["errors"][0]["code"] == "INVALID_STATE"
    assert len(trail(app)) == 4


def test_resource_status_and_closures(app, people):
    a = people["a"]
    resource = create_resource(a, kind="TOOL", title="Scie mobile", price="20.00", priceUnit="DAY")
    ok(a, "setResourceStatus", resourceId=resource["id"], status="MAINTENANCE", reason="Lame à changer")
    entry = only_entry(app, 0)
    assert entry["action"] == "catalog.resource_status_set" and entry["object_id"] == pk(resource["id"])
    assert entry["before"] == {"status": "AVAILABLE"} and entry["after"] == {"status": "MAINTENANCE", "cancelled_bookings": 0}
    ok(a, "setResourceStatus", resourceId=resource["id"], status="AVAILABLE")

    start = base_time(20)
    closure = ok(a, "addResourceClosure", fields="closure { id }", resourceId=resource["id"], start=start.isoformat(),
                 end=(start + dt.timedelta(days=2)).isoformat(), reason="Congés")["closure"]
    entry = only_entry(app, 2)
    assert entry["action"] == "catalog.closure_added" and entry["before"] is None
    assert dt.datetime.fromisoformat(entry["after"]["start"]) == start
    ok(a, "removeResourceClosure", closureId=closure["id"])
    entry = only_entry(app, 3)
    assert entry["action"] == "catalog.closure_removed" and entry["after"] is None and entry["before"]["kind"] == "CLOSED"
    assert mutate(people["b"], "setResourceStatus", resourceId=resource["id"], status="RETIRED")["errors"][0]["code"] == "FORBIDDEN"
    assert len(trail(app)) == 4


def test_invoice_cancellation_and_correction(app, people):
    treasurer, a, b = people["treasurer"], people["a"], people["b"]
    debtor = viewer(b)["account"]["id"]

    def issue(amount):
        return ok(a, "issueInvoice", fields="invoice { id }", debtorAccountId=debtor, amount=amount, memo="Sciage")["invoice"]

    first, second = issue("120.00"), issue("80.00")
    ok(treasurer, "correctInvoice", invoiceId=first["id"], amount="100.00", reason="Remise accordée")
    entry = only_entry(app, 0)
    assert (entry["action"], entry["object_type"], entry["object_id"]) == ("invoice.corrected", "Invoice", pk(first["id"]))
    assert (entry["before"]["amount"], entry["after"]["amount"]) == (12_000, 10_000)
    assert entry["reason"] == "Remise accordée"
    assert mutate(treasurer, "cancelInvoice", invoiceId=second["id"])["errors"][0]["code"] == "INVALID"  # no reason
    ok(treasurer, "cancelInvoice", invoiceId=second["id"], reason="Doublon")
    entry = only_entry(app, 1)
    assert (entry["action"], entry["before"]["status"], entry["after"]["status"]) == ("invoice.cancelled", "ISSUED", "CANCELLED")


def test_membership_fees_and_payment_settings(app, people):
    admin, treasurer = people["admin"], people["treasurer"]
    org_id = viewer(people["a"])["organization"]["id"]
    ok(admin, "setMembershipFee", organizationId=org_id, amount="150.00")
    entry = only_entry(app, 0)
    assert (entry["action"], entry["before"], entry["after"]) == ("payments.membership_fee_set", None, {"yearly_amount": 15_000})
    ok(treasurer, "recordMembershipFee", organizationId=org_id, reference="VIR COTIS 2026")
    entry = only_entry(app, 1)
    assert entry["action"] == "payments.membership_fee_recorded" and entry["after"]["amount"] == 15_000
    ok(admin, "updatePaymentSettings", feeOverdueBlocksBookings=True)
    entry = only_entry(app, 2)
    assert entry["action"] == "payments.settings_updated" and entry["object_type"] == "PaymentSettings"
    assert entry["before"]["fee_overdue_blocks_bookings"] is False and entry["after"]["fee_overdue_blocks_bookings"] is True
    assert mutate(treasurer, "setMembershipFee", organizationId=org_id, amount="1.00")["errors"][0]["code"] == "FORBIDDEN"
    assert len(trail(app)) == 3


def test_clearing_post_and_discard_and_period_close(app, people):
    treasurer, a, b = people["treasurer"], people["a"], people["b"]
    a_account, b_account = viewer(a)["account"]["id"], viewer(b)["account"]["id"]
    for creditor, debtor_client, debtor in ((a, b, b_account), (b, a, a_account)):
        invoice = ok(creditor, "issueInvoice", fields="invoice { id }", debtorAccountId=debtor, amount="50.00")["invoice"]
        ok(debtor_client, "acceptInvoice", input_type="InvoiceActionInput", invoiceId=invoice["id"])
    run = ok(treasurer, "proposeClearing", fields="run { id }")["run"]
    assert trail(app) == []  # a proposal changes nothing
    ok(treasurer, "discardClearing", input_type="ClearingRunInput", runId=run["id"])
    entry = only_entry(app, 0)
    assert (entry["action"], entry["object_type"], entry["after"]) == ("clearing.discarded", "ClearingRun", {"status": "DISCARDED"})
    run = ok(treasurer, "proposeClearing", fields="run { id }")["run"]
    ok(treasurer, "postClearing", input_type="ClearingRunInput", runId=run["id"])
    entry = only_entry(app, 1)
    assert entry["action"] == "clearing.posted" and entry["after"] == {"status": "POSTED", "cleared": 10_000}
    assert mutate(treasurer, "postClearing", input_type="ClearingRunInput", runId=run["id"])["errors"][0]["code"] == "INVALID_STATE"
    assert len(trail(app)) == 2


def test_settling_a_dispute(app, make_member):
    from tests.skills.skills_helpers import delivered, make_market
    from tests.skills.skills_helpers import ok as job_ok

    market = make_market(app, make_member)
    job = delivered(market)
    job_ok(market.client, "disputeJob", jobId=job["id"], reason="Travail incomplet")
    job_ok(market.treasurer, "settleDispute", jobId=job["id"], amount="500.00", decision="Partagé")
    [entry] = trail(app)
    assert (entry["action"], entry["object_type"], entry["object_id"]) == ("skills.dispute_settled", "Job", pk(job["id"]))
    assert entry["before"] == {"status": "DISPUTED", "settled_amount": None}
    assert entry["after"] == {"status": "SETTLED", "settled_amount": 50_000} and entry["reason"] == "Partagé"


def test_anonymisation_is_audited_and_keeps_the_entries(app, people):
    admin, treasurer, a = people["admin"], people["treasurer"], people["a"]
    me = viewer(a)
    ok(treasurer, "setCreditLimit", accountId=me["account"]["id"], creditLimit="200.00")
    ok(admin, "anonymizeMember", memberId=me["id"])
    entries = trail(app)
    assert [e["action"] for e in entries] == ["ledger.credit_limit_set", "member.anonymised"]
    assert entries[1]["subject_member_id"] == pk(me["id"]) and entries[1]["after"] == {"status": "LEFT"}
    assert "Sophie" not in str(entries)
    [member_entry] = treasurer.data(
        "query($id: ID!) { auditEntries(objectId: $id) { nodes { summary subject { name } } } }", id=me["id"]
    )["auditEntries"]["nodes"]
    assert member_entry["subject"]["name"].startswith("Ancien membre n°")
    assert "Ancien membre n°" in member_entry["summary"] and "Sophie" not in member_entry["summary"]


@pytest.mark.parametrize("role", [Role.TREASURER, Role.ADMIN])
def test_only_the_treasurer_and_the_admin_read_the_trail(app, make_member, member_api, role):
    reader = GraphQLClient(app.test_client()).login(make_member(role=role))
    assert reader.data("{ auditEntries { totalCount } }")["auditEntries"]["totalCount"] == 0
    body = member_api.gql("{ auditEntries { totalCount } auditActors { id } }")
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
