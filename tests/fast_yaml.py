"""YAML for test data through libyaml (PyYAML's C loader and dumper) when PyYAML has it.

Pure-Python PyYAML took 0.1-0.4 s of CPU to read or write one framework file; the tests that
copy, damage or rewrite the shipped frameworks did so dozens of times. The C loader builds the
same values with the same safe rules (the framework loader's own reading is tested in
tests/framework/test_loader.py); the C dumper writes YAML that reads back to the same values.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def yaml_load(stream: str | bytes | IO[str]) -> Any:
    """Return the values of a YAML document, as ``yaml.safe_load`` does."""
    return yaml.load(stream, Loader=LOADER)


def yaml_dump(data: Any, stream: IO[str] | None = None, **options: Any) -> Any:
    """Write ``data`` as YAML, as ``yaml.safe_dump`` does (the text when ``stream`` is None)."""
    return yaml.dump(data, stream, Dumper=DUMPER, **options)
