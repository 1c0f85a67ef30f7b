"""Access table for the getting-started pages."""
from cxgov.orgs.models import MANAGE
from tests.access import Access

ACCESS = {
    "onboarding.templates": Access(MANAGE, "POST", data=lambda ids: {"template": "retail"}),
}
