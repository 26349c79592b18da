"""The payments' part of the GraphQL schema: `types` (Payment, MembershipFee, PaymentConfig),
`queries` (payments, paymentConfig, the Payment node, and the fields it answers on Member,
Booking and Organization) and `mutations`, assembled by app.api.schema."""
