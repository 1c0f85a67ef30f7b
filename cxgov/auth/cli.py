"""``flask user ...``: create accounts from the command line."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from ..cli_help import CliGroup
from ..extensions import db
from .services import AccountError, user_create

user_cli = CliGroup("user", help="Manage user accounts.")


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters.")
@click.option("--admin", is_flag=True, help="Platform administrator (may create consultants).")
@click.option("--consultant", is_flag=True, help="May create client organisations.")
@click.option("--firm", default=None, help="Consultancy firm name (report branding).")
def create_user(email: str, name: str, password: str, admin: bool, consultant: bool, firm: str | None) -> None:
    """Create a user who can log in at once."""
    try:
        user = user_create(
            email=email, name=name, password=password, is_admin=admin, is_consultant=consultant, firm_name=firm
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(_("created user %(email)s", email=user.email))
