"""Finding 8: a register CSV whose first line is over 128 KiB gave a 500 (csv field limit)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from cxgov.orgs.models import Role
from cxgov.register.transfer import spreadsheet as s
from cxgov.register.transfer.models import PendingImport

LONG_HEADER = b"email," + b"n" * (130 * 1024) + b"\r\nx@example.com,Name\r\n"
LONG_QUOTED_HEADER = b'email,"' + b"n" * (130 * 1024) + b'"\r\n'
WIDE_HEADER = b",".join(b"c%d" % i for i in range(300)) + b"\r\n"
LONG_CELL = b"email,name\r\nx@example.com," + b"n" * (300 * 1024) + b"\r\n"


@pytest.mark.parametrize("data, message", [
    (LONG_HEADER, "header line is longer"), (LONG_QUOTED_HEADER, "header line is longer"),
    (WIDE_HEADER, "more than 200 columns"), (LONG_CELL, "longer than"),
])
def test_oversized_csv_is_refused_with_a_clear_message(app, data, message):
    with pytest.raises(s.SpreadsheetError, match=message):
        s.check_file(s.read_file(data, filename="people.csv"))


def test_oversized_csv_upload_is_a_400_with_the_reason(app, db, client, make_org, make_member, login):
    org = make_org()
    login(client, make_member(org, Role.AMBASSADOR))
    response = client.post(f"/o/{org.slug}/register/import",
                           data={"file": (io.BytesIO(LONG_HEADER), "people.csv"), "table": ""},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "header line is longer" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0
