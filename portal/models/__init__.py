"""Domain models. Importing this package registers every table with the metadata."""

from portal.models.comments import Comment, CommentStatus, ContactDetails, ReceiptHandoff
from portal.models.measures import (
    AreaText,
    ContentVersion,
    GlossaryTerm,
    GlossaryText,
    Measure,
    MeasureText,
    PeriodState,
    PriorityArea,
)
from portal.models.moderation import (
    CampaignGroup,
    Channel,
    CityResponse,
    CommentAttachment,
    CommentMeasureLink,
    CommentTranslation,
    ModerationTemplate,
    Redaction,
    ResponseCategory,
    ResultsCorrection,
    TranslationMethod,
)
from portal.models.notices import (
    AnnouncedOpening,
    MailDelivery,
    NoticeEvent,
    NoticeSubscription,
)
from portal.models.staff import AuditRecord, PasswordReset, RecoveryCode, Role, StaffUser
from portal.models.submissions import SubmissionToken

__all__ = [
    "AnnouncedOpening",
    "MailDelivery",
    "NoticeEvent",
    "NoticeSubscription",
    "AuditRecord",
    "CampaignGroup",
    "Channel",
    "CityResponse",
    "CommentAttachment",
    "CommentMeasureLink",
    "CommentTranslation",
    "ModerationTemplate",
    "PasswordReset",
    "RecoveryCode",
    "Redaction",
    "ResponseCategory",
    "ResultsCorrection",
    "Role",
    "StaffUser",
    "SubmissionToken",
    "TranslationMethod",
    "AreaText",
    "ContentVersion",
    "Comment",
    "CommentStatus",
    "ContactDetails",
    "GlossaryTerm",
    "GlossaryText",
    "Measure",
    "MeasureText",
    "PeriodState",
    "PriorityArea",
    "ReceiptHandoff",
]
