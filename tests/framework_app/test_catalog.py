"""The catalogue: files plus uploads, cached, never broken by a bad file; snapshots stay put."""
from __future__ import annotations

import json
import os

from cxgov.framework.catalog import (
    framework_catalog,
    framework_catalog_clear,
    framework_from_snapshot,
    frameworks_for_new_cycle,
    version_tuple,
)
from cxgov.framework.models import FrameworkUpload
from cxgov.framework.services import framework_upload_create
from tests.framework_app.conftest import BROKEN_TEXT, SHIPPED_TEXT, variant


def test_shipped_directory_gives_1_0_and_1_1_side_by_side(app):
    framework_catalog_clear()
    catalog = framework_catalog()
    fw = catalog.get("cx-governance")  # the newest version
    assert fw is not None and fw.version == "1.1" and len(fw.practices) == 48
    assert catalog.invalid == []
    assert catalog.source(fw).kind == "file" and catalog.source(fw).label == "cx-governance-1.1.yaml"
    old = catalog.get("cx-governance", "1.0")
    assert old is not None and len(old.practices) == 42
    assert catalog.source(old).label == "cx-governance.yaml"
    assert [f.key for f in frameworks_for_new_cycle()] == ["cx-governance"]
    assert frameworks_for_new_cycle()[0].version == "1.1"


def test_an_invalid_file_is_listed_and_never_offered(fw_dir):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    fw_dir("broken.yaml", BROKEN_TEXT)
    fw_dir("garbage.yml", "key: [unclosed\n")
    fw_dir("binary.yaml", b"\xff\xfe\x00bad")
    catalog = framework_catalog()
    assert list(catalog.valid) == ["cx-governance"]
    invalid = {r.path: r.problems for r in catalog.invalid}
    assert set(invalid) == {"broken.yaml", "garbage.yml", "binary.yaml"}
    assert any("no_such_check" in p.message and "register_checks" in p.path
               for p in invalid["broken.yaml"])
    assert all(p.file == "broken.yaml" for p in invalid["broken.yaml"])  # no server paths
    assert "not valid YAML" in invalid["garbage.yml"][0].message
    assert "UTF-8" in invalid["binary.yaml"][0].message
    assert catalog.get("broken-one") is None
    assert [f.key for f in frameworks_for_new_cycle()] == ["cx-governance"]


def test_two_files_with_one_key_and_version_keep_the_first(fw_dir):
    fw_dir("a.yaml", SHIPPED_TEXT)
    fw_dir("b.yaml", variant(title="Another title"))
    catalog = framework_catalog()
    assert catalog.get("cx-governance").version == "1.0"
    assert [r.path for r in catalog.invalid] == ["b.yaml"]
    assert "already used by a.yaml" in catalog.invalid[0].problems[0].message


def test_two_versions_of_one_key_ship_side_by_side(fw_dir):
    fw_dir("a.yaml", SHIPPED_TEXT)
    fw_dir("b.yaml", variant(version="2.0"))
    catalog = framework_catalog()
    assert catalog.invalid == []
    assert [f.version for f in catalog.all_versions("cx-governance")] == ["1.0", "2.0"]
    assert catalog.get("cx-governance").version == "2.0"  # the newest is offered


def test_an_unreadable_directory_is_a_problem_not_a_crash(app, tmp_path):
    app.config["ASSESSMENTS_DIR"] = str(tmp_path / "missing")
    framework_catalog_clear()
    catalog = framework_catalog()
    assert catalog.valid == {} and len(catalog.invalid) == 1
    assert "could not be read" in catalog.invalid[0].problems[0].message
    assert frameworks_for_new_cycle() == []


def test_catalogue_is_cached_until_a_file_changes(fw_dir):
    folder = fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    first = framework_catalog()
    assert framework_catalog() is first
    path = folder / "cx-governance.yaml"
    path.write_text(variant(title="Edited title"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # coarse clocks
    second = framework_catalog()
    assert second is not first
    assert str(second.get("cx-governance").title) == "Edited title"
    fw_dir("new.yaml", variant(key="other-framework"))
    assert framework_catalog().get("other-framework") is not None


def test_an_upload_adds_a_newer_version_and_invalidates_the_cache(fw_dir, db, make_user):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    before = framework_catalog()
    # an admin's uploads are platform defaults (a consultant's: tests/security/test_framework_scope.py)
    user = make_user(is_admin=True)
    framework_upload_create(data=variant(version="1.10", title="Ten").encode(), filename="ten.yaml",
                            by=user)
    framework_upload_create(data=variant(version="1.9", title="Nine").encode(), filename="nine.yaml",
                            by=user)
    db.session.commit()
    catalog = framework_catalog()
    assert catalog is not before
    assert [f.version for f in catalog.all_versions("cx-governance")] == ["1.0", "1.9", "1.10"]
    assert catalog.get("cx-governance").version == "1.10"  # newest by number, not by text
    assert str(catalog.get("cx-governance", "1.0").title) == "CX governance and maturity assessment"
    assert catalog.source(catalog.get("cx-governance")).kind == "upload"
    assert catalog.source(catalog.get("cx-governance")).label == "ten.yaml"
    assert catalog.get("cx-governance", "3.0") is None and catalog.all_versions("nope") == []
    assert [str(f.title) for f in frameworks_for_new_cycle()] == ["Ten"]


def test_an_upload_that_contradicts_a_file_is_invalid(fw_dir, db):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    # e.g. someone edited the shipped file without bumping its version after an upload
    db.session.add(FrameworkUpload(key="cx-governance", version="1.0", filename="mine.yaml",
                                   yaml_text=variant(title="Mine"), content_hash="x"))
    db.session.commit()
    catalog = framework_catalog()
    assert str(catalog.get("cx-governance").title) == "CX governance and maturity assessment"
    assert len(catalog.invalid) == 1
    problem = catalog.invalid[0].problems[0]
    assert problem.file.endswith("(mine.yaml)") and problem.path == "version"
    assert "already defined by cx-governance.yaml" in problem.message


def test_an_invalid_stored_upload_is_listed_not_fatal(fw_dir, db):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    db.session.add(FrameworkUpload(key="broken-one", version="1.0", filename="b.yaml",
                                   yaml_text=BROKEN_TEXT, content_hash="x"))
    db.session.commit()
    catalog = framework_catalog()
    assert list(catalog.valid) == ["cx-governance"]
    assert catalog.invalid[0].path.endswith("(b.yaml)")


def test_version_order_is_numeric():
    assert version_tuple("1.10") > version_tuple("1.9") > version_tuple("1.0")
    assert version_tuple("2") > version_tuple("1.99")


def test_a_snapshot_survives_an_edit_of_the_yaml(fw_dir):
    """A cycle stores the snapshot as JSON; editing the file later never changes it."""
    folder = fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    original = framework_catalog().get("cx-governance")
    stored_json = json.dumps(original.to_snapshot())
    stored_hash = original.content_hash

    edited = SHIPPED_TEXT.replace("title: Appoint a senior CX sponsor",
                                  "title: Name an executive sponsor", 1)
    assert edited != SHIPPED_TEXT
    path = folder / "cx-governance.yaml"
    path.write_text(edited, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    current = framework_catalog().get("cx-governance")
    assert current.content_hash != stored_hash
    assert str(current.practice("B3").title) == "Name an executive sponsor"

    restored = framework_from_snapshot(json.loads(stored_json))
    assert restored.content_hash == stored_hash
    assert str(restored.practice("B3").title) == "Appoint a senior CX sponsor"
    assert restored == original
    assert restored.to_snapshot() == original.to_snapshot()
