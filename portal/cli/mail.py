"""`portal mail`: try the mail server, and send what is due (from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.database import utcnow
from portal.extensions import db


@click.group("mail")
def mail_group() -> None:
    """E-mail notices: test the server, send what is due."""


@mail_group.command("test")
@click.argument("address")
@with_appcontext
def mail_test_command(address: str) -> None:
    """Send a test message to ADDRESS through the configured server, and say how it went."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    from portal.services.notices import mailer
    from portal.services.notices.subscriptions import InvalidAddress, normalise_address

    settings = mailer.SmtpSettings.from_config(current_app.config)
    if not settings.host:
        raise click.ClickException("PORTAL_SMTP_HOST is not set: the portal sends no mail.")
    try:
        address = normalise_address(address)
    except InvalidAddress as error:
        raise click.ClickException(f"not an e-mail address: {address!r}") from error
    message = EmailMessage()
    message["Subject"] = "伊勢崎市パブリックコメント: 送信テスト / test message"
    message["From"] = settings.sender
    message["To"] = address
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(
        "ポータルのメール送信テストです(portal mail test)。\n"
        "This is a test message from the public comment portal (portal mail test).\n"
    )
    tls = "STARTTLS" if settings.starttls else "no TLS"
    login = f"as {settings.user}" if settings.user else "without login"
    click.echo(f"Sending to {address} via {settings.host}:{settings.port} ({tls}, {login})...")
    try:
        with mailer.connection(settings) as smtp:
            mailer.send(smtp, message)
    except mailer.ServerUnavailable as error:
        raise click.ClickException(f"the server could not be used: {error.__cause__!r}") from error
    except mailer.SendFailed as error:
        raise click.ClickException(f"the server refused the message: {error.reason}") from error
    click.echo(f"Accepted by the server: {message['Message-ID']}")


@mail_group.command("send")
@with_appcontext
def mail_send_command() -> None:
    """Announce consultations that opened and send every message that is due (run from cron,
    e.g. every 5 minutes; it waits for the per-minute cap)."""
    from portal.services.notices import outbox, subscriptions

    now = utcnow()
    queued = outbox.announce_openings(now)
    purged = subscriptions.purge_unconfirmed(now)
    db.session.commit()
    sent, failed = outbox.send_until_done(current_app._get_current_object())
    click.echo(
        f"{queued} notices of new consultations queued, {purged} unconfirmed sign-ups deleted; "
        f"{sent} messages sent, {failed} failed for good."
    )
