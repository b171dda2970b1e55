"""Core's models. Importing this package registers them on ``Base.metadata``."""

from core.models.accounts import AuthSession, FailedLogin, Membership, Role, Team, TeamMember, User
from core.models.base import Base, HasCustomValues, JSONDocument, TenantOwned, as_utc, utcnow
from core.models.history import Attachment, Event
from core.models.jobs import Job, JobState, JobWorker, PeriodicRun
from core.models.tenancy import Tenant, TenantPlugin

__all__ = [
    "Attachment",
    "AuthSession",
    "Base",
    "Event",
    "FailedLogin",
    "HasCustomValues",
    "JSONDocument",
    "Job",
    "JobState",
    "JobWorker",
    "Membership",
    "PeriodicRun",
    "Role",
    "Team",
    "TeamMember",
    "Tenant",
    "TenantOwned",
    "TenantPlugin",
    "User",
    "as_utc",
    "utcnow",
]
