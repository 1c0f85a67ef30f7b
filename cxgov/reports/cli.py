"""``flask report ...``: one report as PDF, or every client's report at once on all cores."""

from __future__ import annotations

import functools
import importlib
import multiprocessing
import os
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..audit import security_event
from ..cli_files import export_file_write
from ..cli_help import CliGroup
from ..cycles.models import Cycle, period_valid
from ..extensions import db
from ..i18n import current_language, lang_option, rendering_in
from ..numbers import fmt_count, fmt_number
from ..orgs.models import Organisation
from ..orgs.services import org_by_slug
from .render import pdf_style, render_pdf_pages, report_html_class
from .selectors import report_context_for_cycle
from .versions import report_draft_context, report_version_get
from .word import report_docx

report_cli = CliGroup("report", help="Gap reports as PDF or Word, one organisation or all of them.")


def _speaks_lang(command: Any) -> Any:
    """Print the command's messages and errors in its --lang, the language of the report it makes."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        with rendering_in(kwargs.get("lang")):
            return command(*args, **kwargs)

    return run


def _org(slug: str) -> Organisation:
    org = org_by_slug(slug)
    if org is None:
        raise click.ClickException(_("No organisation with the short name “%(slug)s”.", slug=slug))
    return org


def _cycle(org: Organisation, period: str) -> Cycle:
    cycle = db.session.scalar(select(Cycle).where(Cycle.org_id == org.id, Cycle.period == period))
    if cycle is None:
        raise click.ClickException(_("%(org)s has no cycle for %(period)s.", org=org.slug, period=period))
    return cycle


def report_pdf_for(slug: str, period: str, lang: str | None = None) -> tuple[bytes, int]:
    """Render one organisation's report for ``period`` in ``lang``; return (pdf, page count)."""

    org = org_by_slug(slug)
    if org is None:
        raise LookupError(_("No organisation with the short name “%(slug)s”.", slug=slug))
    cycle = db.session.scalar(select(Cycle).where(Cycle.org_id == org.id, Cycle.period == period))
    if cycle is None:
        raise LookupError(_("%(org)s has no cycle for %(period)s.", org=slug, period=period))
    context = report_context_for_cycle(org, cycle, lang=lang)
    # The context is plain data: end the read transaction before the slow rendering, so no
    # SQLite lock is held while another worker wants to read.
    db.session.rollback()
    with rendering_in(context.language):
        return render_pdf_pages(context)


def _write_report(output: str, data: bytes, *, started: float, what: str) -> None:
    """Write a report file, log the export, commit and say how large it is and how long it took."""
    export_file_write(output, data, detail=f"{what} (cli)")
    click.echo(
        ngettext(
            "%(file)s: %(size)s byte in %(seconds)s s",
            "%(file)s: %(size)s bytes in %(seconds)s s",
            len(data),
            file=output,
            size=fmt_count(len(data)),
            seconds=fmt_number(time.perf_counter() - started, 2),
        )
    )


@report_cli.command("pdf")
@click.argument("org_slug")
@click.argument("period")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the PDF.",
)
@lang_option
@_speaks_lang
def pdf_command(org_slug: str, period: str, output: str, lang: str | None) -> None:
    """Write ORG's gap report for PERIOD (a quarter: 2026-Q3) to a PDF file."""
    if not period_valid(period):
        raise click.BadParameter(_("write the quarter as YYYY-Qn, e.g. 2026-Q3"), param_hint="PERIOD")
    org = _org(org_slug)
    _cycle(org, period)
    started = time.perf_counter()
    data, _pages = report_pdf_for(org.slug, period, lang)
    _write_report(output, data, started=started, what=f"report pdf {org.slug} {period}")


@report_cli.command("docx")
@click.argument("org_slug")
@click.argument("period")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the Word file.",
)
@click.option(
    "--version",
    "number",
    type=click.IntRange(1, None),
    default=None,
    help="An issued version's stored file (default: the current draft).",
)
@lang_option
@_speaks_lang
def docx_command(org_slug: str, period: str, output: str, number: int | None, lang: str | None) -> None:
    """Write ORG's gap report for PERIOD (a quarter: 2026-Q3) as a Word file (.docx)."""

    if not period_valid(period):
        raise click.BadParameter(_("write the quarter as YYYY-Qn, e.g. 2026-Q3"), param_hint="PERIOD")
    org = _org(org_slug)
    cycle = _cycle(org, period)
    started = time.perf_counter()
    if number is not None:
        version = report_version_get(org=org, cycle=cycle, number=number)
        if version is None or version.docx is None:
            raise click.ClickException(
                _("%(org)s %(period)s has no issued version %(number)d.", org=org.slug, period=period, number=number)
            )
        data = version.docx
    else:
        data = report_docx(report_draft_context(org=org, cycle=cycle, lang=lang))
    _write_report(output, data, started=started, what=f"report docx {org.slug} {period}")


# -- batch -------------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _worker_init(config: dict[str, Any] | None) -> None:
    """Give this worker its own database connections (and, when spawned, its own app)."""
    if config is None:
        # Forked: the parent's app, imports and app context came along, ready to use; only
        # its pooled connections must not be touched (they belong to the parent).
        db.engine.dispose(close=False)
        return
    # The spawned worker builds the app its parent runs. The factory is named, not imported
    # here, because the factory imports the CLI, and so this module.
    app = importlib.import_module("cxgov").create_app(config)
    ctx = app.app_context()
    ctx.push()
    _WORKER["app"] = app
    _WORKER["ctx"] = ctx


def _batch_one(
    slug: str, period: str, out_dir: str, lang: str | None = None, speaks: str | None = None
) -> tuple[str, str | None, int, float]:
    """Render one organisation in a worker; return (slug, error or None, pages, seconds).

    The error is written in ``speaks``, the language the batch command prints in (its --lang,
    else the command line's): a worker process has no command line of its own.
    """
    started = time.perf_counter()
    with rendering_in(speaks):
        path = Path(out_dir) / f"{slug}-{period}.pdf"
        try:
            data, pages = report_pdf_for(slug, period, lang)
            path.write_bytes(data)
            return slug, None, pages, time.perf_counter() - started
        except LookupError as exc:
            return slug, str(exc), 0, time.perf_counter() - started
        except OSError as exc:
            detail = _("Could not write %(file)s: %(error)s", file=str(path), error=exc.strerror or exc)
            return slug, detail, 0, time.perf_counter() - started
        except Exception as exc:  # one failing organisation must not stop the batch
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[0]
            detail = _("The report could not be made: %(error)s", error=error)
            return slug, detail, 0, time.perf_counter() - started
        finally:
            db.session.remove()


def _worker_config() -> dict[str, Any]:
    """Return the config a worker needs to reach the same database as this process."""
    config = current_app.config
    keys = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "BABEL_DEFAULT_LOCALE", "TESTING")
    return {k: config[k] for k in keys if k in config}


def _in_memory(url: str) -> bool:
    return url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite://"))


@report_cli.command("batch")
@click.option("--org", "orgs", multiple=True, help="An organisation's short name; repeat for several.")
@click.option("--all", "all_orgs", is_flag=True, help="Every organisation that has a cycle for PERIOD.")
@click.option("--period", required=True, help="The quarter, e.g. 2026-Q3.")
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for the PDFs (created if missing).",
)
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: every CPU core).")
@lang_option
@_speaks_lang
def batch_command(
    orgs: tuple[str, ...], all_orgs: bool, period: str, out_dir: str, jobs: int | None, lang: str | None
) -> None:
    """Write every selected organisation's report for PERIOD into a directory, on all cores."""
    if not period_valid(period):
        raise click.BadParameter(_("write the quarter as YYYY-Qn, e.g. 2026-Q3"), param_hint="--period")
    if bool(orgs) == all_orgs:
        raise click.UsageError(_("Name organisations with --org, or use --all (not both)."))
    if all_orgs:
        slugs = list(
            db.session.scalars(
                select(Organisation.slug)
                .join(Cycle, Cycle.org_id == Organisation.id)
                .where(Cycle.period == period)
                .order_by(Organisation.slug)
            )
        )
        if not slugs:
            raise click.ClickException(_("No organisation has a cycle for %(period)s.", period=period))
    else:
        slugs = list(dict.fromkeys(orgs))
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(
            _("Could not create %(dir)s: %(error)s", dir=out_dir, error=exc.strerror or exc)
        ) from None
    jobs = min(jobs or os.cpu_count() or 1, len(slugs))
    config = _worker_config()
    if _in_memory(config.get("SQLALCHEMY_DATABASE_URI", "")):
        jobs = 1  # other processes cannot see an in-memory database
    started = time.perf_counter()
    failures: list[tuple[str, str]] = []
    pages_total = 0
    speaks = current_language()
    with click.progressbar(
        length=len(slugs), label=_("Reports for %(period)s", period=period), show_pos=True, file=sys.stderr
    ) as bar:
        if jobs == 1:
            for slug in slugs:
                result = _batch_one(slug, period, out_dir, lang, speaks)
                pages_total += _tally(result, failures)
                bar.update(1)
        else:
            context, initargs = _pool_start(config)
            with ProcessPoolExecutor(
                max_workers=jobs, mp_context=context, initializer=_worker_init, initargs=initargs
            ) as pool:
                futures = [pool.submit(_batch_one, slug, period, out_dir, lang, speaks) for slug in slugs]
                for future in as_completed(futures):
                    pages_total += _tally(future.result(), failures)
                    bar.update(1)
    elapsed = time.perf_counter() - started
    done = len(slugs) - len(failures)
    security_event("export", detail=f"report batch {period}: {done} of {len(slugs)} (cli)")
    db.session.commit()
    click.echo(
        ngettext(
            "%(done)d of %(num)d report written to %(dir)s (%(pages)s) in %(seconds)s s with %(jobs)s.",
            "%(done)d of %(num)d reports written to %(dir)s (%(pages)s) in %(seconds)s s with %(jobs)s.",
            len(slugs),
            done=done,
            dir=out_dir,
            seconds=f"{elapsed:.1f}",
            pages=ngettext("%(num)d page", "%(num)d pages", pages_total),
            jobs=ngettext("%(num)d process", "%(num)d processes", jobs),
        )
    )
    if failures:
        click.echo(ngettext("%(num)d failed:", "%(num)d failed:", len(failures)), err=True)
        for slug, error in sorted(failures):
            click.echo(f"  {slug}: {error}", err=True)
        raise SystemExit(1)


def _pool_start(config: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:
    """Return the multiprocessing context for the batch's workers and their initializer's args.

    Fork where it is safe (a POSIX system, and no other thread that could hold a lock in
    the copy): workers start at once with everything imported, which is most of what a
    spawned worker spends its first seconds on. Otherwise spawn, and each worker builds
    its own app from ``config``.
    """
    db.session.remove()
    if _fork_is_safe():
        report_html_class()  # import WeasyPrint and parse its stylesheets once, for every child
        pdf_style()
        db.engine.dispose()  # no open connection is copied into the children
        return multiprocessing.get_context("fork"), (None,)
    return multiprocessing.get_context("spawn"), (config,)


def _fork_is_safe() -> bool:
    """Return whether this process may fork its workers: a POSIX system and no other thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _tally(result: tuple[str, str | None, int, float], failures: list[tuple[str, str]]) -> int:
    slug, error, pages, _seconds = result
    if error is not None:
        failures.append((slug, error))
    return pages
