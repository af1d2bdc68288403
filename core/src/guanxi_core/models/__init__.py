"""The core's closed tables. Plugins never subclass or patch them; they add extension tables."""

from guanxi_core.models._common import UTCDateTime, utcnow
from guanxi_core.models.accounts import Team, User, UserRole
from guanxi_core.models.activities import Activity
from guanxi_core.models.audit import AuditEntry
from guanxi_core.models.customers import Affiliation, Customer, CustomerKind, CustomerTag, Tag
from guanxi_core.models.jobs import JobRun
from guanxi_core.models.system import PluginState

__all__ = [
    "Activity",
    "Affiliation",
    "AuditEntry",
    "Customer",
    "CustomerKind",
    "CustomerTag",
    "JobRun",
    "PluginState",
    "Tag",
    "Team",
    "UTCDateTime",
    "User",
    "UserRole",
    "utcnow",
]
