"""Plain words for how a practice changed between framework versions (pages and report)."""

from __future__ import annotations

from typing import Callable

from flask_babel import gettext as _

from .model import Framework, text_join


def practice_change_label(framework: Framework, practice_id: str, *, gettext: Callable[..., str] = _) -> str | None:
    """Return a sentence saying how ``practice_id`` relates to the previous version, or None
    when it is unchanged or the framework has no version map."""
    vmap = framework.version_map
    if vmap is None:
        return None
    entry = vmap.mapping(practice_id)
    if entry is None or entry.change == "kept":
        return None
    ids = ", ".join(entry.from_ids)
    version, previous = framework.version, vmap.from_version
    if entry.change == "new":
        return gettext("New in %(version)s: no earlier score.", version=version)
    if entry.change == "renamed":
        return gettext(
            "Renamed in %(version)s (was %(ids)s in %(previous)s); its history carries over.",
            version=version,
            ids=ids,
            previous=previous,
        )
    if entry.change == "changed":
        return gettext(
            "Changed in %(version)s: earlier scores were given against the %(previous)s wording of %(ids)s.",
            version=version,
            previous=previous,
            ids=ids,
        )
    if entry.change == "merged":
        return gettext(
            "Merged in %(version)s from %(ids)s; earlier scores are their weighted mean.", version=version, ids=ids
        )
    return gettext("Split in %(version)s from %(ids)s; earlier scores are those of %(ids)s.", version=version, ids=ids)


def version_change_lines(
    framework: Framework, *, title: Callable[[str], str] | None = None, gettext: Callable[..., str] = _
) -> list[str]:
    """Return one sentence per kind of change from the previous version, naming its practices.

    Empty when the framework has no version map or kept every practice. ``title`` gives a
    practice's title (ids alone otherwise); ``gettext`` lets the report use its own language.
    """
    vmap = framework.version_map
    if vmap is None:
        return []
    version, previous = framework.version, vmap.from_version

    # text_join keeps a title shown in English (its translation missing) marked in the sentence
    def name(practice_id: str) -> str:
        return text_join((practice_id, " ", title(practice_id))) if title else practice_id

    grouped: dict[str, list[str]] = {}
    for entry in vmap.practices:
        if entry.change == "kept":
            continue
        text = (
            name(entry.practice_id)
            if entry.change in ("new", "changed")
            else text_join((" + ".join(entry.from_ids), " \u2192 ", name(entry.practice_id)))
        )
        grouped.setdefault(entry.change, []).append(text)
    if vmap.retired:
        grouped["retired"] = list(vmap.retired)
    # titles may hold commas, so practices with titles are separated by semicolons
    listed = {kind: text_join(items, "; " if title else ", ") for kind, items in grouped.items()}
    lines = []
    if "new" in listed:
        lines.append(
            gettext(
                "New in %(version)s, with no earlier score: %(practices)s.", version=version, practices=listed["new"]
            )
        )
    if "changed" in listed:
        lines.append(
            gettext(
                "Changed in %(version)s, so earlier quarters were scored against "
                "the %(previous)s wording: %(practices)s.",
                version=version,
                previous=previous,
                practices=listed["changed"],
            )
        )
    if "renamed" in listed:
        lines.append(
            gettext(
                "Renamed in %(version)s, with their history carried over: %(practices)s.",
                version=version,
                practices=listed["renamed"],
            )
        )
    if "merged" in listed:
        lines.append(
            gettext(
                "Merged in %(version)s, their earlier score being the weighted "
                "mean of the practices merged: %(practices)s.",
                version=version,
                practices=listed["merged"],
            )
        )
    if "split" in listed:
        lines.append(
            gettext(
                "Split in %(version)s, each part carrying the earlier score: %(practices)s.",
                version=version,
                practices=listed["split"],
            )
        )
    if "retired" in listed:
        lines.append(gettext("Retired in %(version)s: %(practices)s.", version=version, practices=listed["retired"]))
    return lines
