"""The portal's log lines: one line per event, and nothing a resident typed.

Two rules hold for everything written through the portal's handler:

- Control characters are escaped, so a ``%0A`` in a URL cannot start a forged log line.
- An exception is logged as its class and where it happened, never with its message: a
  database error's message quotes the statement's values (the comment, contact details, the
  access key's hash) and the driver's detail (``Key (email)=(…) already exists``).
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | {
    0x2028: "\\u2028",
    0x2029: "\\u2029",
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
}


def escape_controls(text: str) -> str:
    """`text` on one line: control characters written as visible escapes."""
    return text.translate(_CONTROLS)


def describe_error(error: BaseException) -> str:
    """An exception's class, and the database driver's class beneath it; never the message."""
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    original = getattr(error, "orig", None)
    if original is not None:
        name += f" ({type(original).__module__}.{type(original).__qualname__})"
    return name


class PortalFormatter(logging.Formatter):
    """One line per message; tracebacks show frames and exception classes only."""

    def format(self, record: logging.LogRecord) -> str:
        """The usual layout; the exception text is built here, never taken from the record's
        cache, where another handler may have left the full messages."""
        record.message = escape_controls(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text

    def formatException(self, ei) -> str:  # noqa: N802 - logging's API
        """Frames and classes of the exception and its causes, without their messages."""
        _type, error, _tb = ei
        blocks: list[str] = []
        seen: set[int] = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            frames = "".join(traceback.format_tb(error.__traceback__))
            blocks.append(f"Traceback (most recent call last):\n{frames}{describe_error(error)}")
            error = error.__cause__ or error.__context__
        return "\n\nwhich happened while handling, or was caused by:\n\n".join(reversed(blocks))


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def init_app(app: Flask) -> None:
    """Send the portal's log lines to stderr through the escaping, message-free formatter.

    Flask-Limiter's logger gets the same handler: it says once when Redis becomes unreachable
    and once when it is back, and without a handler that line would be lost.
    """
    for name in ("portal", "flask-limiter"):
        logger = logging.getLogger(name)
        logger.setLevel(app.config["PORTAL_LOG_LEVEL"])
        if not any(isinstance(h.formatter, PortalFormatter) for h in logger.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(PortalFormatter(LOG_FORMAT))
            logger.addHandler(handler)


def portal_handler() -> logging.Handler:
    """The handler that writes the portal's log (what an operator reads)."""
    return next(
        h for h in logging.getLogger("portal").handlers if isinstance(h.formatter, PortalFormatter)
    )
