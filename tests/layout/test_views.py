"""Every view says what it returns (``-> ResponseReturnValue`` or narrower), so mypy checks its body."""

from __future__ import annotations

import ast
import re

from tests.layout.test_imports import MODULES

ROUTE = re.compile(r"\.(route|get|post|put|delete)\(")


def unannotated_views() -> list[str]:
    """Return "module:line name" for each function registered as a view without a return annotation."""
    found = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.returns is None
                and any(ROUTE.search(ast.unparse(d)) for d in node.decorator_list)
            ):
                found.append(f"{module}:{node.lineno} {node.name}")
    return found


def test_every_view_has_a_return_annotation():
    missing = unannotated_views()
    assert not missing, "views without a return annotation (add -> ResponseReturnValue):\n" + "\n".join(missing)
