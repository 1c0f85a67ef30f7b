"""Start cxgov on the embedded SQLite database, with a demo workspace on first start.

    python run.py [--host 127.0.0.1] [--port 5000] [--no-demo]

Applies the migrations first (the app never creates tables behind Alembic's back), and runs
the mail sender in a background thread (in production, cron runs ``flask mail send-pending``).
"""
from __future__ import annotations

import logging
import threading
import time

import click
from flask_migrate import upgrade

from cxgov import create_app
from cxgov.cycles.invitations import reminders_scheduled_queue
from cxgov.cli_help import CliCommand, cli_gettext, click_messages_install
from cxgov.demo import database_is_empty, demo_banner, demo_create, demo_exists, running_at
from cxgov.extensions import db
from cxgov.mail.services import mail_send_pending
from cxgov.messages import N_
from cxgov.ops.gunicorn_logging import RedactingFilter

#: Seconds between two runs of the mail sender thread.
MAIL_INTERVAL = 15


def mail_sender_loop(app) -> None:
    """Queue due scheduled reminders and send what is queued, every MAIL_INTERVAL seconds."""
    log = logging.getLogger("cxgov.mail")
    while True:
        with app.app_context():
            try:
                reminders_scheduled_queue()
                db.session.commit()
                mail_send_pending()
            except Exception:  # noqa: BLE001  (the thread must outlive one bad run; it is logged)
                db.session.rollback()
                log.exception("mail sender run failed")
            finally:
                db.session.remove()
        time.sleep(MAIL_INTERVAL)


# A click command, as the flask commands are, so its whole help page (usage, option names, the
# types, errors) is in the command line's language (CXGOV_LANG, else the shell's locale);
# CliCommand translates the N_() texts when shown, and babel.cfg extracts them from this file.
@click.command(cls=CliCommand, help=N_("Run cxgov locally."))
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("The interface to bind to."))
@click.option("--port", type=int, default=5000, show_default=True, help=N_("The port to bind to."))
@click.option("--no-demo", is_flag=True, help=N_("do not create the demo workspace"))
@click.option("--no-mail-sender", is_flag=True, help=N_("do not send queued mail from this process (cron does it)"))
def main(host: str, port: int, no_demo: bool, no_mail_sender: bool) -> None:
    app = create_app()
    # Links in mail sent by the sender thread (outside any request) point here.
    app.config["BASE_URL"] = app.config.get("BASE_URL") or f"http://{host}:{port}"
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
    with app.app_context():
        upgrade()
        if not no_demo and database_is_empty():
            print(cli_gettext(N_("Creating the demo workspace (first start)...")), flush=True)
            demo_create()
            db.session.commit()
        has_demo = demo_exists()
    base_url = f"http://{host}:{port}"
    if has_demo:
        print(demo_banner(base_url), flush=True)
    else:
        print(running_at(base_url), flush=True)
    if not no_mail_sender:
        threading.Thread(target=mail_sender_loop, args=(app,), name="mail-sender", daemon=True).start()
    app.run(host=host, port=port, debug=False, threaded=True)


if __name__ == "__main__":
    click_messages_install()
    main()
