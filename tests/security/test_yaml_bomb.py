"""Finding 3: a 700-byte YAML alias bomb stalled the server (75 s, 5.4 GB) before an error."""
from __future__ import annotations

from cxgov.framework.loader import load_framework_text
from tests.security.bounded import run_bounded


def alias_bomb(depth: int = 9, width: int = 9) -> str:
    """Return the review's bomb: each anchor a list of ``width`` aliases of the previous one."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, depth):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join([*lines, f"key: *l{depth - 1}", "version: *l3", "title: *l5"]) + "\n"


def test_alias_bomb_is_refused_small_and_fast():
    bomb = alias_bomb()
    assert len(bomb) < 1000
    out = run_bounded(f"""
        tracemalloc.start()
        from cxgov.framework.loader import load_framework_text
        result = load_framework_text({bomb!r}, "bomb.yaml")
        print("peak", tracemalloc.get_traced_memory()[1])
        for problem in result.problems:
            print("problem", str(problem)[:300])
        print("framework", result.framework)
    """)
    assert "framework None" in out
    assert "alias" in out.lower(), out
    peak = int(out.split("peak ", 1)[1].split()[0])
    assert peak < 50 * 1024 * 1024, out


def test_anchors_and_merge_keys_are_refused_with_the_line():
    text = "a: &x {b: 1}\nc:\n  <<: *x\n"
    result = load_framework_text(text, "merge.yaml")
    assert result.framework is None
    assert [p.line for p in result.problems] == [1]
    assert "anchor" in result.problems[0].message


def test_error_messages_show_a_bounded_view_of_the_value():
    """A huge value in a field is named briefly, never rendered whole and then cut."""
    import tracemalloc

    from cxgov.framework.loader import _Validator

    row = ["xxxxxxxxxx"] * 1000
    huge = [row] * 1000  # a million shared references: small in memory, 14 MB as repr()
    validator = _Validator("huge.yaml", {})
    tracemalloc.start()
    try:
        validator.root({"key": huge, "version": huge, "title": huge})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024, peak
    assert all(len(p.message) <= 600 for p in validator.problems)
    assert any(p.path == "key" for p in validator.problems)
