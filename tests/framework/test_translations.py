"""Translation overlays: format (the README's example), validation against the source, fallback."""
from __future__ import annotations

import re
from pathlib import Path

from cxgov.framework.loader import DEFAULT_FRAMEWORK_DIR, load_framework_text, load_frameworks
from cxgov.framework.translations import (
    framework_with_overlays,
    is_overlay_file,
    load_framework_text_translated,
    load_overlay_dir,
    overlay_from_data,
    shows_fallback,
    translation_gaps,
)
from tests.fast_yaml import yaml_dump, yaml_load

README = DEFAULT_FRAMEWORK_DIR / "README.md"


def _yaml_after(heading: str, index: int = 0) -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)[index]


def example_framework():
    result = load_framework_text(_yaml_after("## Minimal example"), "example.yaml")
    assert result.ok, result.problems
    return result.framework


def example_overlay_data() -> dict:
    return yaml_load(_yaml_after("## Translations"))


def test_the_readme_overlay_is_valid_and_complete() -> None:
    fw = example_framework()
    result = overlay_from_data(example_overlay_data(), framework=fw, source="example.sv.yaml",
                               language="sv")
    assert result.problems == []
    translated = framework_with_overlays(fw, [result.overlay])
    assert translated.content_hash == fw.content_hash
    assert translated.to_snapshot() == fw.to_snapshot()  # overlays are not content
    assert translation_gaps(translated, "sv").complete
    practice = translated.practice("B3")
    assert practice.title.get("sv") == "Utse en CX-sponsor i ledningen"
    assert practice.level_text(5, "sv") == "Sponsorns ingripanden har ändrat namngivna beslut."
    assert practice.title.get("en") == "Appoint a senior CX sponsor"
    assert not shows_fallback(translated, "sv")


def test_a_partial_overlay_falls_back_field_by_field_and_says_so() -> None:
    fw = example_framework()
    data = example_overlay_data()
    del data["practices"]["B3"]["levels"]
    del data["title"]
    result = overlay_from_data(data, framework=fw, source="example.sv.yaml", language="sv")
    assert result.problems == []
    translated = framework_with_overlays(fw, [result.overlay])
    assert translated.title.get("sv") == "Example framework"
    assert translated.practice("B3").title.get("sv") == "Utse en CX-sponsor i ledningen"
    assert translated.practice("B3").level_text(1, "sv") == \
        "No senior person speaks for the customer experience."
    gaps = translation_gaps(translated, "sv")
    assert "title" in gaps.missing and "practices.B3.levels[0]" in gaps.missing
    assert gaps.practice_ids == ("B3",)
    assert shows_fallback(translated, "sv")
    # Danish has no overlay at all: everything is missing, the source is shown.
    da = translation_gaps(translated, "da")
    assert len(da.missing) == da.total == 24
    assert not shows_fallback(translated, "en")


def test_inline_translations_count_as_translated() -> None:
    fw = example_framework()
    assert fw.stages[1].name.get("sv") == "Etablerad"
    assert "stages.established.name" not in translation_gaps(fw, "sv").missing


def test_unknown_ids_and_wrong_lengths_refuse_the_overlay() -> None:
    fw = example_framework()
    data = example_overlay_data()
    data["practices"]["B9"] = {"title": "Finns inte"}
    data["practices"]["B3"]["next_steps"] = data["practices"]["B3"]["next_steps"][:3]
    data["dimensions"]["nope"] = {"title": "Nej"}
    data["level_names"] = ["En", "Två"]
    data["practices"]["B3"]["levels"][2] = ""
    data["practices"]["B3"]["sources"] = ["000"]
    result = overlay_from_data(data, framework=fw, source="example.sv.yaml", language="sv")
    assert result.overlay is None
    paths = {p.path for p in result.problems}
    assert {"practices.B9", "practices.B3.next_steps", "dimensions.nope", "level_names",
            "practices.B3.levels[2]", "practices.B3.sources"} <= paths
    messages = " ".join(p.message for p in result.problems)
    assert "exactly 4 entries" in messages and "no practice 'B9'" in messages


def test_key_version_and_language_must_match(tmp_path: Path) -> None:
    fw = example_framework()
    data = example_overlay_data()
    data.update(key="other", version="2.0", language="da")
    result = overlay_from_data(data, framework=fw, source="example.sv.yaml", language="sv")
    assert {p.path for p in result.problems} >= {"key", "version", "language"}


def test_overlay_files_are_found_by_name_and_never_read_as_frameworks(tmp_path: Path) -> None:
    assert is_overlay_file("cx-governance-1.1.sv.yaml")
    assert is_overlay_file("cx-governance.nb.yml")
    assert not is_overlay_file("cx-governance-1.1.yaml")
    assert not is_overlay_file("cx-governance.yaml")
    (tmp_path / "example.yaml").write_text(_yaml_after("## Minimal example"), encoding="utf-8")
    (tmp_path / "example.sv.yaml").write_text(_yaml_after("## Translations"), encoding="utf-8")
    (tmp_path / "example.da.yaml").write_text("key: example\nversion: \"1.0\"\nlanguage: da\n"
                                              "practices: {B3: {levels: [a, b]}}\n", encoding="utf-8")
    catalog = load_frameworks(tmp_path)
    assert catalog.invalid == []
    results = {Path(r.path).name: r for r in load_overlay_dir(tmp_path, {("example", "1.0"): catalog.get("example")})}
    assert results["example.sv.yaml"].overlay is not None
    assert results["example.da.yaml"].overlay is None
    assert "exactly 5 entries" in str(results["example.da.yaml"].problems[0])


def test_an_uploaded_framework_carries_translations_without_changing_its_hash() -> None:
    source = _yaml_after("## Minimal example")
    plain = load_framework_text(source, "example.yaml").framework
    block = yaml_dump({"translations": {"da": {"title": "Eksempel", "practices": {
        "B3": {"title": "Udpeg en CX-sponsor i ledelsen"}}}}}, allow_unicode=True)
    result = load_framework_text_translated(source + block, "example.yaml")
    assert result.ok, result.problems
    assert result.framework.content_hash == plain.content_hash
    assert [o.language for o in result.overlays] == ["da"]
    translated = framework_with_overlays(result.framework, result.overlays)
    assert translated.practice("B3").title.get("da") == "Udpeg en CX-sponsor i ledelsen"

    bad = yaml_dump({"translations": {"da": {"practices": {"Z1": {"title": "x"}}}}})
    refused = load_framework_text_translated(source + bad, "example.yaml")
    assert refused.framework is None
    assert refused.problems[0].path == "translations.da.practices.Z1"
