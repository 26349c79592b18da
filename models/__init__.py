"""SQLAlchemy models, free of any framework. Importing this package registers every table."""
from models.base import Base, UTCDateTime, utcnow
from models.catalog import (
    ACTIVE_BOOKING_STATUSES,
    PRICE_UNIT_SECONDS,
    Booking,
    BookingSeries,
    BookingStatus,
    CalendarFeed,
    ClosureKind,
    PriceUnit,
    Resource,
    ResourceClosure,
    ResourceKind,
    ResourcePhoto,
    ResourceStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from models.ledger import (
    COMMONS,
    EURO_SETTLEMENT,
    Account,
    AccountKind,
    AccountStatus,
    CreditLimitChange,
    Hold,
    HoldStatus,
    HubSettings,
    Posting,
    Transfer,
    TransferKind,
)
from models.members import (
    ApiToken,
    LoginFailure,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Role,
)
from models.notices import NoticeChannel, Notification, NotificationPreference, OutboxEmail
from models.treasury import (
    AccountStatement,
    ClearingLine,
    ClearingMethod,
    ClearingPosition,
    ClearingRun,
    ClearingRunStatus,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    PeriodClose,
)

__all__ = [name for name in dir() if not name.startswith("_")]
