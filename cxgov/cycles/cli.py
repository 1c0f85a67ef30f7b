"""``flask cycle ...``: list, open, close, score and export cycles from the command line."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..audit import security_event
from ..extensions import db
from ..framework.catalog import framework_catalog_for_org, frameworks_for_new_cycle
from ..orgs.models import Organisation
from . import exports, invitations, services
from .models import period_valid
from ..numbers import fmt_index, fmt_level, fmt_signed

cycle_cli = AppGroup("cycle", help="Quarterly self-assessment cycles.")


def _org(slug: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise click.ClickException(f"No organisation with the short name {slug!r}.")
    return org


def _cycle(org: Organisation, period: str):
    period = period.strip().upper()
    if not period_valid(period):
        raise click.ClickException(f"{period!r} is not a quarter; write it like 2026-Q4.")
    cycle = services.cycle_by_period(org, period)
    if cycle is None:
        raise click.ClickException(f"{org.slug} has no cycle for {period}.")
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
@click.option("--profile", "profile_key",
              help="Target profile of a new cycle, e.g. essentials (default: the previous "
                   "cycle's, else the framework's first).")
def open_cycle(org: str, period: str, framework_key: str | None, due: str | None,
               profile_key: str | None) -> None:
    """Open ORG's cycle for PERIOD; create it from the previous cycle when missing."""
    organisation = _org(org)
    period = period.strip().upper()
    if not period_valid(period):
        raise click.ClickException(f"{period!r} is not a quarter; write it like 2026-Q4.")
    due_date = None
    if due:
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            raise click.ClickException(f"{due!r} is not a date; write it like 2026-12-15.") from None
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
                        raise click.ClickException("Choose a framework with --framework KEY ("
                                                   + ", ".join(f.key for f in available) + ").")
                    framework_key = available[0].key
            framework = framework_catalog_for_org(organisation).get(framework_key)
            if framework is None:
                raise click.ClickException(f"No valid framework {framework_key!r}.")
            cycle = services.cycle_create(org=organisation, period=period, framework=framework,
                                          due_date=due_date, profile_key=profile_key)
            profile = f", profile {cycle.profile_key}" if cycle.profile_key else ""
            click.echo(f"Created {period} on {framework.key} v{framework.version}{profile} "
                       f"with {len(cycle.respondents)} respondents from the previous cycle.")
        elif profile_key is not None and profile_key != cycle.profile_key:
            raise click.ClickException(f"The cycle {period} already exists with profile "
                                       f"{cycle.profile_key or 'none'}.")
        elif framework_key is not None and framework_key != cycle.framework_key:
            raise click.ClickException(f"The cycle {period} already exists on {cycle.framework_key}.")
        elif due_date is not None:
            services.cycle_set_due(cycle=cycle, due_date=due_date)
        services.cycle_open(cycle=cycle)
    except services.CycleError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{organisation.slug} {period} is open.")


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
    click.echo(f"{organisation.slug} {cycle.period} is closed; index {fmt_index(result.index)}.")


@cycle_cli.command("scores")
@click.argument("org")
@click.argument("period")
def scores(org: str, period: str) -> None:
    """Print ORG's dimension table and index for PERIOD."""
    organisation = _org(org)
    cycle = _cycle(organisation, period)
    result = services.cycle_score(cycle=cycle, org=organisation)
    framework = services.cycle_framework(cycle)
    titles = {d.key: f"{d.code}. {d.title}" for d in framework.dimensions}
    width = max(len(t) for t in titles.values())

    # The same rounding and precision as the dashboard and the report (cxgov.numbers).
    click.echo(f"{'Dimension':<{width}}  {'Score':>5}  {'Index':>5}  {'Target':>6}  {'Gap':>4}  {'Change':>6}")
    for d in result.dimensions:
        click.echo(f"{titles[d.key]:<{width}}  {fmt_level(d.score):>5}  {fmt_index(d.index):>5}  "
                   f"{fmt_level(d.target):>6}  {fmt_level(d.gap):>4}  {fmt_signed(d.change):>6}")
    stage = framework.stage_for(result.index).name if result.index is not None else "-"
    live = "" if cycle.is_closed else " (live, cycle not closed)"
    click.echo(f"Index: {fmt_index(result.index)}  Stage: {stage}{live}")


@cycle_cli.command("export")
@click.argument("org")
@click.argument("period")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def export(org: str, period: str, out: str) -> None:
    """Write ORG's PERIOD answers, practice scores and dimensions to OUT.xlsx."""
    organisation = _org(org)
    cycle = _cycle(organisation, period)
    if not out.lower().endswith(".xlsx"):
        raise click.ClickException("OUT must end in .xlsx.")
    tables = exports.cycle_tables(cycle=cycle, org=organisation, include_names=True)
    try:
        exports.write_xlsx(tables, out)
    except OSError as error:
        raise click.ClickException(f"Could not write {out}: {error.strerror or error}") from None
    security_event("export", detail=f"cycle {cycle.period} xlsx (cli)", org_id=organisation.id)
    db.session.commit()
    click.echo(f"Wrote {out}: {len(tables['Answers'][1])} answers, {len(tables['Practices'][1])} practices.")


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
    click.echo(f"Queued {len(sent)} invitations.")


@cycle_cli.command("remind")
@click.argument("org")
@click.argument("period")
@click.option("--dry-run", is_flag=True, help="Print who would get a reminder; queue nothing.")
def remind(org: str, period: str, dry_run: bool) -> None:
    """Mail a reminder to every respondent who has not submitted (and has not opted out)."""
    organisation = _org(org)
    cycle = _cycle(organisation, period)
    if not cycle.is_open:
        raise click.ClickException(f"{cycle.period} is {cycle.status}; reminders are for open cycles.")
    if dry_run:
        people = invitations.reminder_recipients(cycle, organisation)
    else:
        people = invitations.respondents_remind_mail(cycle=cycle, org=organisation)
        db.session.commit()
    for respondent in people:
        click.echo(f"{respondent.contact_email}\t{respondent.display_name}")
    click.echo(f"{'Would remind' if dry_run else 'Queued reminders for'} {len(people)} people.")
