"""``flask mail ...``: send what is queued (for cron) and show the queue."""

from __future__ import annotations

import click
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..cli_help import CliGroup
from ..cycles.invitations import reminders_scheduled_queue
from ..extensions import db
from .models import MAIL_STATUSES, MailMessage
from .services import mail_send_pending

mail_cli = CliGroup("mail", help="Outgoing e-mail: the queue and its sender.")


@mail_cli.command("send-pending")
@click.option("--limit", default=500, show_default=True, help="Send at most this many messages.")
def send_pending(limit: int) -> None:
    """Send every queued message that is due (run it from cron every minute)."""
    queued = reminders_scheduled_queue()
    db.session.commit()
    report = mail_send_pending(limit=limit)
    click.echo(
        _(
            "scheduled reminders queued: %(queued)d; sent: %(sent)d; to retry: %(retried)d; failed: %(failed)d",
            queued=queued,
            sent=report.sent,
            retried=report.retried,
            failed=report.failed,
        )
    )


@mail_cli.command("status")
def status() -> None:
    """Print how many messages are queued, being sent, sent and failed."""
    counts = dict(
        db.session.execute(select(MailMessage.status, func.count(MailMessage.id)).group_by(MailMessage.status)).all()
    )
    for name in MAIL_STATUSES:
        click.echo(f"{name}\t{counts.get(name, 0)}")
