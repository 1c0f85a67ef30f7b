"""Fixtures for the framework library: a private assessments directory per test."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from cxgov.framework.catalog import framework_catalog_clear
from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR

SHIPPED_TEXT = (DEFAULT_FRAMEWORK_DIR / "cx-governance.yaml").read_text(encoding="utf-8")
SHIPPED_TITLE = "title: CX governance and maturity assessment\n"


def variant(version: str = "1.0", title: str | None = None, key: str | None = None) -> str:
    """Return the shipped YAML with another version, title or key (still valid)."""
    text = SHIPPED_TEXT.replace('version: "1.0"', f'version: "{version}"', 1)
    if title is not None:
        text = text.replace(SHIPPED_TITLE, f"title: {title}\n", 1)
    if key is not None:
        text = text.replace("key: cx-governance\n", f"key: {key}\n", 1)
    return text


#: A framework file with a missing level and an unknown register check.
BROKEN_TEXT = (SHIPPED_TEXT
               .replace("key: cx-governance\n", "key: broken-one\n", 1)
               .replace("register_checks: [sponsor]", "register_checks: [no_such_check]", 1))


@pytest.fixture
def fw_dir(app, tmp_path) -> Callable[..., Path]:
    """Point ASSESSMENTS_DIR at an empty temp dir; call ``fw_dir(name, text)`` to add a file."""
    folder = tmp_path / "assessments"
    folder.mkdir()
    app.config["ASSESSMENTS_DIR"] = str(folder)
    framework_catalog_clear()

    def write(name: str | None = None, text: str | bytes = "") -> Path:
        if name is not None:
            target = folder / name
            if isinstance(text, bytes):
                target.write_bytes(text)
            else:
                target.write_text(text, encoding="utf-8")
        return folder

    yield write
    framework_catalog_clear()
