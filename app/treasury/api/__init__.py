"""The treasury's part of the GraphQL schema: `types` (clearing runs), `reports` (dashboard,
impact report), `statements` (period closes), `queries` and `mutations`, assembled by
app.api.schema."""
