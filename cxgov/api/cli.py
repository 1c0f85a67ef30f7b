"""``flask token ...``: personal access tokens from the command line (create, revoke, list)."""

from __future__ import annotations

import click
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import User
from ..cli_help import CliGroup
from ..db import utcnow
from ..extensions import db
from ..orgs.services import org_by_slug
from ..validators import normalise_email
from .models import ApiToken
from .tokens import TokenError, token_create, token_revoke, tokens_of

token_cli = CliGroup("token", help="Personal access tokens for the JSON API.")


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(_("No user with the e-mail address %(email)s.", email=email))
    return user


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
@click.option("--org", "org_slug", default=None, help="Only this organisation (default: all of the user's).")
@click.option("--read-only", is_flag=True, help="Refuse every write, whatever the user's role.")
@click.option("--expires", "expires_days", type=int, default=None, help="Expire after this many days.")
def create(email: str, name: str, org_slug: str | None, read_only: bool, expires_days: int | None) -> None:
    """Create a token for EMAIL and print it (once: only its hash is kept)."""
    user = _user(email)
    org = None
    if org_slug:
        org = org_by_slug(org_slug)
        if org is None:
            raise click.ClickException(_("No organisation with the short name %(slug)s.", slug=org_slug))
    try:
        made = token_create(user=user, name=name, org=org, read_only=read_only, expires_days=expires_days)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        _("Token %(id)s for %(email)s (shown once; keep it secret):", id=made.token.id, email=user.email), err=True
    )
    click.echo(made.secret)


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID (the number `flask token list` prints); it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(_("No token with the number %(id)s.", id=token_id))
    try:
        token_revoke(token=token, by=None)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(_("Token %(id)s (%(name)s) is revoked.", id=token.id, name=token.name))


@token_cli.command("list")
@click.argument("email")
def list_tokens(email: str) -> None:
    """Print a user's tokens: number, name, start of the secret, scope, state, last use."""
    for token in tokens_of(_user(email)):
        state = "revoked" if token.revoked_at else ("active" if token.usable(utcnow()) else "expired")
        click.echo(
            "\t".join(
                [
                    str(token.id),
                    token.name,
                    token.hint + "…",
                    token.org.slug if token.org else "*",
                    "read-only" if token.read_only else "read-write",
                    state,
                    token.last_used_at.isoformat() if token.last_used_at else "-",
                ]
            )
        )
