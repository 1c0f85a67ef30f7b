"""``flask framework ...``: list, validate, export and publish maturity frameworks."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..audit import security_event
from ..cli_files import export_file_write
from ..cli_help import CliGroup
from ..extensions import db
from ..i18n import SUPPORTED_LANGUAGES, rendering_in
from ..messages import N_
from ..numbers import fmt_index
from .catalog import framework_catalog, framework_catalog_clear
from .crosswalk import crosswalk_build, crosswalk_workbook
from .export import framework_xlsx
from .loader import load_framework_file
from .models import FrameworkUpload
from .translations import translation_gaps

framework_cli = CliGroup("framework", help="List, validate and export maturity frameworks.")

#: Where a framework version comes from, in `flask framework list`.
SOURCE_KINDS = {"file": N_("file %(label)s"), "upload": N_("upload %(label)s")}


@framework_cli.command("list")
def list_frameworks() -> None:
    """Print every framework version (key, version, practices, status), then invalid files."""
    catalog = framework_catalog().for_firms(None)  # the operator sees every firm's uploads
    for key in sorted(catalog.versions):
        for fw in catalog.all_versions(key):
            source = catalog.source(fw)
            where = ""
            if source:
                where = _(SOURCE_KINDS[source.kind], label=source.label)
                if source.firm:
                    where = _("%(source)s (firm %(firm)s)", source=where, firm=source.firm)
            practices = ngettext("%(num)d practice", "%(num)d practices", len(fw.practices))
            valid = _("valid")  # outside the f-string: Babel does not extract inside one
            click.echo(f"{fw.key}\t{fw.version}\t{practices}\t{valid}\t{where}")
    for result in catalog.invalid:
        problems = ngettext("%(num)d problem", "%(num)d problems", len(result.problems))
        invalid = _("invalid")
        click.echo(f"{result.path}\t{invalid}\t{problems}")


@framework_cli.command("translations")
@click.argument("key", required=False)
@click.option("--version", "version", default=None, help="A specific version (default: every version).")
def translations(key: str | None, version: str | None) -> None:
    """Print per language how complete each framework's translation is, then refused overlays.

    Exits 1 when an overlay file was refused (wrong ids or list lengths), so a build can check it.
    """
    catalog = framework_catalog().for_firms(None)
    for fw_key in sorted(catalog.versions):
        if key and fw_key != key:
            continue
        for fw in catalog.all_versions(fw_key):
            if version and fw.version != version:
                continue
            for lang in SUPPORTED_LANGUAGES:
                if lang == "en":
                    continue
                gaps = translation_gaps(fw, lang)
                done = gaps.total - len(gaps.missing)
                status = _("complete") if gaps.complete else _("%(count)d missing", count=len(gaps.missing))
                texts = ngettext("%(done)d/%(num)d text", "%(done)d/%(num)d texts", gaps.total, done=done)
                click.echo(f"{fw.key}\t{fw.version}\t{lang}\t{texts}\t{status}")
                if gaps.practice_ids:
                    click.echo("  " + _("practices: %(ids)s", ids=", ".join(gaps.practice_ids)))
                other = [p for p in gaps.missing if not p.startswith("practices.")]
                if other:
                    click.echo("  " + _("fields: %(fields)s", fields=", ".join(other)))
    refused = [r for r in catalog.overlay_results if r.overlay is None]
    for result in refused:
        for problem in result.problems:
            click.echo(str(problem))
        click.echo(
            ngettext(
                "%(path)s: refused: %(num)d problem",
                "%(path)s: refused: %(num)d problems",
                len(result.problems),
                path=result.path,
            ),
            err=True,
        )
    if refused:
        raise SystemExit(1)


@framework_cli.command("validate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def validate(path: Path) -> None:
    """Check one framework file; print every problem and exit 1 when it is invalid."""
    result = load_framework_file(path)
    if result.framework is None:
        for problem in result.problems:
            click.echo(str(problem))
        count = len(result.problems)
        click.echo(
            ngettext("%(path)s: invalid: %(num)d problem", "%(path)s: invalid: %(num)d problems", count, path=path),
            err=True,
        )
        raise SystemExit(1)
    fw = result.framework
    click.echo(
        _(
            "%(path)s: valid: %(key)s %(version)s, %(dimensions)s, %(practices)s, hash %(hash)s",
            path=path,
            key=fw.key,
            version=fw.version,
            dimensions=ngettext("%(num)d dimension", "%(num)d dimensions", len(fw.dimensions)),
            practices=ngettext("%(num)d practice", "%(num)d practices", len(fw.practices)),
            hash=fw.content_hash[:12],
        )
    )


@framework_cli.command("export")
@click.argument("key")
@click.option(
    "--xlsx",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the practices, levels and next steps to this .xlsx file.",
)
@click.option("--version", "version", default=None, help="A specific version (default: newest).")
@click.option(
    "--lang",
    default=None,
    type=click.Choice(list(SUPPORTED_LANGUAGES)),
    help="Language of the texts and headers (default: English).",
)
def export(key: str, out: Path, version: str | None, lang: str | None) -> None:
    """Export a framework as a spreadsheet a consultant can review with a client."""
    # Messages and errors in the export's --lang when one is given (it wins over CXGOV_LANG).
    with rendering_in(lang) if lang else nullcontext():
        catalog = framework_catalog().for_firms(None)
        fw = catalog.get(key, version)
        if fw is None:
            known = (
                ", ".join(f"{f.key} {f.version}" for k in sorted(catalog.versions) for f in catalog.all_versions(k))
                or "none"
            )
            wanted = f"{key} {version}" if version else key
            raise click.ClickException(
                _("No valid framework “%(key)s”. Valid frameworks: %(known)s.", key=wanted, known=known)
            )
        export_file_write(out, framework_xlsx(fw, lang=lang), detail=f"framework {fw.key} {fw.version} xlsx {out.name}")
        click.echo(
            ngettext(
                "%(file)s: %(key)s %(version)s, %(num)d practice",
                "%(file)s: %(key)s %(version)s, %(num)d practices",
                len(fw.practices),
                file=out,
                key=fw.key,
                version=fw.version,
            )
        )


@framework_cli.command("crosswalk")
@click.argument("key")
@click.option(
    "--model", "model_key", required=True, help="Reference model id from the file's reference_models, e.g. iso-23592."
)
@click.option("--version", "version", default=None, help="A specific version (default: newest).")
@click.option(
    "--xlsx",
    "out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the crosswalk to this .xlsx file.",
)
@click.option(
    "--lang",
    default=None,
    type=click.Choice(list(SUPPORTED_LANGUAGES)),
    help="Language of the practice titles (default: English).",
)
def crosswalk(key: str, model_key: str, version: str | None, out: Path | None, lang: str | None) -> None:
    """Print how KEY covers a reference model: practices per element, then the coverage."""
    fw = framework_catalog().for_firms(None).get(key, version)
    if fw is None:
        wanted = f"{key} {version}" if version else key
        raise click.ClickException(_("No valid framework “%(key)s”.", key=wanted))
    try:
        table = crosswalk_build(framework=fw, model_key=model_key, lang=lang)
    except KeyError:
        known = ", ".join(m.key for m in fw.reference_models) or _("none")
        raise click.ClickException(
            _(
                "%(key)s %(version)s has no reference model “%(model)s”. Known models: %(known)s.",
                key=fw.key,
                version=fw.version,
                model=model_key,
                known=known,
            )
        ) from None
    click.echo(f"{table.model_title} · {fw.key} {fw.version}")
    for element in table.elements:
        covering = ", ".join(pid for pid, _title in element.practices) or _("NOT COVERED")
        click.echo(f"{element.element_id}\t{element.title}\t{covering}")
    click.echo(
        ngettext(
            "coverage: %(covered)d/%(num)d element (%(percent)s%%)",
            "coverage: %(covered)d/%(num)d elements (%(percent)s%%)",
            len(table.elements),
            covered=table.n_covered,
            percent=fmt_index(100 * table.coverage),
        )
    )
    if out is not None:
        with rendering_in(lang):
            data = crosswalk_workbook(table)
        export_file_write(out, data, detail=f"crosswalk {fw.key} {fw.version} {model_key} {out.name}")
        click.echo(_("%(file)s: written", file=out))


@framework_cli.command("publish")
@click.argument("key")
@click.argument("version")
def publish(key: str, version: str) -> None:
    """Make a firm's uploaded framework KEY VERSION a platform default, offered in every organisation."""
    upload = db.session.scalar(
        select(FrameworkUpload).where(FrameworkUpload.key == key, FrameworkUpload.version == version)
    )
    if upload is None:
        raise click.ClickException(
            _(
                "No uploaded framework “%(key)s %(version)s” (shipped files are defaults already).",
                key=key,
                version=version,
            )
        )
    if upload.firm is None:
        click.echo(_("%(key)s %(version)s is a platform default already.", key=key, version=version))
        return
    firm, upload.firm = upload.firm, None
    security_event("framework_publish", detail=f"{key} {version} of {firm} is now a platform default")
    db.session.commit()
    framework_catalog_clear()
    click.echo(
        _("%(key)s %(version)s (uploaded by %(firm)s) is now a platform default.", key=key, version=version, firm=firm)
    )
