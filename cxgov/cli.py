"""The list of ``flask`` command groups, one per noun."""
from __future__ import annotations

import click


def COMMANDS() -> list[click.Command]:  # noqa: N802
    """Return every CLI command group."""
    # Imported when an app is built, not when cxgov is (as blueprints.BLUEPRINTS).
    from .actions.cli import action_cli
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

    return [user_cli, org_cli, demo_cli, backup_cli, framework_cli, cycle_cli, action_cli, register_cli, report_cli, mail_cli,
            benchmark_cli]
