"""Import every model module so SQLAlchemy and Alembic see the whole schema."""

from .audit import SecurityEvent  # noqa: F401
from .auth.models import SetPasswordLink, User  # noqa: F401
from .orgs.models import Membership, Organisation, StoredFile  # noqa: F401
from .invitations.models import Invitation  # noqa: F401
from .register.models import (  # noqa: F401
    Channel,
    CxRole,
    DelegatedMandate,
    ImportBatch,
    Journey,
    Person,
    Touchpoint,
)
from .history.models import ChangeLog  # noqa: F401
from .register.transfer.models import PendingImport  # noqa: F401
from .framework.models import FrameworkUpload  # noqa: F401
from .cycles.models import Answer, Cycle, Respondent  # noqa: F401
from .actions.models import Action, ActionCycleLink, ActionNote  # noqa: F401
from .reports.models import ReportDraft, ReportPdfCache, ReportVersion  # noqa: F401
from .mail.models import MailMessage, MailOptOut  # noqa: F401
from .api.models import ApiToken  # noqa: F401
