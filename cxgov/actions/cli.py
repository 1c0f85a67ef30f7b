"""``flask action ...``: the action plan from the command line (list, export)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date
from pathlib import Path

import click
from flask_babel import gettext as _
from flask_babel import ngettext

from ..cli_files import export_file_write
from ..cli_help import CliGroup
from ..extensions import db
from ..i18n import lang_option, rendering_in
from ..orgs.models import Organisation
from ..orgs.services import org_by_slug
from .export import action_plan_csv, action_plan_xlsx
from .models import ACTION_STATUSES
from .reminders import action_digests, action_digests_mail
from .selectors import ActionFilters, actions_list

action_cli = CliGroup("action", help="The action plan of an organisation.")


def _org(slug: str) -> Organisation:
    org = org_by_slug(slug)
    if org is None:
        raise click.ClickException(_("No organisation with the short name “%(slug)s”.", slug=slug))
    return org


@action_cli.command("list")
@click.argument("org_slug")
@click.option(
    "--status",
    type=click.Choice([*ACTION_STATUSES, "open"]),
    default=None,
    help="Only actions with this status (open = planned or in progress).",
)
@click.option("--overdue", is_flag=True, help="Only open actions past their due date.")
def list_actions(org_slug: str, status: str | None, overdue: bool) -> None:
    """Print the action plan: practice, status, owner, due date and title, one action a line."""
    org = _org(org_slug)
    today = date.today()
    for action in actions_list(org.id, ActionFilters(status=status, overdue=overdue), today):
        # The status is the code --status takes (syntax); the overdue flag is a word.
        late = " " + _("OVERDUE") if action.is_overdue(today) else ""
        click.echo(
            "\t".join(
                [
                    action.practice_id or "-",
                    action.status + late,
                    action.owner.name if action.owner else "-",
                    action.due_date.isoformat() if action.due_date else "-",
                    action.title,
                ]
            )
        )


@action_cli.command("export")
@click.argument("org_slug")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@lang_option
def export_actions(org_slug: str, out: Path, lang: str | None) -> None:
    """Write the action plan to OUT (.xlsx, or .csv for comma-separated text)."""
    # Messages and errors in the export's --lang when one is given (it wins over CXGOV_LANG).
    with rendering_in(lang) if lang else nullcontext():
        org = _org(org_slug)
        suffix = out.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise click.ClickException(_("Name the output file .xlsx or .csv."))
        data = action_plan_xlsx(org=org, lang=lang) if suffix == ".xlsx" else action_plan_csv(org=org, lang=lang)
        export_file_write(out, data, detail=f"action plan {suffix[1:]} (cli)", org_id=org.id)
        click.echo(_("Wrote %(file)s", file=out))


@action_cli.command("remind")
@click.argument("org_slug")
@click.option("--dry-run", is_flag=True, help="Print who would get a digest; queue nothing.")
def remind(org_slug: str, dry_run: bool) -> None:
    """Mail each action owner a digest of their actions due within 7 days or overdue."""
    org = _org(org_slug)
    today = date.today()
    digests = action_digests(org=org, today=today) if dry_run else action_digests_mail(org=org, today=today)
    for digest in digests:
        click.echo(f"{digest.owner.email}\t" + ngettext("%(num)d action", "%(num)d actions", len(digest.actions)))
    if not dry_run:
        db.session.commit()
    click.echo(
        ngettext("Would queue %(num)d digest.", "Would queue %(num)d digests.", len(digests))
        if dry_run
        else ngettext("Queued %(num)d digest.", "Queued %(num)d digests.", len(digests))
    )
