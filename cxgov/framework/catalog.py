"""The framework catalogue of a running app: shipped YAML files plus uploaded frameworks.

Sources, in order of authority:

1. every ``*.yaml``/``*.yml`` in ``current_app.config["ASSESSMENTS_DIR"]`` (one file per key
   and version, e.g. ``cx-governance.yaml`` 1.0 beside ``cx-governance-1.1.yaml``; the same
   rule as :func:`cxgov.framework.loader.load_frameworks`);
2. frameworks uploaded through the UI (:class:`~cxgov.framework.models.FrameworkUpload`),
   which may add new keys or new versions of a key.

The catalogue is built once per process and rebuilt only when its signature changes: the
``(name, mtime, size)`` of every framework file and the highest upload id. An invalid file
or upload never raises: it is listed in :attr:`Catalog.invalid` with its problems and can
never be chosen for a new cycle.

Cycles do not keep a reference to the catalogue: they store ``framework.to_snapshot()`` and
``framework.content_hash`` and rebuild with :func:`framework_from_snapshot`, so a later edit of
the YAML never changes an old cycle.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from flask import current_app, g, has_app_context
from sqlalchemy import func, select

from ..extensions import db
from .loader import (
    _l,
    already_used,
    unreadable_directory,
    LoadResult,
    Problem,
    version_key,
    version_map_against_library,
)
from .model import Framework
from .models import FrameworkUpload
from .scope import org_firms, user_firms
from .translations import (
    Overlay,
    OverlayResult,
    framework_with_overlays,
    is_overlay_file,
    load_framework_file_translated,
    load_framework_text_translated,
    load_overlay_dir,
)

if TYPE_CHECKING:
    from ..auth.models import User
    from ..orgs.models import Organisation

FRAMEWORK_SUFFIXES = (".yaml", ".yml")
_EXTENSION_KEY = "cxgov_framework_catalog"
_G_KEY = "_cxgov_translation_catalog"
_lock = threading.Lock()


@dataclass(frozen=True)
class FrameworkSource:
    """Where a framework in the catalogue came from."""

    kind: Literal["file", "upload"]
    #: the file name (for files: relative to ASSESSMENTS_DIR; for uploads: as uploaded)
    label: str
    upload_id: int | None = None
    #: the consultancy the upload belongs to (:mod:`cxgov.framework.scope`); None: platform default
    firm: str | None = None


@dataclass
class Catalog:
    """Every framework the app knows: valid ones by key and version, and the invalid ones."""

    #: key -> newest valid version of that framework
    valid: dict[str, Framework] = field(default_factory=dict)
    #: files and uploads that failed validation (or clash with another source)
    invalid: list[LoadResult] = field(default_factory=list)
    #: key -> version -> framework, every valid version
    versions: dict[str, dict[str, Framework]] = field(default_factory=dict)
    #: (key, version) -> where it came from
    sources: dict[tuple[str, str], FrameworkSource] = field(default_factory=dict)
    #: firm -> its uploads, kept out of the fields above: those hold the platform defaults only,
    #: so a lookup that names no firm never sees one firm's upload (see :meth:`for_firms`)
    firm_uploads: dict[str, list[tuple[Framework, FrameworkSource]]] = field(default_factory=dict)
    #: firm -> its uploads that failed validation
    firm_invalid: dict[str, list[LoadResult]] = field(default_factory=dict)
    #: (key, version) -> translation overlays of that version (files and uploads' blocks)
    overlays: dict[tuple[str, str], tuple[Overlay, ...]] = field(default_factory=dict)
    #: every translation overlay file read, valid or refused (``flask framework translations``)
    overlay_results: list[OverlayResult] = field(default_factory=list)
    #: content hash -> the framework with this catalogue's overlays (see :meth:`translated`)
    _translated: dict[str, Framework] = field(default_factory=dict, repr=False)
    _views: dict[frozenset[str] | None, Catalog] = field(default_factory=dict, repr=False)

    def for_firms(self, firms: frozenset[str] | None) -> Catalog:
        """Return the catalogue as seen by ``firms``: the platform's plus those firms' uploads.

        None means every firm (platform admins). Within the view a firm's newer version of a key
        is the newest, for that firm's clients only.
        """
        wanted = frozenset(self.firm_uploads) | frozenset(self.firm_invalid) if firms is None else firms
        wanted = frozenset(f for f in wanted if f in self.firm_uploads or f in self.firm_invalid)
        if not wanted:
            return self
        view = self._views.get(wanted)
        if view is None:
            view = Catalog(
                valid=dict(self.valid),
                invalid=list(self.invalid),
                versions={key: dict(v) for key, v in self.versions.items()},
                sources=dict(self.sources),
                overlays=self.overlays,
                overlay_results=self.overlay_results,
            )
            for firm in sorted(wanted):
                for framework, source in self.firm_uploads.get(firm, []):
                    view._add(framework, source)
                view.invalid.extend(self.firm_invalid.get(firm, []))
            self._views[wanted] = view
        return view

    def get(self, key: str, version: str | None = None) -> Framework | None:
        """Return the framework ``key`` at ``version`` (newest when None), or None."""
        if version is None:
            return self.valid.get(key)
        return self.versions.get(key, {}).get(version)

    def all_versions(self, key: str) -> list[Framework]:
        """Return every valid version of ``key``, oldest first (empty when unknown)."""
        return sorted(self.versions.get(key, {}).values(), key=lambda f: version_tuple(f.version))

    def translated(self, framework: Framework) -> Framework:
        """Return ``framework`` (e.g. rebuilt from a cycle's snapshot) with its version's overlays."""
        overlays = self.overlays.get((framework.key, framework.version))
        if not overlays:
            return framework
        cached = self._translated.get(framework.content_hash)
        if cached is None:
            cached = framework_with_overlays(framework, overlays)
            if len(self._translated) > 64:
                self._translated.clear()
            self._translated[framework.content_hash] = cached
        return cached

    def source(self, framework: Framework) -> FrameworkSource | None:
        """Return where ``framework`` (a catalogue entry) came from."""
        return self.sources.get((framework.key, framework.version))

    @property
    def problems(self) -> list[Problem]:
        """Every problem of every invalid entry."""
        return [p for result in self.invalid for p in result.problems]

    def _add(self, framework: Framework, source: FrameworkSource) -> None:
        self.versions.setdefault(framework.key, {})[framework.version] = framework
        self.sources[(framework.key, framework.version)] = source
        newest = self.valid.get(framework.key)
        if newest is None or version_tuple(framework.version) > version_tuple(newest.version):
            self.valid[framework.key] = framework


#: "1.10" -> (1, 10), so that 1.10 sorts after 1.9 (one definition, in the loader).
version_tuple = version_key


def upload_label(upload: FrameworkUpload) -> str:
    """Return how an upload is named in problem lists: ``upload #3 (mine.yaml)``."""
    return f"upload #{upload.id} ({upload.filename})"


def _directory_signature(directory: Path) -> tuple[Any, ...]:
    try:
        entries = []
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() in FRAMEWORK_SUFFIXES and path.is_file():
                # translation overlays included: a new translation rebuilds the catalogue
                stat = path.stat()
                entries.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(entries)
    except OSError as exc:
        return (("<unreadable>", str(exc)),)


def _upload_signature() -> tuple[int, int, int]:
    max_id, count, owned = db.session.execute(
        select(func.max(FrameworkUpload.id), func.count(FrameworkUpload.id), func.count(FrameworkUpload.firm))
    ).one()
    return (max_id or 0, count or 0, owned or 0)  # publishing an upload changes the last one


def build_catalog(directory: str | Path, uploads: list[FrameworkUpload]) -> Catalog:
    """Build a catalogue from a directory and uploads (no caching; usable without an app)."""
    directory = Path(directory)
    catalog = Catalog()
    try:
        files = sorted(
            p
            for p in directory.iterdir()
            if p.is_file() and p.suffix.lower() in FRAMEWORK_SUFFIXES and not is_overlay_file(p)
        )
    except OSError as exc:
        label = str(directory)
        catalog.invalid.append(LoadResult(None, [Problem(label, "", unreadable_directory(exc))], label))
        files = []
    first_file: dict[tuple[str, str], str] = {}
    embedded: dict[tuple[str, str], list[Overlay]] = {}
    for path in files:
        result = _relabel(load_framework_file_translated(path), path.name)
        framework = result.framework
        if framework is not None and (framework.key, framework.version) in first_file:
            # One file per key and version: versions never change once shipped.
            result = LoadResult(
                None,
                [
                    Problem(
                        result.path,
                        "key",
                        already_used(framework.key, framework.version, first_file[(framework.key, framework.version)]),
                    )
                ],
                result.path,
            )
        if result.framework is None:
            catalog.invalid.append(result)
            continue
        first_file[(result.framework.key, result.framework.version)] = path.name
        embedded[(result.framework.key, result.framework.version)] = list(result.overlays)
        catalog._add(result.framework, FrameworkSource("file", path.name))
    for upload in uploads:
        label = upload_label(upload)
        result = load_framework_text_translated(upload.yaml_text, label)
        framework = result.framework
        if framework is None:
            if upload.firm is None:
                catalog.invalid.append(result)
            else:
                catalog.firm_invalid.setdefault(upload.firm, []).append(result)
            continue
        existing = catalog.get(framework.key, framework.version)
        if existing is not None:
            if existing.content_hash == framework.content_hash:
                continue  # the same content as a shipped file: nothing new
            where = catalog.sources[(framework.key, framework.version)].label
            catalog.invalid.append(
                LoadResult(
                    None,
                    [
                        Problem(
                            label,
                            "version",
                            _l(
                                "version %(version)s of '%(key)s' is already defined by %(where)s with different content",
                                version=framework.version,
                                key=framework.key,
                                where=where,
                            ),
                        )
                    ],
                    label,
                )
            )
            continue
        source = FrameworkSource("upload", upload.filename, upload.id, upload.firm)
        embedded[(framework.key, framework.version)] = list(result.overlays)
        if upload.firm is None:
            catalog._add(framework, source)
        else:
            catalog.firm_uploads.setdefault(upload.firm, []).append((framework, source))
    _drop_broken_version_maps(catalog)
    _attach_overlays(catalog, directory, embedded)
    return catalog


def _attach_overlays(catalog: Catalog, directory: Path, embedded: dict[tuple[str, str], list[Overlay]]) -> None:
    """Read the overlay files and give every framework of the catalogue its translations.

    An upload's own ``translations`` block comes first; a file for the same language wins
    field by field (it is applied last).
    """
    frameworks = {(key, version): fw for key, versions in catalog.versions.items() for version, fw in versions.items()}
    catalog.overlay_results = load_overlay_dir(directory, frameworks)
    overlays: dict[tuple[str, str], list[Overlay]] = {k: list(v) for k, v in embedded.items() if v}
    for result in catalog.overlay_results:
        if result.overlay is not None:
            overlays.setdefault((result.overlay.key, result.overlay.version), []).append(result.overlay)
    catalog.overlays = {k: tuple(v) for k, v in overlays.items()}
    for key, versions in catalog.versions.items():
        for version, fw in list(versions.items()):
            versions[version] = catalog.translated(fw)
        newest = catalog.valid.get(key)
        if newest is not None:
            catalog.valid[key] = versions[newest.version]
    for firm, entries in catalog.firm_uploads.items():
        catalog.firm_uploads[firm] = [(catalog.translated(fw), source) for fw, source in entries]


def _drop_broken_version_maps(catalog: Catalog) -> None:
    """Move versions whose map leaves an earlier practice unaccounted for to ``invalid``.

    A map is what carries trends across versions, so a version with a broken one is never
    offered; checked here because only the whole library holds both versions.
    """
    snapshot = {key: dict(versions) for key, versions in catalog.versions.items()}
    for key, versions in snapshot.items():
        for version, framework in versions.items():
            source = catalog.sources[(key, version)]
            problems = version_map_against_library(framework, snapshot, source.label)
            if not problems:
                continue
            catalog.invalid.append(LoadResult(None, problems, source.label))
            del catalog.versions[key][version]
            del catalog.sources[(key, version)]
            remaining = catalog.all_versions(key)
            if remaining:
                catalog.valid[key] = remaining[-1]
            else:
                catalog.valid.pop(key, None)
                catalog.versions.pop(key, None)


def _relabel(result: LoadResult, label: str) -> LoadResult:
    """Name problems by file name only: the server's directory layout is nobody's business."""
    return replace(result, problems=[replace(p, file=label) for p in result.problems], path=label)


def framework_catalog() -> Catalog:
    """Return the app's catalogue, rebuilt only when a file or the uploads changed."""
    directory = Path(current_app.config["ASSESSMENTS_DIR"])
    signature = (str(directory), _directory_signature(directory), _upload_signature())
    cached = current_app.extensions.get(_EXTENSION_KEY)
    if cached is not None and cached[0] == signature:
        return cached[1]
    with _lock:
        cached = current_app.extensions.get(_EXTENSION_KEY)
        if cached is not None and cached[0] == signature:
            return cached[1]
        uploads = list(db.session.scalars(select(FrameworkUpload).order_by(FrameworkUpload.id)))
        catalog = build_catalog(directory, uploads)
        current_app.extensions[_EXTENSION_KEY] = (signature, catalog)
        return catalog


def framework_catalog_clear() -> None:
    """Forget the cached catalogue (tests that change ASSESSMENTS_DIR call this)."""
    current_app.extensions.pop(_EXTENSION_KEY, None)
    g.pop(_G_KEY, None)


def framework_catalog_for_org(org: Organisation) -> Catalog:
    """Return the catalogue as offered in ``org``: platform defaults and its consultants' firms' uploads."""
    return framework_catalog().for_firms(org_firms(org))


def framework_catalog_for_user(user: User) -> Catalog:
    """Return the catalogue ``user`` may read (the library pages)."""
    return framework_catalog().for_firms(user_firms(user))


def frameworks_for_new_cycle(org: Organisation | None = None) -> list[Framework]:
    """Return the frameworks a new cycle of ``org`` may use: the newest valid version of each, by title.

    Without an organisation: the platform defaults only.
    """
    catalog = framework_catalog() if org is None else framework_catalog_for_org(org)
    return sorted(catalog.valid.values(), key=lambda f: (str(f.title).lower(), f.key))


def framework_from_snapshot(snapshot: dict[str, Any]) -> Framework:
    """Rebuild the framework a cycle stored with ``framework.to_snapshot()``, with its translations."""
    return framework_translated(Framework.from_snapshot(snapshot))


def framework_translated(framework: Framework) -> Framework:
    """Return ``framework`` with the translation overlays of its key and version, as now.

    A cycle's snapshot holds the source text it was assessed against; translations are looked
    up by key and version, so they never change what was assessed (see cxgov.framework.translations).
    Outside an app (a bare script) the framework comes back as it is.
    """
    if not has_app_context():
        return framework
    # One catalogue check per request or CLI command: a report looks the framework up often.
    catalog = g.get(_G_KEY)
    if catalog is None:
        catalog = framework_catalog().for_firms(None)
        setattr(g, _G_KEY, catalog)
    return catalog.translated(framework)
