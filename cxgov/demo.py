"""The demo workspace: a consultant, a client organisation and its people, made deterministically.

``python run.py`` and ``flask demo create`` both call :func:`demo_create`; each feature
adds its part of the demo (register, assessments, actions) as a step in ``DEMO_STEPS``,
running the same services the UI uses.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import click
from flask_babel import gettext as _
from sqlalchemy import select

from .auth.models import User
from .auth.services import user_create
from .cli_help import CliGroup, cli_gettext
from .extensions import db
from .i18n import rendering_in
from .messages import N_
from .orgs.models import Membership, Organisation, Role
from .orgs.services import org_create

DEMO_PASSWORD = "cxgov-demo-2026"
DEMO_SLUG = "nordlys"
#: The demo organisation's language and the language its content (names, notes, actions) is in.
DEMO_LANGUAGE = "en"
DEMO_CONSULTANT = "consultant@demo.cxgov.example"
DEMO_SPONSOR = "sponsor@demo.cxgov.example"
DEMO_AMBASSADOR = "ambassador@demo.cxgov.example"
DEMO_ADMIN = "admin@demo.cxgov.example"

#: (e-mail, name, role, respondent group) of the demo organisation's members
DEMO_MEMBERS: list[tuple[str, str, Role, str]] = [
    (DEMO_SPONSOR, "Karin Ångström", Role.SPONSOR, "leadership"),
    (DEMO_AMBASSADOR, "Jonas Bæk", Role.AMBASSADOR, "front_line"),
    ("ceo@demo.cxgov.example", "Mette Sørensen", Role.VIEWER, "leadership"),
    ("cfo@demo.cxgov.example", "Erik Lindqvist", Role.RESPONDENT, "leadership"),
    ("service.manager@demo.cxgov.example", "Sofia Öberg", Role.RESPONDENT, "management"),
    ("sales.manager@demo.cxgov.example", "Anders Holm", Role.RESPONDENT, "management"),
    ("digital.manager@demo.cxgov.example", "Freja Dahl", Role.RESPONDENT, "management"),
    ("agent1@demo.cxgov.example", "Lars Nyström", Role.RESPONDENT, "front_line"),
    ("agent2@demo.cxgov.example", "Emma Kjær", Role.RESPONDENT, "front_line"),
    ("agent3@demo.cxgov.example", "Oskar Berg", Role.RESPONDENT, "front_line"),
    ("agent4@demo.cxgov.example", "Ida Møller", Role.RESPONDENT, "front_line"),
    ("store1@demo.cxgov.example", "Nils Åberg", Role.RESPONDENT, "front_line"),
]


@dataclass
class DemoContext:
    """What every demo step gets: the demo organisation and its people."""

    org: Organisation
    consultant: User
    members: dict[str, User]  # e-mail -> user
    groups: dict[str, str]  # e-mail -> respondent group


#: Steps features add, in order; each receives the DemoContext.
DEMO_STEPS: list[Callable[[DemoContext], None]] = []


def demo_step(step: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
    """Register a function as a step of the demo workspace."""
    DEMO_STEPS.append(step)
    return step


def demo_exists() -> bool:
    """Return True when the demo organisation is already there."""
    return db.session.scalar(select(Organisation.id).where(Organisation.slug == DEMO_SLUG)) is not None


def database_is_empty() -> bool:
    """Return True when there are no users at all (a fresh installation)."""
    return db.session.scalar(select(User.id).limit(1)) is None


def demo_create() -> DemoContext:
    """Create the demo workspace (flushes; the caller commits).

    Its content is the user data of one organisation whose language is English (docs/i18n.md,
    "The demo workspace"), so it is written in English whatever language the command line or the
    request speaks: a Swedish shell made the action titles half Swedish ("B1 Own every ...: nå nivå 4").
    """
    with rendering_in(DEMO_LANGUAGE):
        return _demo_create()


def _demo_create() -> DemoContext:
    _import_feature_steps()
    # Every demo login shares one published password; hashing it once instead of per user
    # saves several seconds of scrypt at first start.
    admin = user_create(email=DEMO_ADMIN, name="Platform Admin", password=DEMO_PASSWORD, is_admin=True)
    consultant = user_create(
        email=DEMO_CONSULTANT, name="Helena Strand", is_consultant=True, firm_name="Strand & Partners CX"
    )
    consultant.password_hash = admin.password_hash
    org = org_create(name="Nordlys Energi", slug=DEMO_SLUG, industry="Energy retail", consultant=consultant)
    org.language = DEMO_LANGUAGE
    org.service_promise = (
        "We answer every customer within one working day, in plain words, "
        "and the person who answers owns the case until it is solved."
    )
    members = {DEMO_CONSULTANT: consultant, DEMO_ADMIN: admin}
    groups = {DEMO_CONSULTANT: "management"}
    for email, name, role, group in DEMO_MEMBERS:
        user = user_create(email=email, name=name)
        user.password_hash = admin.password_hash
        db.session.add(Membership(user_id=user.id, org_id=org.id, role=role))
        members[email] = user
        groups[email] = group
    db.session.flush()
    context = DemoContext(org=org, consultant=consultant, members=members, groups=groups)
    for step in DEMO_STEPS:
        step(context)
        db.session.flush()
    return context


def _import_feature_steps() -> None:
    """Import the modules whose ``@demo_step`` functions extend the demo."""

    for module in DEMO_MODULES:
        importlib.import_module(module)


#: Modules that contribute demo steps, in order.
DEMO_MODULES: list[str] = ["cxgov.register.demo", "cxgov.cycles.demo", "cxgov.actions.demo"]


def demo_banner(base_url: str) -> str:
    """Return the lines printed at start-up (run.py, ``flask demo create``): where to go and how to
    log in, in the command line's language (``CXGOV_LANG``, else the shell's locale)."""
    logins = [
        (cli_gettext("Consultant"), DEMO_CONSULTANT),
        (cli_gettext("CX sponsor"), DEMO_SPONSOR),
        (cli_gettext("Ambassador"), DEMO_AMBASSADOR),
        (cli_gettext(N_("Platform admin")), DEMO_ADMIN),
    ]
    width = max(len(role) for role, _email in logins)
    return "\n".join(
        [
            running_at(base_url),
            cli_gettext(N_("Demo workspace logins (password for all: %(password)s):"), password=DEMO_PASSWORD),
            *(f"  {role:<{width}}  {email}" for role, email in logins),
        ]
    )


def running_at(base_url: str) -> str:
    """Return "cxgov is running at URL" in the command line's language."""
    return cli_gettext(N_("cxgov is running at %(url)s"), url=base_url)


demo_cli = CliGroup("demo", help="The demo workspace.")


@demo_cli.command("create")
def create_demo() -> None:
    """Create the demo workspace (refuses when it already exists)."""
    if demo_exists():
        raise click.ClickException(_("The demo organisation “%(slug)s” already exists.", slug=DEMO_SLUG))
    demo_create()
    db.session.commit()
    click.echo(demo_banner("http://127.0.0.1:5000"))
