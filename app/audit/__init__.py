"""The audit trail: every administrative or money-shaping change, written in the same
transaction as the change (who, when, which object, the values before and after, the request
id, a reason when one is given). Append-only: `record` is its one writer and only inserts; the
database refuses UPDATE and DELETE (migration 0016); neither the privacy purge nor
anonymisation touch it. Entries hold ids and values, never names: the page shows names through
the member rows, hence a pseudonym once a member is anonymised. Kept ten years, like the
ledger's records.

What is audited (mutation → service → action key, object):
- createMember, createOrganization with a new manager → auth.services.create_member →
  member.created; inviteMember → auth.credentials.invite_member → member.invited, Member (the
  role, credit limit and organisation it was given)
- setCreditLimit → ledger.services.policy.set_credit_limit → ledger.credit_limit_set, Account
- updateLedgerSettings → policy.update_settings → ledger.settings_updated, HubSettings
- reverseTransfer → ledger.services.reversals.reverse_transfer → ledger.transfer_reversed, Transfer
- closeAccount → ledger.services.accounts.close_account → ledger.account_closed, Account
- setMemberRole, setMemberStatus, updateMember → auth.services.update_member → member.role_set,
  member.status_set, Member (updateMember changing both writes one entry of each)
- setMemberRights → organizations.services.set_member_rights → member.rights_set, Member
- setOrganizationStatus → organizations.services.set_organization_status → organization.status_set
- setOrganizationManager → organizations.services.set_organization_manager → organization.manager_set
- setResourceStatus → catalog.services.set_status → catalog.resource_status_set, Resource
- addResourceClosure, removeResourceClosure → catalog.services.add_closure, remove_closure →
  catalog.closure_added, catalog.closure_removed, Resource
- cancelInvoice, correctInvoice → invoices.services → invoice.cancelled, invoice.corrected, Invoice
- settleDispute → skills.fulfilment.settle_dispute → skills.dispute_settled, Job
- postClearing, discardClearing → treasury.runs → clearing.posted, clearing.discarded, ClearingRun
- closePeriod → treasury.periods.close_period → period.closed, PeriodClose
- recordBankTransfer → payments.settlements.record_bank_transfer → payments.bank_transfer_recorded, Account
- claimDeposit, captureDeposit → payments.deposits → payments.deposit_claimed,
  payments.deposit_captured, Booking
- setMembershipFee, recordMembershipFee, updatePaymentSettings → payments.fees →
  payments.membership_fee_set, payments.membership_fee_recorded (Organization),
  payments.settings_updated (PaymentSettings)
- anonymizeMember → privacy.services.anonymize_member → member.anonymised, Member
- registerPeer, updatePeer → federation.peers → federation.peer_registered, federation.peer_updated,
  PeerHub (the credit granted to a peer is its mirror account's limit: ledger.credit_limit_set)

Not audited, on purpose: the members the hub seeds itself (the demo), creating an organisation
for an existing manager and the invitation links (their rows keep who and when), a clearing
proposal (it changes nothing until posted or discarded), releasing a
deposit (nothing is taken), and what members do for themselves (bookings, transfers, invoices:
the ledger and the invoices' own history keep them). A call that changes nothing (the same
role again) writes no entry; a refused one writes none either.
"""
from app.audit.trail import current_request_id, record

__all__ = ["current_request_id", "record"]
