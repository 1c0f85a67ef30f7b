"""``flask register import`` and ``flask register export``: the register as spreadsheets."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm.exc import StaleDataError

from ...cli_help import CliCommand
from ...extensions import db
from ...numbers import fmt_count
from ...i18n import lang_option
from ...orgs.models import Organisation
from ...orgs.services import org_by_slug
from . import services
from .spreadsheet import MAX_FILE_BYTES, TABLE_BY_KEY, SpreadsheetError


def _org(slug: str) -> Organisation:
    """Return the organisation with ``slug``, or stop the command with a message."""
    org = org_by_slug(slug)
    if org is None:
        raise click.ClickException(_("No organisation “%(slug)s”.", slug=slug))
    return org


@click.command("import", cls=CliCommand)
@click.argument("org_slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and print the plan; write nothing.")
@click.option(
    "--table",
    type=click.Choice(sorted(TABLE_BY_KEY)),
    default=None,
    help="For a CSV file: the table it holds (else from the file name or its columns).",
)
def import_command(org_slug: str, file: Path, dry_run: bool, table: str | None) -> None:
    """Import an XLSX or CSV file into ORG's register, all or nothing.

    Prints what is added, changed and left alone per sheet, and every problem with its sheet,
    row, column and reason; exits with status 1 (writing nothing) when there is any problem.
    """
    org = _org(org_slug)
    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException(
            _("%(file)s is larger than %(mb)d MB.", file=file, mb=MAX_FILE_BYTES // (1024 * 1024))
        )
    data = file.read_bytes()
    try:
        checked = services.import_read(data=data, filename=file.name, table=table)
    except SpreadsheetError as error:
        raise click.ClickException(str(error)) from error
    plan = services.import_plan(org=org, checked=checked)
    for line in plan.summary_lines():
        click.echo(line)
    if plan.ignored_sheets:
        click.echo(_("Ignored sheets (not part of the register): %(names)s", names=", ".join(plan.ignored_sheets)))
    if not plan.ok:
        for problem in plan.errors:
            click.echo(str(problem), err=True)
        click.echo(
            ngettext(
                "%(num)d problem; nothing was imported.", "%(num)d problems; nothing was imported.", len(plan.errors)
            ),
            err=True,
        )
        raise SystemExit(1)
    if dry_run:
        click.echo(
            _(
                "Dry run: %(added)d to add, %(changed)d to change; nothing was written.",
                added=plan.added,
                changed=plan.changed,
            )
        )
        return
    try:
        batch = services.import_apply(
            org=org, plan=plan, by=None, filename=file.name, sha256=hashlib.sha256(data).hexdigest()
        )
        db.session.commit()
    except services.ImportRefused as refused:
        db.session.rollback()
        for row_error in refused.errors:
            click.echo(str(row_error), err=True)
        click.echo(str(refused), err=True)
        raise SystemExit(1) from None
    except (services.ImportConflict, StaleDataError) as error:
        db.session.rollback()
        raise click.ClickException(
            _("The register changed while importing; nothing was written. Run the command again.")
        ) from error
    click.echo(
        _(
            "Imported: %(added)d added, %(changed)d changed, %(unchanged)d unchanged (import #%(id)d).",
            added=batch.rows_added,
            changed=batch.rows_changed,
            unchanged=batch.rows_unchanged,
            id=batch.id,
        )
    )


@click.command("export", cls=CliCommand)
@click.argument("org_slug")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--table",
    type=click.Choice(sorted(TABLE_BY_KEY)),
    default=None,
    help="Write one table as CSV instead of the whole workbook (OUT should end in .csv).",
)
@lang_option
def export_command(org_slug: str, out: Path, table: str | None, lang: str | None) -> None:
    """Export ORG's register to OUT: an .xlsx workbook, or one table as CSV with --table."""
    org = _org(org_slug)
    if table is None and out.suffix.lower() == ".csv":
        raise click.ClickException(_("A CSV file holds one table: add --table (e.g. --table touchpoints)."))
    data = (
        services.register_export_csv(org=org, table=table)
        if table
        else services.register_export_xlsx(org=org, lang=lang)
    )
    out.write_bytes(data)
    db.session.commit()  # the security log entry
    click.echo(
        ngettext(
            "Wrote %(file)s (%(size)s byte).",
            "Wrote %(file)s (%(size)s bytes).",
            len(data),
            file=out,
            size=fmt_count(len(data)),
        )
    )
