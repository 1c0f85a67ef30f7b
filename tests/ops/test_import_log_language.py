"""An organisation import refused for a Swedish user: the user reads Swedish, the security log
English (cxgov.audit.LOG_LANGUAGE), whichever check refused the file, its nested reasons included."""

from __future__ import annotations

import base64
import io
from datetime import date
import logging

import pytest
from flask_babel import force_locale
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import select

from cxgov.audit import SecurityEvent
from cxgov.auth.models import User
from cxgov.extensions import db
from cxgov.orgs.models import Membership, Role
from cxgov.register.models import CxRole, Person
from cxgov.ops.transfer import org_export
from tests.ops.test_transfer import _import_cli, _small_org, file_of, payload_of


def _not_an_image(payload):
    """The logo's stored bytes are no image (the upload check's reason, nested)."""
    stored = payload["tables"]["stored_file"]
    stored["rows"][0][stored["columns"].index("data")] = base64.b64encode(b"no image at all").decode()


def _bad_user(payload):
    """A user whose e-mail is no address (the account check's reason, nested)."""
    payload["users"].append({"id": 999999, "email": "not an address", "name": "Nobody"})


def _role_ends_before_it_starts(payload):
    """A CX role whose end date is before its start (the register's own rule and words, nested)."""
    roles = payload["tables"]["cx_role"]
    roles["rows"][0][roles["columns"].index("until")] = "2020-01-01"


def _newer(payload):
    payload["version"] = 99


CASES = {"not gzip": None, "newer version": _newer, "logo not an image": _not_an_image, "bad user": _bad_user,
         "register rule": _role_ends_before_it_starts}

#: What the English reason says, nested reasons included.
EXPECTED = {"not gzip": "not a cxgov organisation export", "newer version": "made by a newer cxgov",
            "logo not an image": "is refused: The file is not a PNG or JPEG image.",
            "bad user": "cannot be created: Not a valid e-mail address",
            "register rule": "The end date cannot be before the start date."}


def _refusal(runner, data, tmp_path, lang, slug):
    """Import ``data`` from the CLI in ``lang``; return (what the user read, the event's detail, the log line)."""
    result = _import_cli(runner, data, tmp_path, "--slug", slug, env={"CXGOV_LANG": lang})
    assert result.exit_code == 1, result.output
    db.session.rollback()
    event = db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "org_import")
                               .order_by(SecurityEvent.id.desc())).first()
    assert event.result == "refused"
    # the output also holds the security log's own line (stderr): the user's is the error line
    (said,) = [line for line in result.output.splitlines() if line.startswith(("Error: ", "Fel: "))]
    return said, event.detail


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_user_reads_their_language_and_the_log_english(app, runner, make_org, make_member, tmp_path,
                                                            caplog, case):
    org = _small_org(make_org, make_member)
    person = Person(org_id=org.id, name="Ada Ambassador")
    db.session.add(person)
    db.session.flush()
    db.session.add(CxRole(org_id=org.id, person_id=person.id, role="ambassador", since=date(2026, 1, 1)))
    db.session.commit()
    payload = payload_of(org_export(org=org))
    db.session.commit()
    change = CASES[case]
    if change is None:
        data = b"PK\x03\x04 a zip file perhaps"
    else:
        change(payload)
        data = file_of(payload)
    english_said, english_logged = _refusal(runner, data, tmp_path, "en", "refused-en")
    with caplog.at_level(logging.INFO, logger="cxgov.security"):
        swedish_said, swedish_logged = _refusal(runner, data, tmp_path, "sv", "refused-sv")
    assert english_said.startswith("Error: ") and swedish_said.startswith("Fel: "), swedish_said
    reason = english_said.removeprefix("Error: ")
    assert EXPECTED[case] in reason, reason
    assert reason not in swedish_said  # the Swedish user reads Swedish ...
    assert swedish_logged == english_logged == f"in.cxgov.json.gz: {reason}"  # ... the log one wording
    lines = [r.getMessage() for r in caplog.records if "action=org_import" in r.getMessage()]
    assert lines and all(reason in line for line in lines)  # the English and the Swedish user's


def test_the_import_page_shows_swedish_and_logs_english(app, client, make_org, make_member, make_user, login,
                                                        caplog):
    org = _small_org(make_org, make_member)
    consultant = db.session.scalar(select(User).join(Membership).where(
        Membership.org_id == org.id, Membership.role == Role.CONSULTANT))
    consultant.language = "sv"
    payload = payload_of(org_export(org=org))
    _not_an_image(payload)
    db.session.commit()
    login(client, consultant)
    with caplog.at_level(logging.INFO, logger="cxgov.security"):
        page = client.post("/orgs/import", data={"file": (io.BytesIO(file_of(payload)), "small.cxgov.json.gz"),
                                                 "slug": "copy"}, content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="sv"' in text
    english = "The export's stored file logo.png is refused: The file is not a PNG or JPEG image."
    assert "The file is not a PNG or JPEG image" not in text
    with force_locale("sv"):
        swedish = gettext("The file is not a PNG or JPEG image.")
    assert swedish != "The file is not a PNG or JPEG image." and escape(swedish) in text
    db.session.rollback()
    (event,) = db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "org_import")).all()
    assert event.result == "refused" and event.detail == f"small.cxgov.json.gz: {english}"
    assert any(english in r.getMessage() for r in caplog.records if "action=org_import" in r.getMessage())
