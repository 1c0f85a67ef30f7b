"""The tests' memoised URL rule compile (tests/conftest.py) gives what werkzeug's own compile gives."""
from __future__ import annotations

from werkzeug.routing import Map
from werkzeug.routing import rules as werkzeug_rules

from tests.conftest import WERKZEUG_RULE_COMPILE, make_test_app


def _compiled(rule: werkzeug_rules.Rule) -> tuple:
    converters = {name: (type(converter), converter.regex, converter.part_isolating, vars(converter).keys())
                  for name, converter in rule._converters.items()}
    return (rule.rule, rule.endpoint, rule._parts, rule._trace, converters, rule.arguments,
            rule._build.__func__.__code__, rule._build_unknown.__func__.__code__)


def test_every_rule_of_a_reused_compile_equals_werkzeugs_own(app, monkeypatch):
    reused = make_test_app().url_map  # the second app of the process at least: every rule from the memo
    rules = list(reused.iter_rules())
    assert len(rules) > 150
    monkeypatch.setattr(werkzeug_rules.Rule, "compile", WERKZEUG_RULE_COMPILE)
    own = Map(strict_slashes=reused.strict_slashes, merge_slashes=reused.merge_slashes)
    own.converters = dict(reused.converters)  # the app's own converter classes, in its order
    for rule in rules:
        own.add(rule.empty())
    for ours, theirs in zip(rules, own.iter_rules(), strict=True):
        assert _compiled(ours) == _compiled(theirs), ours.rule
        assert all(converter.map is reused for converter in ours._converters.values()), ours.rule
    # The reused builders build the same URLs, and the maps match them to the same endpoints.
    ours_adapter, own_adapter = reused.bind("localhost"), own.bind("localhost")
    values = {"org_slug": "nordlys", "cycle_id": 7, "filename": "a/b.css", "token": "t0k"}
    built = 0
    for rule in rules:
        if "GET" not in (rule.methods or ()) or not rule.arguments <= values.keys():
            continue
        arguments = {name: values[name] for name in rule.arguments if name not in (rule.defaults or {})}
        url = ours_adapter.build(rule.endpoint, arguments, method="GET")
        assert url == own_adapter.build(rule.endpoint, arguments, method="GET")
        assert ours_adapter.match(url, method="GET")[0] == own_adapter.match(url, method="GET")[0]
        built += 1
    assert built > 50
