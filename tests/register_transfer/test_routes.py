"""The import and export pages: upload, problems, preview, confirm, re-preview, cancel, downloads."""
from __future__ import annotations

import io
import re
import threading

import openpyxl
import pytest
from sqlalchemy import func, select, update

from cxgov.audit import SecurityEvent
from cxgov.history.models import ChangeLog
from cxgov.orgs.models import Role
from cxgov.register.models import ImportBatch, Person, Touchpoint
from cxgov.register.transfer import services
from cxgov.register.transfer.models import PendingImport
from cxgov.register.transfer.services import pending_close, pending_create
from tests.register_transfer.helpers import small_tables, xlsx


@pytest.fixture
def org(make_org):
    return make_org()


@pytest.fixture
def ambassador(org, make_member, client, login):
    user = make_member(org, Role.AMBASSADOR)
    login(client, user)
    return user


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def open_pending(db) -> int:
    """Count the uploads that can still be confirmed (closed ones stay, without their bytes)."""
    return db.session.scalar(select(func.count()).select_from(PendingImport).where(PendingImport.state == "open"))


def upload(client, org, data: bytes, filename: str = "register.xlsx", table: str = ""):
    return client.post(f"/o/{org.slug}/register/import",
                       data={"file": (io.BytesIO(data), filename), "table": table},
                       content_type="multipart/form-data")


def digest_of(html: str) -> str:
    return re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', html).group(1)


def test_preview_then_confirm_applies(db, client, org, ambassador):
    response = upload(client, org, xlsx(small_tables()))
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Review the import" in html and "Sign the contract (Move in · Web)" in html
    assert 'data-testid="count-added">10<' in html
    assert count(db, Touchpoint) == 0  # nothing written before the confirmation
    pending_id = db.session.scalar(select(PendingImport.id))
    done = client.post(f"/o/{org.slug}/register/import/{pending_id}/confirm", data={"digest": digest_of(html)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/o/{org.slug}/register/")
    db.session.rollback()
    assert count(db, Touchpoint) == 2 and open_pending(db) == 0
    batch = db.session.scalar(select(ImportBatch))
    assert batch.user_id == ambassador.id and batch.rows_added == 10 and batch.filename == "register.xlsx"
    assert count(db, ChangeLog) == 10
    assert "10 added" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_register_changed_between_preview_and_confirm_shows_the_new_preview(db, client, org, ambassador):
    upload(client, org, xlsx(small_tables()))
    pending_id = db.session.scalar(select(PendingImport.id))
    html = client.get(f"/o/{org.slug}/register/import/{pending_id}").get_data(as_text=True)
    seen = digest_of(html)
    db.session.add(Person(org_id=org.id, name="Ann from the UI", email="ann@example.com", title="", department=""))
    db.session.commit()  # someone adds Ann meanwhile: the import now changes her instead of adding her
    response = client.post(f"/o/{org.slug}/register/import/{pending_id}/confirm", data={"digest": seen})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The register changed since you opened the preview." in html
    assert "Ann from the UI" in html and 'data-testid="count-added">9<' in html
    db.session.rollback()
    assert count(db, Touchpoint) == 0 and count(db, ImportBatch) == 0
    response = client.post(f"/o/{org.slug}/register/import/{pending_id}/confirm", data={"digest": digest_of(html)})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Person.name).where(Person.email == "ann@example.com")) == "Ann Åberg"


def test_a_file_with_problems_lists_them_and_stores_nothing(db, client, org, ambassador):
    tables = small_tables()
    tables["touchpoints"][1][1] = "Fax"
    tables["people"][1][4] = "maybe"
    response = upload(client, org, xlsx(tables))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2 problems were found. Nothing was changed in the register." in html
    assert "unknown channel “Fax”" in html and "not yes or no: “maybe”" in html
    assert count(db, PendingImport) == 0 and count(db, Person) == 0


@pytest.mark.parametrize("data, filename, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "register.xlsx", "This is not a spreadsheet"),
    (b"\x00\x01\x02binary", "people.csv", "This is not a spreadsheet"),
    ("email,name\r\nå@x.se,Å\r\n".encode("cp1252"), "people.csv", "not UTF-8"),
])
def test_fake_files_are_refused_with_a_message(db, client, org, ambassador, data, filename, message):
    response = upload(client, org, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, PendingImport) == 0


@pytest.mark.app_config(MAX_CONTENT_LENGTH=1024)
def test_upload_over_the_request_limit_is_refused(db, client, org, ambassador):
    response = upload(client, org, b"email,name\r\n" + b"x" * 4096, "people.csv")
    assert response.status_code == 413
    assert count(db, PendingImport) == 0


def test_cancel_forgets_the_upload(db, client, org, ambassador):
    upload(client, org, xlsx(small_tables()))
    pending_id = db.session.scalar(select(PendingImport.id))
    response = client.post(f"/o/{org.slug}/register/import/{pending_id}/cancel")
    assert response.status_code == 302
    db.session.rollback()
    assert open_pending(db) == 0 and count(db, Person) == 0
    assert db.session.get(PendingImport, pending_id).data == b""  # the file itself is forgotten


def test_viewer_exports_but_cannot_import(db, client, org, make_member, login):
    login(client, make_member(org, Role.VIEWER))
    assert client.get(f"/o/{org.slug}/register/export").status_code == 200
    response = client.get(f"/o/{org.slug}/register/export/register.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["People", "Channels", "Journeys", "Touchpoints", "CX roles", "Mandates"]
    csv = client.get(f"/o/{org.slug}/register/export/table.csv?table=touchpoints")
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbfjourney,channel,name,")
    assert client.get(f"/o/{org.slug}/register/export/table.csv?table=secrets").status_code == 404
    assert upload(client, org, xlsx(small_tables())).status_code == 403
    assert count(db, PendingImport) == 0


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_confirm_without_csrf_token_applies_nothing(db, client, org, ambassador):
    pending = pending_create(org=org, by=ambassador, data=xlsx(small_tables()), filename="register.xlsx")
    db.session.commit()
    response = client.post(f"/o/{org.slug}/register/import/{pending.id}/confirm", data={"digest": "0" * 64})
    assert response.status_code in (400, 409)
    db.session.rollback()
    assert count(db, Person) == 0


def _previewed(db, client, org) -> tuple[int, str]:
    """Upload the small register and open its preview: the pending id and the digest seen."""
    upload(client, org, xlsx(small_tables()))
    pending_id = db.session.scalar(select(func.max(PendingImport.id)))
    html = client.get(f"/o/{org.slug}/register/import/{pending_id}").get_data(as_text=True)
    return pending_id, digest_of(html)


def _written(db) -> tuple[int, int, int, int]:
    db.session.rollback()
    return count(db, ImportBatch), count(db, Person), count(db, Touchpoint), count(db, ChangeLog)


def test_a_second_confirm_says_it_was_imported_and_writes_nothing(db, client, org, ambassador):
    pending_id, digest = _previewed(db, client, org)
    confirm = f"/o/{org.slug}/register/import/{pending_id}/confirm"
    assert client.post(confirm, data={"digest": digest}).status_code == 302
    once = _written(db)
    assert once[0] == 1 and once[2] == 2
    again = client.post(confirm, data={"digest": digest})
    assert again.status_code == 302 and again.headers["Location"].endswith("/register/import")
    assert "This file has already been imported; nothing was changed." in client.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    assert _written(db) == once
    # the preview and a cancel after the import say the same and change nothing
    preview = client.get(f"/o/{org.slug}/register/import/{pending_id}")
    assert preview.status_code == 302
    assert client.post(f"/o/{org.slug}/register/import/{pending_id}/cancel").status_code == 302
    assert db.session.get(PendingImport, pending_id).state == "imported" and _written(db) == once


def test_confirm_after_cancel_says_it_was_cancelled_and_writes_nothing(db, client, org, ambassador):
    pending_id, digest = _previewed(db, client, org)
    assert client.post(f"/o/{org.slug}/register/import/{pending_id}/cancel").status_code == 302
    client.get(f"/o/{org.slug}/register/import")  # read the cancel's own message
    response = client.post(f"/o/{org.slug}/register/import/{pending_id}/confirm", data={"digest": digest})
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/import")
    assert "This import was cancelled; nothing was changed." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert _written(db) == (0, 0, 0, 0)
    assert db.session.get(PendingImport, pending_id).state == "cancelled"


def test_a_confirm_that_loses_the_race_says_so_and_writes_nothing(db, client, org, ambassador, monkeypatch):
    """Another confirmation of the same upload commits while this one is planning.

    This request loaded the upload while it was still open; its write must find it closed,
    answer a message and add nothing (it used to reload the upload with a bare get and 500).
    """
    pending_id, digest = _previewed(db, client, org)
    plan_now = services.pending_plan

    def plan_while_another_confirms(*, org, pending):  # runs inside the request: db.session is the request's
        plan = plan_now(org=org, pending=pending)
        # the other request, the same steps as the view (its own plan, read before it closes)
        other_plan = plan_now(org=org, pending=pending)
        other = db.session.get(PendingImport, pending.id)
        assert services.pending_close(pending=other, state="imported")
        services.import_apply(org=org, plan=other_plan, by=None, filename="register.xlsx")
        db.session.commit()
        return plan

    monkeypatch.setattr(services, "pending_plan", plan_while_another_confirms)
    response = client.post(f"/o/{org.slug}/register/import/{pending_id}/confirm", data={"digest": digest})
    monkeypatch.undo()
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/import")
    assert "This file has already been imported; nothing was changed." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    batches, people, touchpoints, changes = _written(db)
    assert (batches, touchpoints, changes) == (1, 2, 10)  # the other confirmation's import, once


def test_pending_close_refuses_an_upload_closed_meanwhile(db, org, ambassador):
    pending = pending_create(org=org, by=ambassador, data=b"email,name\r\n", filename="people.csv")
    db.session.commit()
    assert pending.is_open
    # another request closes it; this session's copy still says "open"
    db.session.execute(
        update(PendingImport).where(PendingImport.id == pending.id).values(state="cancelled"),
        execution_options={"synchronize_session": False},
    )
    assert pending.state == "open"
    assert pending_close(pending=pending, state="imported") is False
    db.session.commit()
    db.session.refresh(pending)
    assert pending.state == "cancelled" and pending.data == b"email,name\r\n"
    with pytest.raises(ValueError):
        pending_close(pending=pending, state="open")


def test_another_organisations_upload_answers_404_and_stays_open(db, client, org, ambassador, make_org):
    theirs = pending_create(org=make_org(), by=None, data=xlsx(small_tables()), filename="register.xlsx")
    db.session.commit()
    base = f"/o/{org.slug}/register/import/{theirs.id}"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/confirm", data={"digest": "0" * 64}).status_code == 404
    assert client.post(f"{base}/cancel").status_code == 404
    db.session.rollback()
    assert db.session.get(PendingImport, theirs.id).state == "open" and _written(db) == (0, 0, 0, 0)


def test_two_confirmations_at_once_import_once_on_postgresql(app, db, client, org, ambassador, login, monkeypatch):
    """Two requests confirm the same upload at the same moment (PostgreSQL runs them in parallel).

    Both load the open upload and plan it before either writes; one imports, the other waits
    for it at the close and then answers that the file was imported, writing nothing.
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs writing requests one after the other; the test above covers the interleaving")
    pending_id, digest = _previewed(db, client, org)
    other_client = app.test_client()
    login(other_client, ambassador)
    both_planned = threading.Barrier(2, timeout=30)
    plan_now = services.pending_plan

    def plan_then_wait(*, org, pending):
        plan = plan_now(org=org, pending=pending)
        both_planned.wait()
        return plan

    monkeypatch.setattr(services, "pending_plan", plan_then_wait)
    answers: list = [None, None]

    def confirm(index: int, who) -> None:
        answers[index] = who.post(f"/o/{org.slug}/register/import/{pending_id}/confirm", data={"digest": digest})

    threads = [threading.Thread(target=confirm, args=(i, c)) for i, c in enumerate((client, other_client))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.undo()
    locations = sorted(answer.headers["Location"] for answer in answers)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert locations[0].endswith("/register/") and locations[1].endswith("/register/import"), locations
    batches, _people, touchpoints, changes = _written(db)
    assert (batches, touchpoints, changes) == (1, 2, 10)


def test_a_refused_file_reads_in_the_users_language_and_is_logged_in_english(db, make_org, make_member, client,
                                                                           login):
    """The security log has one language (cxgov.audit.LOG_LANGUAGE), whoever uploaded the file."""
    org = make_org(language="sv")
    login(client, make_member(org, Role.AMBASSADOR, language="sv"))
    english = "This is not a spreadsheet: use an Excel workbook (.xlsx) or a CSV file."
    html = upload(client, org, b"\x00\x01 not a workbook", "fil.xlsx").get_data(as_text=True)
    assert '<html lang="sv"' in html and english not in html
    detail = db.session.scalar(select(SecurityEvent.detail).where(SecurityEvent.action == "import",
                                                                   SecurityEvent.result == "refused"))
    assert detail == f"fil.xlsx: {english}"
