"""A small framework 1.1 built from the shipped 1.0, exercising every kind of version change.

Until the real ``cx-governance-1.1.yaml`` lands (and beside it afterwards), tests use this:
1.0 -> 1.1 keeps most practices, renames A11 to A12, merges B11 into B10, splits C9 into C9
and C10, adds D6 and retires F5. Two profiles, two reference models, dependencies, efforts.
"""
from __future__ import annotations

import copy
from typing import Any

from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR
from tests.fast_yaml import yaml_dump, yaml_load

SHIPPED_10 = DEFAULT_FRAMEWORK_DIR / "cx-governance.yaml"

REFERENCE_MODELS = {
    "iso-23592": {"title": "ISO 23592:2021 Service excellence",
                  "elements": {"5.1": "Vision and strategy", "5.2": "Leadership",
                               "6.1": "Customer insight", "6.2": "Service innovation"}},
    "xmi": {"title": "XM Institute competencies",
            "elements": {"Lead": "Lead", "Realize": "Realize", "Disrupt": "Disrupt"}},
}


def data_10() -> dict[str, Any]:
    """Return the shipped 1.0 as parsed YAML."""
    return yaml_load(SHIPPED_10.read_text(encoding="utf-8"))


def _practice(data: dict[str, Any], pid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for dim in data["dimensions"]:
        for practice in dim["practices"]:
            if practice["id"] == pid:
                return dim, practice
    raise KeyError(pid)


def data_11() -> dict[str, Any]:
    """Return a valid 1.1 (parsed YAML) derived from the shipped 1.0."""
    data = copy.deepcopy(data_10())
    data["version"] = "1.1"
    old_ids = [p["id"] for d in data["dimensions"] for p in d["practices"]]
    _, a11 = _practice(data, "A11")
    a11["id"] = "A12"
    dim_b, b11 = _practice(data, "B11")
    dim_b["practices"].remove(b11)
    dim_c, c9 = _practice(data, "C9")
    c10 = copy.deepcopy(c9)
    c10["id"] = "C10"
    dim_c["practices"].append(c10)
    dim_d, d5 = _practice(data, "D5")
    d6 = copy.deepcopy(d5)
    d6["id"] = "D6"
    dim_d["practices"].append(d6)
    dim_f, f5 = _practice(data, "F5")
    dim_f["practices"].remove(f5)

    data["reference_models"] = copy.deepcopy(REFERENCE_MODELS)
    _, a1 = _practice(data, "A1")
    a1["references"] = {"iso-23592": ["6.1"], "xmi": ["Realize"]}
    _, b1 = _practice(data, "B1")
    b1["references"] = {"iso-23592": ["5.1", "5.2"], "xmi": ["Lead"]}
    _, b3 = _practice(data, "B3")
    b3["depends_on"] = ["B1"]
    a1["depends_on"] = ["B3"]
    a1["next_step_effort"] = ["small", "medium", "medium", "large"]

    new_ids = [p["id"] for d in data["dimensions"] for p in d["practices"]]
    data["profiles"] = [
        {"key": "essentials", "name": "Essentials", "description": "For a mid-size organisation.",
         "targets": {pid: 3 for pid in new_ids if pid not in ("D6", "C10")},
         "optional": ["D6", "C10"]},
        {"key": "full", "name": "Full", "description": "Every practice.",
         "targets": {pid: 4 for pid in new_ids}},
    ]
    practices: dict[str, Any] = {}
    for pid in new_ids:
        if pid == "A12":
            practices[pid] = {"from": ["A11"], "change": "renamed"}
        elif pid == "B10":
            practices[pid] = {"from": ["B10", "B11"], "change": "merged"}
        elif pid in ("C9", "C10"):
            practices[pid] = {"from": ["C9"], "change": "split"}
        elif pid == "D6":
            practices[pid] = {"from": [], "change": "new"}
        else:
            assert pid in old_ids
            practices[pid] = {"from": [pid], "change": "kept"}
    data["version_map"] = {"from": "1.0", "practices": practices, "retired": ["F5"]}
    return data


def text_11(data: dict[str, Any] | None = None) -> str:
    """Return 1.1 YAML text (``data`` defaults to :func:`data_11`)."""
    return yaml_dump(data if data is not None else data_11(), allow_unicode=True,
                          sort_keys=False)
