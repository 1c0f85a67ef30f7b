"""The crosswalk: practices per reference-model element, as a page, an XLSX and a CLI."""
from __future__ import annotations

import io

import openpyxl
import pytest

from cxgov.framework.catalog import framework_catalog
from cxgov.framework.crosswalk import crosswalk_build
from tests.framework.v11 import SHIPPED_10, text_11


@pytest.fixture
def with_11(fw_dir):
    fw_dir("cx-governance.yaml", SHIPPED_10.read_text(encoding="utf-8"))
    fw_dir("cx-governance-1.1.yaml", text_11())
    return framework_catalog().get("cx-governance", "1.1")


def test_crosswalk_lists_practices_per_element_and_coverage(with_11):
    table = crosswalk_build(framework=with_11, model_key="iso-23592")
    assert [(e.element_id, [p for p, _ in e.practices]) for e in table.elements] == [
        ("5.1", ["B1"]), ("5.2", ["B1"]), ("6.1", ["A1"]), ("6.2", [])]
    assert table.n_covered == 3 and table.coverage == 0.75
    with pytest.raises(KeyError):
        crosswalk_build(framework=with_11, model_key="cxpa")


def test_cli_prints_coverage_per_element(runner, with_11, tmp_path):
    out = tmp_path / "iso.xlsx"
    result = runner.invoke(args=["framework", "crosswalk", "cx-governance", "--model",
                                 "iso-23592", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "ISO 23592:2021 Service excellence · cx-governance 1.1"
    assert lines[1] == "5.1\tVision and strategy\tB1"
    assert lines[4] == "6.2\tService innovation\tNOT COVERED"
    assert lines[5] == "coverage: 3/4 elements (75%)"
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]] == ["Element", "Title", "Practices", "Covered"]
    assert sheet["A4"].value == "6.1" and sheet["D5"].value == "no"
    result = runner.invoke(args=["framework", "crosswalk", "cx-governance", "--model", "iso-23592"],
                           env={"CXGOV_LANG": "sv"})
    lines = result.output.splitlines()
    assert lines[4] == "6.2\tService innovation\tINTE TÄCKT"  # the element's title stays as published
    assert lines[5] == "täckning: 3/4 element (75 %)"


def test_cli_refuses_an_unknown_model_or_framework(runner, with_11):
    result = runner.invoke(args=["framework", "crosswalk", "cx-governance", "--model", "nope"])
    assert result.exit_code == 1 and "Known models: iso-23592, xmi." in result.output
    result = runner.invoke(args=["framework", "crosswalk", "cx-governance", "--version", "1.0",
                                 "--model", "iso-23592"])
    assert result.exit_code == 1 and "has no reference model" in result.output
    result = runner.invoke(args=["framework", "crosswalk", "nothing", "--model", "iso-23592"])
    assert result.exit_code == 1 and "No valid framework “nothing”" in result.output


def test_crosswalk_page_and_xlsx(with_11, client, make_user):
    from tests.conftest import login_as

    login_as(client, make_user())
    page = client.get("/frameworks/cx-governance/1.1/crosswalk/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Coverage: 3 of 4 elements (75%)" in text and "not covered" in text
    assert text.count("<h1") == 1 and 'data-testid="crosswalk-xmi"' in text
    assert "Crosswalk to recognised models" in client.get(
        "/frameworks/cx-governance/1.1/").get_data(as_text=True)
    xlsx = client.get("/frameworks/cx-governance/1.1/crosswalk/iso-23592.xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A2"].value == "5.1" and sheet["C2"].value.startswith("B1 ")
    assert client.get("/frameworks/cx-governance/1.1/crosswalk/cxpa.xlsx").status_code == 404
    empty = client.get("/frameworks/cx-governance/1.0/crosswalk/")
    assert b"declares no reference models" in empty.data


def test_crosswalk_needs_a_login(with_11, client):
    response = client.get("/frameworks/cx-governance/1.1/crosswalk/")
    assert response.status_code in (302, 401)
