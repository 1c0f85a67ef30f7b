"""The tests' memoised framework catalogue (tests/conftest.py) is reused only for the same inputs.

Test apps reuse a catalogue built from the same framework files (by name and bytes, in any
folder) and the same uploads; any other file or upload content gets a catalogue of its own.
"""
from __future__ import annotations

from cxgov.framework.catalog import framework_catalog, framework_catalog_clear
from cxgov.framework.models import FrameworkUpload
from tests.framework_app.conftest import SHIPPED_TEXT, variant


def _catalogue_of(app, folder):
    app.config["ASSESSMENTS_DIR"] = str(folder)
    framework_catalog_clear()
    return framework_catalog()


def test_the_same_files_in_another_folder_share_a_catalogue_and_an_edited_file_does_not(app, tmp_path):
    for name, text in (("one", SHIPPED_TEXT), ("two", SHIPPED_TEXT), ("edited", variant(title="Edited"))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "cx-governance.yaml").write_text(text, encoding="utf-8")

    one, two = _catalogue_of(app, tmp_path / "one"), _catalogue_of(app, tmp_path / "two")
    edited = _catalogue_of(app, tmp_path / "edited")

    assert two is one
    assert edited is not one
    assert str(one.get("cx-governance", "1.0").title) == "CX governance and maturity assessment"
    assert str(edited.get("cx-governance", "1.0").title) == "Edited"
    (tmp_path / "two" / "cx-governance.yaml").write_text(variant(title="Edited later"), encoding="utf-8")
    assert str(_catalogue_of(app, tmp_path / "two").get("cx-governance", "1.0").title) == "Edited later"


def test_the_same_uploads_share_a_catalogue_and_other_upload_text_does_not(app, db, tmp_path):
    (tmp_path / "cx-governance.yaml").write_text(SHIPPED_TEXT, encoding="utf-8")
    upload = FrameworkUpload(key="cx-governance", version="2.0", filename="two.yaml",
                             yaml_text=variant(version="2.0", title="Two"), content_hash="x")
    db.session.add(upload)
    db.session.commit()

    first = _catalogue_of(app, tmp_path)
    again = _catalogue_of(app, tmp_path)
    upload.yaml_text = variant(version="2.0", title="Two, edited")
    db.session.commit()
    edited = _catalogue_of(app, tmp_path)

    assert again is first and edited is not first
    assert str(first.get("cx-governance", "2.0").title) == "Two"
    assert str(edited.get("cx-governance", "2.0").title) == "Two, edited"
