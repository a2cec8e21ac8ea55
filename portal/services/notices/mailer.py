"""Talking to the city's mail server: one SMTP connection per batch, STARTTLS and login as
configured, and what a refusal means (try again later, or never)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand messages over (from the PORTAL_SMTP_* settings)."""

    host: str
    port: int
    starttls: bool
    user: str
    password: str
    timeout: float
    sender: str

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        """The settings of an app's configuration."""
        return cls(
            host=config["PORTAL_SMTP_HOST"],
            port=config["PORTAL_SMTP_PORT"],
            starttls=config["PORTAL_SMTP_STARTTLS"],
            user=config["PORTAL_SMTP_USER"],
            password=config["PORTAL_SMTP_PASSWORD"],
            timeout=config["PORTAL_SMTP_TIMEOUT"],
            sender=config["PORTAL_MAIL_FROM"],
        )


class SendFailed(Exception):
    """One message was not accepted; `permanent` when trying again cannot help (a 5xx reply)."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class ServerUnavailable(Exception):
    """The server could not be reached or dropped the connection: the whole batch waits."""


@contextmanager
def connection(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """An open, authenticated SMTP session (ServerUnavailable if there is none to be had)."""
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise ServerUnavailable(type(error).__name__) from error
    try:
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, settings.password)
    except (OSError, smtplib.SMTPException) as error:
        smtp.close()
        raise ServerUnavailable(type(error).__name__) from error
    try:
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def send(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    """Hand one message over; SendFailed if the server refused it, ServerUnavailable if the
    connection is gone."""
    try:
        refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        raise SendFailed(f"recipient refused {codes}", all(c >= 500 for c in codes)) from error
    except smtplib.SMTPServerDisconnected as error:
        raise ServerUnavailable("SMTPServerDisconnected") from error
    except smtplib.SMTPResponseException as error:
        raise SendFailed(
            f"{type(error).__name__} {error.smtp_code}", error.smtp_code >= 500
        ) from error
    except OSError as error:
        raise ServerUnavailable(type(error).__name__) from error
    if refused:
        codes = [code for code, _text in refused.values()]
        raise SendFailed(f"recipient refused {codes}", all(c >= 500 for c in codes))
