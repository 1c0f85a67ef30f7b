"""``flask org ...``: client organisations and their members from the command line."""

from __future__ import annotations

import click
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.services import user_by_email
from ..cli_help import CliGroup
from ..extensions import db
from ..i18n import SUPPORTED_LANGUAGES
from ..invitations.services import InvitationError, invitation_create
from .models import Organisation, Role
from .services import OrgError, org_by_slug, org_create

org_cli = CliGroup("org", help="Manage client organisations.")


@org_cli.command("create")
@click.argument("name")
@click.option("--slug", default=None, help="Short name in URLs (made from the name if left out).")
@click.option("--industry", default="", help="Its industry, for the benchmark among clients of the same industry.")
@click.option(
    "--language",
    default="en",
    type=click.Choice(list(SUPPORTED_LANGUAGES)),
    help="Its language, the default of its pages, reports and e-mails.",
)
@click.option("--consultant", "consultant_email", default=None, help="E-mail of the consultant who serves it.")
def create_org(name: str, slug: str | None, industry: str, language: str, consultant_email: str | None) -> None:
    """Create a client organisation."""
    consultant = None
    if consultant_email:
        consultant = user_by_email(consultant_email)
        if consultant is None:
            raise click.ClickException(_("No user with the e-mail %(email)s.", email=consultant_email))
    try:
        org = org_create(name=name, slug=slug, industry=industry, language=language, consultant=consultant)
    except OrgError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(org.slug)


@org_cli.command("list")
def list_orgs() -> None:
    """Print every organisation: slug and name, one a line."""
    for org in db.session.scalars(select(Organisation).order_by(Organisation.slug)):
        click.echo(f"{org.slug}\t{org.name}")


@org_cli.command("add-member")
@click.argument("org_slug")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--name", default="", help="Name, when the person is new to cxgov.")
def add_member(org_slug: str, email: str, role: str, name: str) -> None:
    """Invite a person to an organisation with a role; prints a set-password link for new users.

    Like the members page, this never makes an existing account a member: its owner accepts
    the invitation after logging in.
    """
    org = org_by_slug(org_slug)
    if org is None:
        raise click.ClickException(_("No organisation “%(slug)s”.", slug=org_slug))
    try:
        made = invitation_create(org=org, email=email, role=Role(role), name=name, by=None, by_role=Role.CONSULTANT)
    except InvitationError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(_("invited %(email)s to %(org)s as %(role)s", email=made.invitation.email, org=org.slug, role=role))
    if made.set_password_token:
        click.echo(
            _("set-password link path: %(path)s  (valid for 7 days)", path=f"/set-password/{made.set_password_token}")
        )
