"""The sets of tests that make test runs in one process name tests that exist (tests/schedule.py)."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.schedule import SAME_PROCESS, same_process_set

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("prefix", sorted(SAME_PROCESS))
def test_every_prefix_names_a_test_function_that_exists(prefix):
    """A renamed test would silently leave its set, and its fixture would be made in both processes."""
    path, _, function = prefix.partition("::")
    assert (ROOT / path).is_file(), f"{path} does not exist"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert callable(getattr(module, function, None)), f"{path} has no {function}"


def test_a_parametrized_test_joins_its_set_and_any_other_test_stands_alone():
    group = "tests/e2e/test_accessibility.py::test_every_page_passes_axe_for_every_role[group3of6]"
    language = "tests/i18n/test_untranslated_pages.py::test_no_english_is_left_on_any_page[sv]"
    assert same_process_set(group) == "a11y-demo-site"
    assert same_process_set(language) == "i18n-demo"
    alone = "tests/e2e/test_accessibility.py::test_structural_twins_differ_only_in_words_targets_and_values"
    assert same_process_set(alone) == alone
    # An e-mail address in a test's id is no group name (xdist's own loadgroup splits ids at '@').
    assert same_process_set("tests/test_auth.py::test_login[a@example.com]") == "tests/test_auth.py::test_login[a@example.com]"
