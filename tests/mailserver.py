"""A real SMTP server in the test process (aiosmtpd): what the portal sends arrives here and is
read back as parsed messages."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """Messages the server accepted, in order, parsed as the recipient's client would."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self.refuse_with: str | None = None  # e.g. "451 try later": the next DATA is refused

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.refuse_with:
            return self.refuse_with
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`."""
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """At least `count` messages (sending may run in a thread or a browser's server)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


def free_port() -> int:
    """A loopback port nobody listens on (for the server, or for a server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(port: int | None = None, **controller_options):
    """An aiosmtpd server on loopback; yields (inbox, port)."""
    inbox = Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **controller_options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    """The plain-text part."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    """The HTML part."""
    return message.get_body(preferencelist=("html",)).get_content()
