"""SQLAlchemy models, free of any framework. Importing this package registers every table."""
from models.audit import AuditEntry
from models.base import Base, UTCDateTime, utcnow
from models.catalog import (
    ACTIVE_BOOKING_STATUSES,
    PRICE_UNIT_SECONDS,
    Booking,
    BookingPhoto,
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
    LoginThrottle,
    Member,
    MemberRights,
    MemberStatus,
    MemberToken,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Role,
    TokenPurpose,
)
from models.notices import NoticeChannel, Notification, NotificationPreference, OutboxEmail
from models.payments import (
    DepositMode,
    MembershipFee,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentSettings,
    PaymentStatus,
    Reconciliation,
    StripeEvent,
)
from models.skills import (
    Job,
    JobEvent,
    JobEventKind,
    JobQuote,
    JobRating,
    JobSide,
    JobStatus,
    SeatStatus,
    SkillDelivery,
    SkillOffer,
    SkillOfferProvider,
    SkillPricing,
    TrainingSeat,
    TrainingSession,
)
from models.treasury import (
    AccountStatement,
    ClearingLine,
    ClearingMethod,
    ClearingPosition,
    ClearingRun,
    ClearingRunStatus,
    Invoice,
    InvoiceEvent,
    InvoiceEventKind,
    InvoicePayment,
    InvoiceStatus,
    PeriodClose,
)

__all__ = [name for name in dir() if not name.startswith("_")]
