"""Organisations that run themselves: never without a manager, the role handed over, members
added to an existing organisation with no rights, the profile, and suspension."""
from tests.conftest import GraphQLClient
from tests.organizations.org_helpers import RIGHTS, VIEWER, grant, pay, set_rights, workshop

CREATE_ORGANIZATION = """mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { id name town address status manager { id name } members { name } account { creditLimit { amount } } }
    errors { code field message }
  }
}"""
CREATE_MEMBER = """mutation($input: CreateMemberInput!) {
  createMember(input: $input) {
    member { id name organization { name } rights { canBook canPay } account { kind } }
    errors { code field message }
  }
}"""
SET_MANAGER = """mutation($input: SetOrganizationManagerInput!) {
  setOrganizationManager(input: $input) { organization { manager { name } } errors { code field message } }
}"""
SET_STATUS = """mutation($input: SetMemberStatusInput!) { setMemberStatus(input: $input) { member { status } errors { code field message } } }"""
SET_ORG_STATUS = """mutation($input: SetOrganizationStatusInput!) {
  setOrganizationStatus(input: $input) { organization { status } errors { code message } }
}"""
UPDATE = """mutation($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { name siret town address kind } errors { code field message } }
}"""
NEW_MANAGER = {"name": "Inès Dupont", "email": "ines@example.test", "password": "copeaux-et-sciure"}


def test_an_organisation_is_never_created_without_a_manager(admin_api, make_member, app):
    headless = admin_api.data(CREATE_ORGANIZATION, input={"name": "Chantiers Partagés"})["createOrganization"]
    assert headless["organization"] is None
    assert [(e["code"], e["field"]) for e in headless["errors"]] == [("INVALID", ["managerId"])]
    both = admin_api.data(CREATE_ORGANIZATION, input={
        "name": "Chantiers Partagés", "manager": NEW_MANAGER, "managerId": admin_api.data(VIEWER)["viewer"]["id"],
    })["createOrganization"]
    assert [e["code"] for e in both["errors"]] == ["INVALID"]
    # A new member as manager: they sign in and manage it.
    created = admin_api.data(CREATE_ORGANIZATION, input={
        "name": "Chantiers Partagés", "kind": "ASSOCIATION", "town": "Marnaz", "address": "3 rue des Écoles",
        "creditLimit": "1000.00", "manager": NEW_MANAGER,
    })["createOrganization"]
    assert created["errors"] == []
    organization = created["organization"]
    assert (organization["manager"]["name"], organization["address"], organization["status"]) == (
        "Inès Dupont", "3 rue des Écoles", "ACTIVE",
    )
    assert organization["account"] == {"creditLimit": {"amount": "1000.00"}}
    ines = GraphQLClient(app.test_client()).login("ines@example.test", "copeaux-et-sciure")
    assert ines.data(VIEWER)["viewer"]["account"]["kind"] == "ORGANIZATION"
    # The manager's details are checked as a member's, their errors named under `manager`.
    bad = admin_api.data(CREATE_ORGANIZATION, input={
        "name": "Autre", "manager": {**NEW_MANAGER, "email": "ines@example.test", "password": "court"},
    })["createOrganization"]
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("INVALID", ["manager", "password"])]
    taken = admin_api.data(CREATE_ORGANIZATION, input={"name": "Autre", "manager": NEW_MANAGER})["createOrganization"]
    assert [(e["code"], e["field"]) for e in taken["errors"]] == [("CONFLICT", ["manager", "email"])]


def test_an_existing_member_without_an_organisation_can_be_named_manager(admin_api, make_member, app):
    loner = GraphQLClient(app.test_client()).login(make_member(name="Victor Roux"))
    loner_id = loner.data(VIEWER)["viewer"]["id"]
    created = admin_api.data(CREATE_ORGANIZATION, input={"name": "Paille & Chanvre", "managerId": loner_id})["createOrganization"]
    assert created["errors"] == [] and created["organization"]["manager"]["name"] == "Victor Roux"
    assert created["organization"]["members"] == [{"name": "Victor Roux"}]
    assert loner.data(VIEWER)["viewer"]["organization"]["name"] == "Paille & Chanvre"
    # Someone who already belongs to an organisation cannot head another one.
    again = admin_api.data(CREATE_ORGANIZATION, input={"name": "Autre structure", "managerId": loner_id})["createOrganization"]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("INVALID", ["managerId"])]
    assert "Paille & Chanvre" in again["errors"][0]["message"]


def test_create_member_in_an_existing_organisation_starts_with_no_rights(admin_api, make_member, app):
    w = workshop(app, make_member)
    created = admin_api.data(CREATE_MEMBER, input={
        "email": "lucas@example.test", "name": "Lucas Martin", "password": "copeaux-et-sciure",
        "organizationId": w.organization_id,
    })["createMember"]
    assert created["errors"] == []
    assert created["member"]["organization"] == {"name": "Atelier Bois & Vie"}
    assert created["member"]["rights"] == {"canBook": False, "canPay": False}
    assert created["member"]["account"]["kind"] == "MEMBER"
    # The organisation keeps its manager; adding members never leaves it headless.
    assert w.manager.data(RIGHTS, id=w.manager_id)["node"]["rights"]["isManager"] is True
    unknown = admin_api.data(CREATE_MEMBER, input={
        "email": "x@example.test", "name": "X", "password": "copeaux-et-sciure", "organizationId": "T3JnYW5pemF0aW9uOjk5OTk=",
    })["createMember"]
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [("NOT_FOUND", ["organizationId"])]


def test_the_manager_hands_the_role_over_and_is_never_suspended_before(admin_api, make_member, app):
    w = workshop(app, make_member)
    # The manager cannot be suspended while they manage it: the organisation would be headless.
    refused = admin_api.data(SET_STATUS, input={"memberId": w.manager_id, "status": "SUSPENDED"})["setMemberStatus"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_STATE", ["memberId"])]
    assert "Atelier Bois & Vie" in refused["errors"][0]["message"]
    # Only the manager (or the admin) hands over, and only to a member of the organisation.
    stranger = w.supplier.data(SET_MANAGER, input={"organizationId": w.organization_id, "memberId": w.worker_id})
    assert [e["code"] for e in stranger["setOrganizationManager"]["errors"]] == ["FORBIDDEN"]
    supplier_id = w.supplier.data(VIEWER)["viewer"]["id"]
    outsider = w.manager.data(SET_MANAGER, input={"organizationId": w.organization_id, "memberId": supplier_id})
    assert [(e["code"], e["field"]) for e in outsider["setOrganizationManager"]["errors"]] == [("INVALID", ["memberId"])]
    handed = w.manager.data(SET_MANAGER, input={"organizationId": w.organization_id, "memberId": w.worker_id})
    assert handed["setOrganizationManager"] == {"organization": {"manager": {"name": "Karim Benali"}}, "errors": []}
    # Karim manages it now: he sets rights; Sophie keeps every right, without caps, but no longer sets them.
    former = w.manager.data(RIGHTS, id=w.manager_id)["node"]
    assert former["rights"]["isManager"] is False and former["rights"]["canPay"] and former["rights"]["monthlyCap"] is None
    assert former["account"]["kind"] == "ORGANIZATION"
    assert [e["code"] for e in set_rights(w.manager, w.worker_id, canBook=True)["errors"]] == ["FORBIDDEN"]
    grant(w.worker, w.manager_id, canBook=True, monthlyCap="100")
    # And now Sophie can be suspended.
    done = admin_api.data(SET_STATUS, input={"memberId": w.manager_id, "status": "SUSPENDED"})["setMemberStatus"]
    assert done == {"member": {"status": "SUSPENDED"}, "errors": []}


def test_the_manager_edits_the_profile(app, make_member):
    w = workshop(app, make_member)
    result = w.manager.data(UPDATE, input={
        "organizationId": w.organization_id, "address": "ZA des Valignons", "siret": "7456 7891 2000 15", "kind": "INSERTION",
    })["updateOrganization"]
    assert result == {"organization": {
        "name": "Atelier Bois & Vie", "siret": "74567891200015", "town": None, "address": "ZA des Valignons", "kind": "INSERTION",
    }, "errors": []}
    bad = w.manager.data(UPDATE, input={"organizationId": w.organization_id, "siret": "12345678901234"})["updateOrganization"]
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("INVALID", ["siret"])]
    taken = w.manager.data(UPDATE, input={"organizationId": w.organization_id, "name": "Scierie du Giffre"})["updateOrganization"]
    assert [(e["code"], e["field"]) for e in taken["errors"]] == [("CONFLICT", ["name"])]
    renamed = w.manager.data(UPDATE, input={"organizationId": w.organization_id, "name": "Bois & Vie"})["updateOrganization"]
    assert renamed["errors"] == [] and w.manager.data(VIEWER)["viewer"]["account"]["name"] == "Bois & Vie"
    refused = w.worker.data(UPDATE, input={"organizationId": w.organization_id, "name": "Pirates"})["updateOrganization"]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]


def test_nobody_acts_for_a_suspended_organisation(admin_api, make_member, app):
    w = workshop(app, make_member)
    grant(w.manager, w.worker_id, canPay=True)
    refused = w.manager.data(SET_ORG_STATUS, input={"organizationId": w.organization_id, "status": "SUSPENDED"})
    assert [e["code"] for e in refused["setOrganizationStatus"]["errors"]] == ["FORBIDDEN"]
    done = admin_api.data(SET_ORG_STATUS, input={"organizationId": w.organization_id, "status": "SUSPENDED"})
    assert done["setOrganizationStatus"] == {"organization": {"status": "SUSPENDED"}, "errors": []}
    for client in (w.manager, w.worker):
        paid = pay(client, w.supplier_account_id, "1.00")
        assert [e["code"] for e in paid["errors"]] == ["FORBIDDEN"] and "suspendue" in paid["errors"][0]["message"]
    admin_api.data(SET_ORG_STATUS, input={"organizationId": w.organization_id, "status": "ACTIVE"})
    assert pay(w.worker, w.supplier_account_id, "1.00")["errors"] == []
