"""Moved to app.invoices.services (invoices are a slice of their own, below the catalogue).
Kept only while app.catalog.bookings and tests/web/test_pages.py still import from here:
delete once they import app.invoices.services."""
from app.invoices.services import invoice_booking, issue_invoice

__all__ = ["invoice_booking", "issue_invoice"]
