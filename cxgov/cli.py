"""The list of ``flask`` command groups, one per noun."""

from __future__ import annotations

from typing import Any

import click
from flask import has_app_context
from flask_babel import gettext, refresh
from sqlalchemy.exc import OperationalError, ProgrammingError

from .cli_help import builtin_help_install, click_messages_install
from .messages import N_

#: What a database says when a table the code needs is not there (SQLite, PostgreSQL).
_MISSING_TABLE = ("no such table", "does not exist")
UNMIGRATED = N_(
    "The database has no table %(table)s yet: it is not migrated. "
    "Run `flask db upgrade` first (in the virtualenv: .venv/bin/flask db upgrade)."
)


def _missing_table(error: Exception) -> str | None:
    """Return the missing table's name (or "?") when ``error`` says a table does not exist."""
    text = str(getattr(error, "orig", error))
    if not any(marker in text for marker in _MISSING_TABLE):
        return None
    for marker in ("no such table: ", 'relation "'):
        if marker in text:
            return text.split(marker, 1)[1].split('"', 1)[0].split()[0]
    return "?"


def guard_unmigrated(group: click.Group) -> click.Group:
    """Make ``group``'s commands say "run flask db upgrade" on an unmigrated database, not a traceback.

    Each command also resolves its language afresh (see :func:`cxgov.i18n.cli_language`).
    """
    invoke = group.invoke

    def invoke_guarded(ctx: click.Context) -> Any:
        if has_app_context():
            # A command resolves its own language (cxgov.i18n.cli_language), as a fresh process
            # would, not one cached by an earlier command in the same app context (tests).
            refresh()
        try:
            return invoke(ctx)
        except (OperationalError, ProgrammingError) as error:
            table = _missing_table(error)
            if table is None:
                raise
            raise click.ClickException(gettext(UNMIGRATED, table=table)) from None

    # Wrap this instance's invoke: the groups come from many modules (Flask's AppGroup and
    # click's Group), so no one subclass could replace them.
    group.invoke = invoke_guarded  # type: ignore[method-assign]
    return group


def COMMANDS() -> list[click.Command]:  # noqa: N802
    """Return every CLI command group."""
    # Imported when an app is built, not when cxgov is (as blueprints.BLUEPRINTS).
    from .actions.cli import action_cli
    from .api.cli import token_cli
    from .auth.cli import user_cli
    from .cycles.cli import cycle_cli
    from .demo import demo_cli
    from .framework.cli import framework_cli
    from .mail.cli import mail_cli
    from .ops import transfer_cli  # noqa: F401  (adds export and import to the org group)
    from .ops.backup import backup_cli
    from .orgs.cli import org_cli
    from .portfolio.cli import benchmark_cli
    from .register.cli import register_cli
    from .reports.cli import report_cli

    # Click's own words (Usage:, Error: Missing argument, No such option) in the CLI's language too.
    click_messages_install()
    # Flask's, Flask-Migrate's and flask-smorest's commands' help too (once cxgov is loaded).
    builtin_help_install()
    groups: list[click.Command] = [
        user_cli,
        org_cli,
        demo_cli,
        backup_cli,
        framework_cli,
        cycle_cli,
        action_cli,
        register_cli,
        report_cli,
        mail_cli,
        benchmark_cli,
        token_cli,
    ]
    return [guard_unmigrated(group) if isinstance(group, click.Group) else group for group in groups]
