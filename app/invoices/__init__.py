"""Invoices between members, below the catalogue (a booking left on account is billed here)
and above the ledger (a payment is a ledger transfer)."""
