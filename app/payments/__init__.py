"""Euros through Stripe, or recorded bank transfers: settlements and pay-outs (`settlements`),
deposits on equipment (`deposits`), membership fees (`fees`), the state machine every path
shares (`records`), webhooks, reconciliation, receipts; its GraphQL part (`api`), pages
(`views`) and commands (`cli`)."""
