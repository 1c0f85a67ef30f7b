"""``flask cycle ...``: list, open, close, score and export cycles from the command line."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date

import click
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..cli_files import export_file_write
from ..cli_help import CliGroup
from ..extensions import db
from ..framework.catalog import framework_catalog_for_org, frameworks_for_new_cycle
from ..i18n import current_language, lang_option, rendering_in
from ..numbers import fmt_index, fmt_level, fmt_signed
from ..orgs.models import Organisation
from . import exports, invitations, services
from .models import Cycle, period_valid

cycle_cli = CliGroup("cycle", help="Quarterly self-assessment cycles.")


def _org(slug: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise click.ClickException(_("No organisation with the short name “%(slug)s”.", slug=slug))
    return org


def _cycle(org: Organisation, period: str) -> Cycle:
    period = period.strip().upper()
    if not period_valid(period):
        raise click.ClickException(_("%(period)s is not a quarter; write it like 2026-Q4.", period=period))
    cycle = services.cycle_by_period(org, period)
    if cycle is None:
        raise click.ClickException(_("%(org)s has no cycle for %(period)s.", org=org.slug, period=period))
    return cycle


@cycle_cli.command("list")
@click.argument("org")
def list_cycles(org: str) -> None:
    """List ORG's cycles, newest first: period, status, index."""
    organisation = _org(org)
    for cycle in services.cycles_for_org(organisation):
        index = (cycle.results or {}).get("index")
        shown = fmt_index(index) if isinstance(index, (int, float)) else "-"
        click.echo(f"{cycle.period}\t{cycle.status}\t{shown}")


@cycle_cli.command("open")
@click.argument("org")
@click.argument("period")
@click.option("--framework", "framework_key", help="Framework key (default: the previous cycle's).")
@click.option("--due", "due", help="Due date, YYYY-MM-DD.")
@click.option(
    "--profile",
    "profile_key",
    help="Target profile of a new cycle, e.g. essentials (default: the previous cycle's, else the framework's first).",
)
def open_cycle(org: str, period: str, framework_key: str | None, due: str | None, profile_key: str | None) -> None:
    """Open ORG's cycle for PERIOD; create it from the previous cycle when missing."""
    organisation = _org(org)
    period = period.strip().upper()
    if not period_valid(period):
        raise click.ClickException(_("%(period)s is not a quarter; write it like 2026-Q4.", period=period))
    due_date = None
    if due:
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            raise click.ClickException(_("%(date)s is not a date; write it like 2026-12-15.", date=due)) from None
    cycle = services.cycle_by_period(organisation, period)
    try:
        if cycle is None:
            if framework_key is None:
                latest = services.cycles_for_org(organisation)
                if latest:
                    framework_key = latest[0].framework_key
                else:
                    available = frameworks_for_new_cycle(organisation)
                    if len(available) != 1:
                        raise click.ClickException(
                            _(
                                "Choose a framework with --framework KEY (%(keys)s).",
                                keys=", ".join(f.key for f in available),
                            )
                        )
                    framework_key = available[0].key
            framework = framework_catalog_for_org(organisation).get(framework_key)
            if framework is None:
                raise click.ClickException(_("No valid framework “%(key)s”.", key=framework_key))
            cycle = services.cycle_create(
                org=organisation, period=period, framework=framework, due_date=due_date, profile_key=profile_key
            )
            respondents = len(cycle.respondents)
            if cycle.profile_key:
                click.echo(
                    ngettext(
                        "Created %(period)s on %(framework)s v%(version)s, profile %(profile)s, with "
                        "%(num)d respondent from the previous cycle.",
                        "Created %(period)s on %(framework)s v%(version)s, profile %(profile)s, with "
                        "%(num)d respondents from the previous cycle.",
                        respondents,
                        period=period,
                        framework=framework.key,
                        version=framework.version,
                        profile=cycle.profile_key,
                    )
                )
            else:
                click.echo(
                    ngettext(
                        "Created %(period)s on %(framework)s v%(version)s with %(num)d respondent "
                        "from the previous cycle.",
                        "Created %(period)s on %(framework)s v%(version)s with %(num)d respondents "
                        "from the previous cycle.",
                        respondents,
                        period=period,
                        framework=framework.key,
                        version=framework.version,
                    )
                )
        elif profile_key is not None and profile_key != cycle.profile_key:
            raise click.ClickException(
                _(
                    "The cycle %(period)s already exists with profile %(profile)s.",
                    period=period,
                    profile=cycle.profile_key,
                )
                if cycle.profile_key
                else _("The cycle %(period)s already exists without a profile.", period=period)
            )
        elif framework_key is not None and framework_key != cycle.framework_key:
            raise click.ClickException(
                _("The cycle %(period)s already exists on %(framework)s.", period=period, framework=cycle.framework_key)
            )
        elif due_date is not None:
            services.cycle_set_due(cycle=cycle, due_date=due_date)
        services.cycle_open(cycle=cycle)
    except services.CycleError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(_("%(org)s %(period)s is open.", org=organisation.slug, period=period))


@cycle_cli.command("close")
@click.argument("org")
@click.argument("period")
def close_cycle(org: str, period: str) -> None:
    """Close ORG's open cycle for PERIOD and store its results."""
    organisation = _org(org)
    cycle = _cycle(organisation, period)
    try:
        result = services.cycle_close(cycle=cycle, org=organisation, by=None)
    except services.CycleError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        _(
            "%(org)s %(period)s is closed; index %(index)s.",
            org=organisation.slug,
            period=cycle.period,
            index=fmt_index(result.index),
        )
    )


@cycle_cli.command("scores")
@click.argument("org")
@click.argument("period")
def scores(org: str, period: str) -> None:
    """Print ORG's dimension table and index for PERIOD."""
    organisation = _org(org)
    cycle = _cycle(organisation, period)
    result = services.cycle_score(cycle=cycle, org=organisation)
    framework = services.cycle_framework(cycle)
    lang = current_language()  # the command line's (Text's str() is the English source)
    titles = {d.key: f"{d.code}. {d.title.get(lang)}" for d in framework.dimensions}
    width = max(len(t) for t in titles.values())

    # The same rounding and precision as the dashboard and the report (cxgov.numbers).
    click.echo(
        f"{_('Dimension'):<{width}}  {_('Score'):>5}  {_('Index'):>5}  {_('Target'):>6}  {_('Gap'):>4}  "
        f"{_('Change'):>6}"
    )
    for d in result.dimensions:
        click.echo(
            f"{titles[d.key]:<{width}}  {fmt_level(d.score):>5}  {fmt_index(d.index):>5}  "
            f"{fmt_level(d.target):>6}  {fmt_level(d.gap):>4}  {fmt_signed(d.change):>6}"
        )
    stage = framework.stage_for(result.index).name.get(lang) if result.index is not None else "-"
    if cycle.is_closed:
        click.echo(_("Index: %(index)s  Stage: %(stage)s", index=fmt_index(result.index), stage=stage))
    else:
        click.echo(
            _("Index: %(index)s  Stage: %(stage)s (live, cycle not closed)", index=fmt_index(result.index), stage=stage)
        )


@cycle_cli.command("export")
@click.argument("org")
@click.argument("period")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@lang_option
def export(org: str, period: str, out: str, lang: str | None) -> None:
    """Write ORG's PERIOD answers, practice scores and dimensions to OUT.xlsx."""
    # Messages and errors in the export's --lang when one is given (it wins over CXGOV_LANG).
    with rendering_in(lang) if lang else nullcontext():
        organisation = _org(org)
        cycle = _cycle(organisation, period)
        if not out.lower().endswith(".xlsx"):
            raise click.ClickException(_("OUT must end in .xlsx."))
        tables = exports.cycle_tables(cycle=cycle, org=organisation, include_names=True, lang=lang)
        export_file_write(
            out, exports.cycle_xlsx(tables), detail=f"cycle {cycle.period} xlsx (cli)", org_id=organisation.id
        )
        click.echo(
            _(
                "Wrote %(file)s: %(answers)s, %(practices)s.",
                file=out,
                answers=ngettext("%(num)d answer", "%(num)d answers", len(tables["Answers"].rows)),
                practices=ngettext("%(num)d practice", "%(num)d practices", len(tables["Practices"].rows)),
            )
        )


@cycle_cli.command("invite")
@click.argument("org")
@click.argument("period")
def invite(org: str, period: str) -> None:
    """Mail an invitation to every respondent of an open cycle who has not had one."""
    organisation = _org(org)
    cycle = _cycle(organisation, period)
    try:
        sent = invitations.respondents_invite_mail(cycle=cycle, org=organisation)
    except services.CycleError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for item in sent:
        click.echo(item.respondent.contact_email)
    click.echo(ngettext("Queued %(num)d invitation.", "Queued %(num)d invitations.", len(sent)))


@cycle_cli.command("remind")
@click.argument("org")
@click.argument("period")
@click.option("--dry-run", is_flag=True, help="Print who would get a reminder; queue nothing.")
def remind(org: str, period: str, dry_run: bool) -> None:
    """Mail a reminder to every respondent who has not submitted (and has not opted out)."""
    organisation = _org(org)
    cycle = _cycle(organisation, period)
    if not cycle.is_open:
        raise click.ClickException(_("%(period)s is not open; reminders are for open cycles.", period=cycle.period))
    if dry_run:
        people = invitations.reminder_recipients(cycle, organisation)
    else:
        people = invitations.respondents_remind_mail(cycle=cycle, org=organisation)
        db.session.commit()
    for respondent in people:
        click.echo(f"{respondent.contact_email}\t{respondent.display_name}")
    click.echo(
        ngettext("Would remind %(num)d person.", "Would remind %(num)d people.", len(people))
        if dry_run
        else ngettext("Queued reminders for %(num)d person.", "Queued reminders for %(num)d people.", len(people))
    )
