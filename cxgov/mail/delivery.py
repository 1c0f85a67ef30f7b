"""Hand a finished message to SMTP, or write it to the outbox folder when no server is set.

``CXGOV_MAIL_URL`` chooses the transport:

- unset: ``outbox``: each message becomes ``instance/outbox/<id>-<kind>.eml`` and one log line,
  so ``make run`` shows what would be sent without any mail server;
- ``smtp://user:password@host:587``: plain SMTP, upgraded with STARTTLS whenever the server
  offers it (``?starttls=require`` refuses a server that does not; ``?starttls=off`` never asks);
- ``smtps://user:password@host:465``: SMTP over TLS from the first byte.

User and password are percent-decoded, so ``%40`` in a user name is an ``@``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("cxgov.mail")

#: Seconds to wait for an SMTP server before the attempt counts as failed (and is retried).
SMTP_TIMEOUT = 10


class MailConfigError(ValueError):
    """CXGOV_MAIL_URL cannot be understood."""


class PermanentFailure(Exception):
    """The server refused this recipient or message for good (a 5xx answer): do not retry."""


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes: an outbox folder, or an SMTP server."""

    scheme: str  #: "outbox", "smtp" or "smtps"
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = ""
    starttls: str = "auto"  #: "auto", "require" or "off" (smtp only)
    outbox: str = ""

    @property
    def is_outbox(self) -> bool:
        return self.scheme == "outbox"


def mail_settings_from(url: str | None, *, outbox_dir: str) -> MailSettings:
    """Parse ``CXGOV_MAIL_URL`` (None or empty means the outbox folder)."""
    if not url:
        return MailSettings(scheme="outbox", outbox=outbox_dir)
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("CXGOV_MAIL_URL must start with smtp:// or smtps://.")
    if not parts.hostname:
        raise MailConfigError("CXGOV_MAIL_URL names no host.")
    starttls = (parse_qs(parts.query).get("starttls") or ["auto"])[0].lower()
    if starttls not in ("auto", "require", "off"):
        raise MailConfigError("starttls in CXGOV_MAIL_URL must be auto, require or off.")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError as error:
        raise MailConfigError("CXGOV_MAIL_URL has an invalid port.") from error
    return MailSettings(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        starttls=starttls,
    )


class Transport:
    """One connection's worth of deliveries: ``with Transport(settings) as t: t.send(msg)``."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Transport":
        s = self.settings
        if s.is_outbox:
            Path(s.outbox).mkdir(parents=True, exist_ok=True)
            return self
        # A TLS context is made only for a connection that uses TLS: loading the system's
        # certificate authorities is ~25 ms of CPU, paid per connection (a sender's batch).
        if s.scheme == "smtps":
            self._smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
        else:
            self._smtp = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT)
            self._smtp.ehlo()
            if s.starttls != "off" and self._smtp.has_extn("starttls"):
                self._smtp.starttls(context=ssl.create_default_context())
                self._smtp.ehlo()
            elif s.starttls == "require":
                self._smtp.quit()
                raise smtplib.SMTPException("the server does not offer STARTTLS")
        if s.username:
            self._smtp.login(s.username, s.password)
        return self

    def send(self, message: EmailMessage, *, name: str) -> None:
        """Deliver one message; ``name`` is the outbox file's stem (id and kind)."""
        if self.settings.is_outbox:
            path = Path(self.settings.outbox) / f"{name}.eml"
            path.write_bytes(bytes(message))
            log.info("mail to %s: %s (written to %s)", message["To"], message["Subject"], path)
            return
        assert self._smtp is not None
        try:
            refused = self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
            raise PermanentFailure(str(error)) from error
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
        if refused:
            raise PermanentFailure(f"refused: {refused}")

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None
