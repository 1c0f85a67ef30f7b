"""A real SMTP server (aiosmtpd) on a free localhost port, and a cycle with three respondents."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller

from cxgov.cycles import services
from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.cycles.helpers import make_cycle


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the SMTP server received; ``refuse`` makes it answer 550 for those addresses."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """Start and stop an aiosmtpd server on one fixed port (so "down" and "up" are the same URL)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=off"

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def team(app, make_org, make_member):
    """An English organisation with a sponsor, one member respondent and two without an account."""
    org = make_org(name="Nordlys Energi", language="en")
    sponsor = make_member(org, Role.SPONSOR, name="Sara Sponsor")
    member = make_member(org, Role.RESPONDENT, name="Mia Member", email="mia@example.com")
    cycle = make_cycle(org, respondents=[(member, "leadership")])
    dan = services.respondent_add_external(cycle=cycle, org=org, name="Dorte Dansk",
                                           email="dorte@example.com", group="front_line", language="da")
    eve = services.respondent_add_external(cycle=cycle, org=org, name="Eva External",
                                           email="eva@example.com", group="front_line")
    db.session.commit()
    return {"org": org, "sponsor": sponsor, "member": member, "cycle": cycle, "dan": dan, "eve": eve}
