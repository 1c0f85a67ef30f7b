"""The import preview asks the register's one write path, so it refuses exactly what applying would.

The planner matches the file's rows against the register; whether a row may be written is
the write path's answer (``register_rows_check``), given the rows as ``import_apply`` gives
them to ``register_rows_apply``. When the register changes between the preview and the
confirmation (a person deactivated meanwhile), the confirmation shows the refusal at its row
and changes nothing, whether the re-plan or the write itself finds it.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from cxgov.extensions import db as _db
from cxgov.orgs.models import Role
from cxgov.register import services, write
from cxgov.register.models import Channel, Journey, Person, Touchpoint
from cxgov.register.transfer import services as transfer
from cxgov.register.transfer.models import PendingImport
from cxgov.register.transfer.spreadsheet import write_xlsx
from tests.register_transfer.test_routes import digest_of, upload
from tests.test_tenancy import fingerprint

MESSAGE = "Ina Left is inactive and cannot become channel manager."


def _plan(org, tables):
    return transfer.import_plan(org=org, checked=transfer.import_read(data=write_xlsx(tables), filename="r.xlsx"))


def _errors(plan):
    return [(e.sheet, e.row, e.column, e.reason) for e in plan.errors]


def test_a_rule_only_the_write_path_knows_is_refused_by_the_preview_at_its_row(db, make_org, monkeypatch):
    """A rule declared in the write path reaches the preview with no change to the planner."""
    org = make_org()
    db.session.commit()
    declared = write.row_check

    def no_fax(table, values):
        extra = [("name", "No fax channels here.")] if table.key == "channels" and values.get("name") == "Fax" else []
        return declared(table, values) + extra

    monkeypatch.setattr(write, "row_check", no_fax)
    plan = _plan(org, {"channels": [["Web", "web", None, True], ["Fax", "other", None, True]]})
    assert _errors(plan) == [("Channels", 3, "name", "No fax channels here.")]


def test_rows_the_file_adds_are_checked_with_the_rows_that_refer_to_them(db, make_org):
    """A touchpoint on a journey the file adds, owned by a person it adds as inactive, is accepted as
    applying accepts it; the same touchpoint given an inactive person of the register is refused."""
    org = make_org()
    services.person_create(org=org, name="Ina Left", email="ina@example.com", active=False, by=None)
    services.channel_create(org=org, name="Web", kind="web", by=None)
    db.session.commit()
    tables = {
        "people": [["new.left@example.com", "New Left", "", "", False]],
        "journeys": [["Move out", "", "new.left@example.com", True]],
        "touchpoints": [["Move out", "Web", "Hand back keys", "", "new.left@example.com", "", "", "", False, None,
                         True],
                        ["Move out", "web", "Read the meter", "", "ina@example.com", "", "", "", False, None, True]],
    }
    plan = _plan(org, tables)
    assert _errors(plan) == [("Touchpoints", 3, "owner_email",
                              "Ina Left is inactive and cannot become touchpoint owner.")]
    tables["touchpoints"].pop()
    plan = _plan(org, tables)
    assert plan.ok and plan.added == 3
    transfer.import_apply(org=org, plan=plan, by=None)
    db.session.commit()
    owner = db.session.scalar(select(Touchpoint).where(Touchpoint.name == "Hand back keys")).owner
    assert owner.name == "New Left" and not owner.active


@pytest.fixture
def editor(make_org, make_member, client, login):
    org = make_org()
    ina = services.person_create(org=org, name="Ina Left", email="ina@example.com", by=None)
    _db.session.commit()
    login(client, make_member(org, Role.AMBASSADOR))
    return org, ina


def _previewed(client, org):
    upload(client, org, write_xlsx({"channels": [["Phone", "phone", "ina@example.com", True]]}))
    pending_id = _db.session.scalar(select(PendingImport.id))
    html = client.get(f"/o/{org.slug}/register/import/{pending_id}").get_data(as_text=True)
    assert 'data-testid="count-added">1<' in html
    return pending_id, digest_of(html)


def _deactivate(person_id: int) -> None:
    _db.session.execute(update(Person).where(Person.id == person_id).values(active=False))
    _db.session.commit()


def test_a_person_deactivated_after_the_preview_is_refused_at_the_confirmation(db, client, editor):
    org, ina = editor
    pending_id, digest = _previewed(client, org)
    _deactivate(ina.id)
    before = fingerprint()
    response = client.post(f"/o/{org.slug}/register/import/{pending_id}/confirm", data={"digest": digest})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The register has changed since the file was uploaded" in html
    row = re.search(r"<tr><td[^>]*>Channels</td><td[^>]*>(\d+)</td><td><code>(\w+)</code></td><td>([^<]+)</td></tr>", html)
    assert row.groups() == ("2", "manager_email", MESSAGE)
    db.session.rollback()
    assert fingerprint() == before
    assert db.session.scalar(select(func.count()).select_from(Channel)) == 0


def test_a_person_deactivated_while_the_import_is_written_is_named_and_nothing_changes(db, client, editor,
                                                                                       monkeypatch):
    """The race the re-plan cannot see: the person is deactivated after it and before the write."""
    org, ina = editor
    pending_id, digest = _previewed(client, org)
    planned = transfer.pending_plan

    def plan_then_someone_deactivates(**kw):
        plan = planned(**kw)
        if kw["pending"].id == pending_id and plan.ok:
            _deactivate(ina.id)
        return plan

    monkeypatch.setattr(transfer, "pending_plan", plan_then_someone_deactivates)
    response = client.post(f"/o/{org.slug}/register/import/{pending_id}/confirm", data={"digest": digest})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Channel)) == 0
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 1
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert f"Channels, row 2, column manager_email: {MESSAGE}" in html
    assert db.session.scalar(select(func.count()).select_from(Journey)) == 0
