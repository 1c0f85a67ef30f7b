"""``flask benchmark show ORG PERIOD``: the anonymised benchmark of one closed cycle."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..cycles.services import cycle_by_period
from ..orgs.services import org_by_slug
from .benchmark import benchmark_for_cycle, min_peers

benchmark_cli = AppGroup("benchmark", help="The anonymised benchmark among a consultancy's clients.")


@benchmark_cli.command("show")
@click.argument("org_slug")
@click.argument("period")
@click.option("--industry", is_flag=True, help="Compare only with clients of the same industry.")
def show_command(org_slug: str, period: str, industry: bool) -> None:
    """Print where ORG's closed cycle of PERIOD stands among the other clients (aggregates only)."""
    org = org_by_slug(org_slug)
    if org is None:
        raise click.ClickException(f"No organisation {org_slug!r}.")
    cycle = cycle_by_period(org, period)
    if cycle is None:
        raise click.ClickException(f"{org_slug} has no cycle {period!r}.")
    if cycle.status != "closed":
        raise click.ClickException(f"The {period} cycle is not closed; only closed cycles are benchmarked.")
    view = benchmark_for_cycle(cycle, by_industry=industry)
    if view is None:
        click.echo(f"Not enough data: fewer than {min_peers()} other clients contribute a closed cycle on "
                   f"{cycle.framework_key} {cycle.framework_version}{' in the same industry' if industry else ''}.")
        return
    scope = f", industry {view.industry}" if view.industry else ""
    click.echo(f"{org.name} {period} among {view.peers} other clients ({view.framework}{scope})")
    click.echo(f"{'':<32} {'value':>5} {'pct':>4} {'Q1':>4} {'med':>4} {'Q3':>4}")
    for p in (view.index, *view.dimensions):
        value = "–" if p.value is None else str(p.value)
        pct = "–" if p.percentile is None else str(p.percentile)
        click.echo(f"{p.title[:32]:<32} {value:>5} {pct:>4} {p.q1:>4} {p.median:>4} {p.q3:>4}")
