"""Access table for the register's import and export pages."""
from cxgov.orgs.models import EDIT_REGISTER, READ
from tests.access import Access

PEOPLE_CSV = "email,name,title\r\nann@example.com,Ann Åberg,Lead\r\n".encode("utf-8-sig")


def build(org, world) -> dict[str, int]:
    """A pending (uploaded, not yet confirmed) import of a one-person CSV."""
    from cxgov.register.transfer.services import pending_create

    pending = pending_create(org=org, by=None, data=PEOPLE_CSV, filename="people.csv")
    return {"pending_import": pending.id}


def _pending(ids: dict[str, int]) -> dict[str, int]:
    return {"pending_id": ids["pending_import"]}


ACCESS = {
    "register.export": Access(READ),
    "register.export_xlsx": Access(READ, query={"lang": "nb"}),
    "register.export_csv": Access(READ, query={"table": "touchpoints"}),
    "register.import_upload": Access(EDIT_REGISTER),
    "register.import_preview": Access(EDIT_REGISTER, args=_pending),
    "register.import_confirm": Access(EDIT_REGISTER, "POST", args=_pending),
    "register.import_cancel": Access(EDIT_REGISTER, "POST", args=_pending),
}
