"""Plain words for how a practice changed between framework versions (pages and report)."""
from __future__ import annotations

from flask_babel import gettext as _

from .model import Framework


def practice_change_label(framework: Framework, practice_id: str) -> str | None:
    """Return a sentence saying how ``practice_id`` relates to the previous version, or None
    when it is unchanged or the framework has no version map."""
    vmap = framework.version_map
    entry = vmap.mapping(practice_id) if vmap is not None else None
    if entry is None or entry.change == "kept":
        return None
    ids = ", ".join(entry.from_ids)
    version, previous = framework.version, vmap.from_version  # type: ignore[union-attr]
    if entry.change == "new":
        return _("New in %(version)s: no earlier score.", version=version)
    if entry.change == "renamed":
        return _("Renamed in %(version)s (was %(ids)s in %(previous)s); its history carries "
                 "over.", version=version, ids=ids, previous=previous)
    if entry.change == "changed":
        return _("Changed in %(version)s: earlier scores were given against the %(previous)s "
                 "wording of %(ids)s.", version=version, previous=previous, ids=ids)
    if entry.change == "merged":
        return _("Merged in %(version)s from %(ids)s; earlier scores are their weighted mean.",
                 version=version, ids=ids)
    return _("Split in %(version)s from %(ids)s; earlier scores are those of %(ids)s.",
             version=version, ids=ids)
