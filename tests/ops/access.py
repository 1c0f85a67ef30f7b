"""Access table for the organisation export download (consultants only)."""
from cxgov.orgs.models import Role
from tests.access import Access

ACCESS = {
    "transfer.export": Access(frozenset({Role.CONSULTANT})),
}
