"""``flask register ...``: the register from the command line (health; import and export from transfer/)."""

from __future__ import annotations

from datetime import date

import click
from flask_babel import gettext as _
from flask_babel import pgettext

from ..cli_help import CliGroup
from ..orgs.services import org_by_slug
from .health import register_health
from .transfer.cli import export_command, import_command

register_cli = CliGroup("register", help="The governance register: health checks, import and export.")


@register_cli.command("health")
@click.argument("org_slug")
@click.option("--details", is_flag=True, help="Also list the offending rows of each check.")
def health_command(org_slug: str, details: bool) -> None:
    """Print each register health check of ORG with its status and count, then the score."""
    org = org_by_slug(org_slug)
    if org is None:
        raise click.ClickException(_("No organisation “%(slug)s”.", slug=org_slug))
    report = register_health(org, date.today())
    width = max(len(r.key) for r in report.results)
    # A check's status in the CLI's language (the score line's "pass, warn, fail"); its key stays the code.
    words = {
        "ok": _("PASS"),
        "warn": _("WARN"),
        "fail": _("FAIL"),
        "na": pgettext("register health", "N/A"),  # not enough data ("N/A" alone means not applicable)
    }
    word_width = max(len(word) for word in words.values())
    for result in report.results:
        status = words[result.status]
        click.echo(f"{status:<{word_width}}  {result.key:<{width}}  {result.count:>4}  {result.detail}")
        if details:
            for row in result.offending:
                # under the check's key, whatever the width of the status words in this language
                click.echo(f"{'':>{word_width + 2}}- {row.kind} {row.id}: {row.label}")
    counts = report.counts()
    click.echo(
        _(
            "score %(score)d/100 (%(ok)d pass, %(warn)d warn, %(fail)d fail, %(na)d not enough data)",
            score=report.score,
            ok=counts["ok"],
            warn=counts["warn"],
            fail=counts["fail"],
            na=counts["na"],
        )
    )


register_cli.add_command(import_command)
register_cli.add_command(export_command)
