"""``flask org export`` and ``flask org import``: one organisation to and from a single file."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _
from flask_babel import ngettext

from ..audit import log_text, security_event
from ..extensions import db
from ..orgs.cli import org_cli
from ..orgs.services import org_by_slug
from .transfer import TransferError, export_counts, org_export, org_file_read, org_import


@org_cli.command("export")
@click.argument("org_slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_org(org_slug: str, out: Path) -> None:
    """Write organisation ORG_SLUG completely to OUT (e.g. acme.cxgov.json.gz)."""
    org = org_by_slug(org_slug)
    if org is None:
        raise click.ClickException(_("No organisation “%(slug)s”.", slug=org_slug))
    if out.exists():
        raise click.ClickException(_("%(file)s exists already; choose a new file name.", file=out))
    data = org_export(org=org)
    out.write_bytes(data)
    db.session.commit()  # the security event
    click.echo(
        ngettext(
            "exported %(org)s to %(file)s (%(num)d byte)",
            "exported %(org)s to %(file)s (%(num)d bytes)",
            len(data),
            org=org.slug,
            file=out,
        )
    )
    for name, rows in export_counts(org_file_read(data)).items():
        click.echo(f"  {name:<20} {rows:>7}")


@org_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--slug", default=None, help="Import under this short name instead of the exported one.")
def import_org(file: Path, slug: str | None) -> None:
    """Create an organisation from an export FILE; refuses a taken short name and damaged files."""
    try:
        payload = org_file_read(file.read_bytes())
        result = org_import(payload=payload, slug=slug)
    except TransferError as error:
        db.session.rollback()
        security_event("org_import", result="refused", detail=f"{file.name}: {log_text(error)}")
        db.session.commit()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        _(
            "imported %(org)s (%(name)s): %(created)s, %(matched)s",
            org=result.org.slug,
            name=result.org.name,
            created=ngettext("%(num)d user created", "%(num)d users created", result.users_created),
            matched=ngettext("%(num)d matched by e-mail", "%(num)d matched by e-mail", result.users_matched),
        )
    )
    if result.links_cleared:
        click.echo(result.links_cleared_note())
    for name, rows in sorted(result.counts.items()):
        click.echo(f"  {name:<20} {rows:>7}")
    for email, token in result.links:
        click.echo(
            _(
                "set-password link for %(email)s: %(path)s  (valid for 7 days)",
                email=email,
                path=f"/set-password/{token}",
            )
        )
