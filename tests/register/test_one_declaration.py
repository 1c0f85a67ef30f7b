"""Adding a field to a register table is one declaration (plus its column): the form, the list,
export, import and history follow.

A temporary copy of the package gets a new touchpoint field, declared once in
``cxgov/register/tables.py`` with its model column; nothing else is edited. In the copy, a
touchpoint written through the one write path records the field in its history, the export has the
column and the value, an import of a changed file stores the new value, the edit form shows
the field and saves it, and the touchpoint list shows it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import json
from datetime import date
from cxgov import create_app
from cxgov.extensions import db
from cxgov.orgs.models import Organisation
from cxgov.register import services
from cxgov.register.models import Touchpoint
from cxgov.register.write import register_rows_apply
from cxgov.history.models import ChangeLog
from sqlalchemy import select
from cxgov.register.transfer import services as transfer
from cxgov.register.transfer.spreadsheet import TABLE_BY_KEY
from cxgov.xlsx import read_sheets

app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + __import__("os").path.abspath("t.db"), "SECRET_KEY": "x",
                  "TESTING": True, "WTF_CSRF_ENABLED": False})
with app.app_context(), app.test_request_context():
    db.create_all()
    org = Organisation(slug="o", name="O")
    db.session.add(org)
    db.session.flush()
    journey = services.journey_create(org=org, name="Move in", by=None)
    channel = services.channel_create(org=org, name="Web", kind="web", by=None)
    tp = services.touchpoint_create(org=org, journey=journey, channel=channel, name="Sign", by=None)
    # the one write path takes the new field with no edit elsewhere, and records it in history
    register_rows_apply(org=org, table="touchpoints", rows=[{"id": tp.id, "moment_of_truth": True}], by=None)
    db.session.commit()
    state = services.register_state(tp)
    history = db.session.scalars(select(ChangeLog.changes).where(ChangeLog.entity_id == tp.id,
                                                                 ChangeLog.entity_type == "touchpoint")).all()
    sheets = dict(read_sheets(transfer.register_export_xlsx(org=org), max_rows=100))
    header, row = sheets["Touchpoints"][0][1], sheets["Touchpoints"][1][1]
    # the same file with the field turned off again, imported
    columns = TABLE_BY_KEY["touchpoints"].column_names
    tables = transfer.register_tables(org=org)
    tables["touchpoints"][0][columns.index("moment_of_truth")] = False
    from cxgov.register.transfer.spreadsheet import write_xlsx
    plan = transfer.import_plan(org=org, checked=transfer.import_read(data=write_xlsx(tables)))
    changes = [(c.column, c.before, c.after) for r in plan.rows["touchpoints"] for c in r.changes]
    transfer.import_apply(org=org, plan=plan, by=None)
    db.session.commit()
    print(json.dumps({"state": state.get("moment_of_truth"), "history": history, "header": header,
                      "value": row[header.index("moment_of_truth")] if "moment_of_truth" in header else None,
                      "changes": changes, "stored": db.session.get(Touchpoint, tp.id).moment_of_truth}))
    org_id, tp_id = org.id, tp.id

# the pages: the edit form renders the field and saves it; the list shows it
from cxgov.auth.models import User
from cxgov.orgs.models import Membership, Role
with app.app_context():
    user = User(email="editor@o.example", name="Editor")
    user.set_password("a long enough password")
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, org_id=org_id, role=Role.SPONSOR))
    db.session.commit()
    user_id, tp = user.get_id(), db.session.get(Touchpoint, tp_id)
    row = {"journey_id": tp.journey_id, "channel_id": tp.channel_id, "name": tp.name, "version_id": tp.version_id}
client = app.test_client()
with client.session_transaction() as session:
    session["_user_id"], session["_fresh"] = user_id, True
form_page = client.get(f"/o/o/register/touchpoints/{tp_id}/edit").get_data(as_text=True)
saved = client.post(f"/o/o/register/touchpoints/{tp_id}/edit", data={**row, "moment_of_truth": "y"})
list_page = client.get("/o/o/register/touchpoints").get_data(as_text=True)
detail_page = client.get(f"/o/o/register/touchpoints/{tp_id}").get_data(as_text=True)
with app.app_context():
    print(json.dumps({"form": 'name="moment_of_truth"' in form_page and "Moment of truth" in form_page,
                      "saved": saved.status_code, "form_stored": db.session.get(Touchpoint, tp_id).moment_of_truth,
                      "list": 'data-testid="badge-moment_of_truth">Moment of truth<' in list_page,
                      "detail": "<dt class=\"col-5\">Moment of truth</dt>" in detail_page}))
'''


def test_a_declared_field_reaches_history_export_and_import(tmp_path):
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in ("cxgov", "templates", "static", "assessments", "translations", "migrations"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    models = copy / "cxgov/register/models.py"
    text = models.read_text()
    anchor = "    hygiene_factor: Mapped[bool] = mapped_column(default=False)\n"
    assert anchor in text
    models.write_text(text.replace(anchor, anchor + "    moment_of_truth: Mapped[bool] = mapped_column(default=False)\n"))
    tables = copy / "cxgov/register/tables.py"
    text = tables.read_text()
    anchor = '_text("kpi_target", _l("KPI target"), 100),\n'
    assert anchor in text
    indent = text.split(anchor)[0].rsplit("\n", 1)[1]
    tables.write_text(text.replace(anchor, anchor + indent + 'RegisterField("moment_of_truth", "bool", _l("Moment of truth"), '
                                   '"moment_of_truth", default=False),\n'))
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=copy, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy), "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-3000:]
    seen, pages = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert seen["state"] is True  # the row's history state has it
    assert {"moment_of_truth": [False, True]} in seen["history"]  # and the change log records the change
    assert "moment_of_truth" in seen["header"] and seen["value"] == "True"  # the export writes it (a boolean cell)
    assert seen["changes"] == [["moment_of_truth", "TRUE", "FALSE"]]  # the import compares it
    assert seen["stored"] is False  # and stores it
    assert pages["form"]  # the edit form has the field, with its declared label
    assert pages["saved"] == 302 and pages["form_stored"] is True  # and saves it
    assert pages["list"]  # the list shows it (a yes/no field: a badge beside the touchpoint's name)
    assert pages["detail"]  # and so does the touchpoint's page
