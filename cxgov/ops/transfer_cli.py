"""``flask org export`` and ``flask org import``: one organisation to and from a single file."""
from __future__ import annotations

from pathlib import Path

import click

from ..audit import security_event
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
        raise click.ClickException(f"No organisation {org_slug!r}.")
    if out.exists():
        raise click.ClickException(f"{out} exists already; choose a new file name.")
    data = org_export(org=org)
    out.write_bytes(data)
    db.session.commit()  # the security event
    click.echo(f"exported {org.slug} to {out} ({len(data)} bytes)")
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
        security_event("org_import", result="refused", detail=f"{file.name}: {error}")
        db.session.commit()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"imported {result.org.slug} ({result.org.name}): {result.users_created} users created, "
               f"{result.users_matched} matched by e-mail")
    for name, rows in sorted(result.counts.items()):
        click.echo(f"  {name:<20} {rows:>7}")
    for email, token in result.links:
        click.echo(f"set-password link for {email}: /set-password/{token}  (valid for 7 days)")
