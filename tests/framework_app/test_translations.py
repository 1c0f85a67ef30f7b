"""Translation overlays in the running app: catalogue, cycles' snapshots, uploads, CLI."""
from __future__ import annotations

from cxgov.cycles import services
from cxgov.extensions import db as _db
from cxgov.framework.catalog import framework_catalog, framework_catalog_clear
from cxgov.framework.services import framework_upload_create
from tests.framework_app.conftest import SHIPPED_TEXT, variant

DA_OVERLAY = """key: cx-governance
version: "1.0"
language: da
title: CX-styring og modenhedsvurdering
dimensions:
  insight: {title: Indsigt og feedback-loops}
practices:
  A1:
    title: Dansk titel for A1
    levels: [Niveau et, Niveau to, Niveau tre, Niveau fire, Niveau fem]
"""


def test_the_catalogue_shows_overlays_and_keeps_the_content_hash(fw_dir):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    plain = framework_catalog().get("cx-governance")
    fw_dir("cx-governance.da.yaml", DA_OVERLAY)
    translated = framework_catalog().get("cx-governance")
    assert translated is not plain  # a new overlay file rebuilds the catalogue
    assert translated.content_hash == plain.content_hash
    assert translated.to_snapshot() == plain.to_snapshot()
    a1 = translated.practice("A1")
    assert a1.title.get("da") == "Dansk titel for A1"
    assert a1.level_text(3, "da") == "Niveau tre"
    assert a1.next_step(1, "da") == plain.practice("A1").next_step(1, "en")  # falls back
    assert translated.dimension("insight").title.get("da") == "Indsigt og feedback-loops"


def test_a_cycle_keeps_its_source_snapshot_and_shows_todays_translation(fw_dir, make_org):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    org = make_org()
    cycle = services.cycle_create(org=org, period="2026-Q4", framework=framework_catalog().get("cx-governance"))
    _db.session.commit()
    assert services.cycle_framework(cycle).practice("A1").title.get("da") != "Dansk titel for A1"
    fw_dir("cx-governance.da.yaml", DA_OVERLAY)
    framework_catalog_clear()
    shown = services.cycle_framework(cycle)
    assert shown.practice("A1").title.get("da") == "Dansk titel for A1"
    assert shown.content_hash == cycle.framework_hash
    assert "Dansk" not in str(cycle.framework_snapshot)


def test_a_broken_overlay_is_refused_whole_and_the_framework_stays(fw_dir, runner):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    broken = (DA_OVERLAY.replace("Niveau fem]", "Niveau fem, Niveau seks]")
              + "  Z9:\n    title: Findes ikke\n")
    fw_dir("cx-governance.da.yaml", broken)
    fw = framework_catalog().get("cx-governance")
    assert fw is not None and fw.title.get("da") == fw.title.get("en")
    result = runner.invoke(args=["framework", "translations", "cx-governance"])
    assert result.exit_code == 1
    assert "cx-governance.da.yaml" in result.output and "Z9" in result.output
    assert "exactly 5 entries" in result.output


def test_cli_reports_missing_translations_per_language(fw_dir, runner):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    fw_dir("cx-governance.da.yaml", DA_OVERLAY)
    result = runner.invoke(args=["framework", "translations"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines() if not line.startswith(" ")]
    by_lang = {row[2]: row for row in rows}
    assert set(by_lang) == {"sv", "da", "nb"}
    done, total = by_lang["da"][3].split()[0].split("/")
    assert int(done) == 8 and int(total) > 300  # title, one dimension, A1 title and 5 levels
    assert by_lang["sv"][3].startswith("0/")
    assert "practices: A1, A2" in result.output  # A1 is partly translated: still listed


def test_an_upload_brings_its_own_translations(fw_dir, db):
    fw_dir("cx-governance.yaml", SHIPPED_TEXT)
    text = variant(version="1.1") + "translations:\n  sv:\n    practices:\n      A1: {title: Svensk A1}\n"
    framework_upload_create(data=text.encode(), filename="v11.yaml", by=None)
    db.session.commit()
    fw = framework_catalog().get("cx-governance", "1.1")
    assert fw.practice("A1").title.get("sv") == "Svensk A1"
    assert framework_catalog().get("cx-governance", "1.0").practice("A1").title.get("sv") != "Svensk A1"
