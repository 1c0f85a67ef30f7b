"""The package's import graph: no cycles, and an import inside a function says why.

Every ``import`` counts, also the ones inside functions: moving an import into a function
hides a cycle from Python's loader, not from the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "cxgov"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> set[str]:
    """Return the cxgov modules one import statement loads (a package means its __init__)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in MODULES else prefix for alias in node.names]
    return {name for name in names if name in MODULES and name != module}


def _statements() -> dict[str, list[tuple[ast.Import | ast.ImportFrom, bool]]]:
    """Return every import of every module, with whether it sits inside a function."""
    found: dict[str, list[tuple[ast.Import | ast.ImportFrom, bool]]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                in_function.update(id(inner) for inner in ast.walk(node) if inner is not node)
        found[module] = [
            (node, id(node) in in_function)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        ]
    return found


def import_graph() -> dict[str, set[str]]:
    """Return module -> the cxgov modules it imports anywhere in its body."""
    graph: dict[str, set[str]] = {}
    for module, statements in _statements().items():
        is_package = MODULES[module].name == "__init__.py"
        graph[module] = set().union(*(_imported(module, is_package, node) for node, _ in statements))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_detector_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_cxgov():
    found = cycles(import_graph())
    assert not found, f"import cycles (break them; a feature imports what it builds on): {found}"


#: Imports inside functions that were there, without a reason, before this test: each to be
#: moved to the top of its module or given its reason. The list may only shrink.
GRANDFATHERED = Path(__file__).with_name("deferred_imports_grandfathered.txt")


def _comment_heads_the_block(lines: list[str], index: int) -> bool:
    """Return True when a comment line sits right above the run of imports holding line ``index``."""
    above = index - 1
    while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def silent_deferred_imports() -> set[str]:
    """Return "module: import text" for each import inside a function with no comment on or above it."""
    silent = set()
    for module, statements in _statements().items():
        lines = MODULES[module].read_text(encoding="utf-8").splitlines()
        for node, in_function in statements:
            if not in_function:
                continue
            here = lines[node.lineno - 1]
            if "#" not in here and not _comment_heads_the_block(lines, node.lineno - 1):
                silent.add(f"{module}: {here.strip()}")
    return silent


def test_an_import_inside_a_function_says_why():
    """A deferred import needs a reason on its line or the line above (startup cost, a worker...)."""
    allowed = {
        line for line in GRANDFATHERED.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    }
    silent = silent_deferred_imports()
    stale = sorted(allowed - silent)
    assert not stale, "fixed imports still listed (delete these lines from the list):\n" + "\n".join(stale)
    new = sorted(silent - allowed)
    assert not new, (
        "imports inside functions without a reason (move them to the top of the module, "
        "or say why on the line above):\n" + "\n".join(new)
    )
