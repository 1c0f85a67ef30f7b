"""``flask benchmark show ORG PERIOD``: the anonymised benchmark of one closed cycle."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from ..cli_help import CliGroup
from ..cycles.services import cycle_by_period
from ..orgs.services import org_by_slug
from .benchmark import benchmark_for_cycle, min_peers

benchmark_cli = CliGroup("benchmark", help="The anonymised benchmark among a consultancy's clients.")


@benchmark_cli.command("show")
@click.argument("org_slug")
@click.argument("period")
@click.option("--industry", is_flag=True, help="Compare only with clients of the same industry.")
def show_command(org_slug: str, period: str, industry: bool) -> None:
    """Print where ORG's closed cycle of PERIOD stands among the other clients (aggregates only)."""
    org = org_by_slug(org_slug)
    if org is None:
        raise click.ClickException(_("No organisation “%(slug)s”.", slug=org_slug))
    cycle = cycle_by_period(org, period)
    if cycle is None:
        raise click.ClickException(_("%(org)s has no cycle %(period)s.", org=org_slug, period=period))
    if cycle.status != "closed":
        raise click.ClickException(
            _("The %(period)s cycle is not closed; only closed cycles are benchmarked.", period=period)
        )
    view = benchmark_for_cycle(cycle, by_industry=industry)
    if view is None:
        framework = f"{cycle.framework_key} {cycle.framework_version}"
        click.echo(
            _(
                "Not enough data: fewer than %(num)d other clients in the same industry contribute a closed "
                "cycle on %(framework)s.",
                num=min_peers(),
                framework=framework,
            )
            if industry
            else _(
                "Not enough data: fewer than %(num)d other clients contribute a closed cycle on %(framework)s.",
                num=min_peers(),
                framework=framework,
            )
        )
        return
    if view.industry:
        click.echo(
            _(
                "%(org)s %(period)s among %(peers)d other clients (%(framework)s, industry %(industry)s)",
                org=org.name,
                period=period,
                peers=view.peers,
                framework=view.framework,
                industry=view.industry,
            )
        )
    else:
        click.echo(
            _(
                "%(org)s %(period)s among %(peers)d other clients (%(framework)s)",
                org=org.name,
                period=period,
                peers=view.peers,
                framework=view.framework,
            )
        )
    # Outside the f-string: Babel does not extract a gettext call inside one.
    # TRANSLATORS: column heads of the benchmark table (value, percentile, quartile 1, median, quartile 3)
    heads = (_("value"), _("pct"), _("Q1"), _("med"), _("Q3"))
    click.echo(f"{'':<32} {heads[0]:>5} {heads[1]:>4} {heads[2]:>4} {heads[3]:>4} {heads[4]:>4}")
    for p in (view.index, *view.dimensions):
        value = "–" if p.value is None else str(p.value)
        pct = "–" if p.percentile is None else str(p.percentile)
        click.echo(f"{p.title[:32]:<32} {value:>5} {pct:>4} {p.q1:>4} {p.median:>4} {p.q3:>4}")
