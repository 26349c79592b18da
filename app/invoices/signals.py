"""Moments of an invoice's life that slices above the invoices act on, without the invoices
knowing them. Receivers run inside the invoice's transaction.

- `invoice_answered(sender, session, invoice)`: the debtor accepted or rejected an invoice
  (app.federation tells the creditor's hub when the creditor is a member of a peer hub).
"""
from blinker import Namespace

_signals = Namespace()

invoice_answered = _signals.signal("invoice-answered")
