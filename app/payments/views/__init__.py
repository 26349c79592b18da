"""Pages of the payments, on one blueprint: the treasurer's list and CSV (`treasurer`), settling
by card, the card form and receipts (`cards`), deposits (`deposits`), membership fees (`fees`),
and Stripe's webhook (`webhook`). Importing this package registers every route."""
from app.payments.views import cards, deposits, fees, treasurer, webhook
from app.payments.views.common import bp

__all__ = ["bp", "cards", "deposits", "fees", "treasurer", "webhook"]
