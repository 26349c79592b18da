"""The invoices' part of the GraphQL schema: `types` (Invoice, InvoiceParty), `queries`
(invoices, invoiceCounterparties, the Invoice node) and `mutations` (issue, accept, reject,
pay, cancel), assembled by app.api.schema."""
