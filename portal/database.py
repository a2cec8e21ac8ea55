"""Declarative base shared by every model, with constraint names Alembic can rely on."""

from __future__ import annotations

import select
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite and PostgreSQL then behave the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given: the portal stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


# Periods, deadlines and receipt years are the city's: Japan time, named as such on every page.
JAPAN = ZoneInfo("Asia/Tokyo")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of all models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _closed_by_server(dbapi_connection) -> bool:
    """True when PostgreSQL has closed this idle pooled connection (a restart, a failover, an
    idle timeout). An idle connection is sent nothing, so a socket that reads as ready holds
    the server's goodbye or end-of-file: one poll() call instead of a `SELECT 1` round trip
    (SQLAlchemy's pre-ping) on every request."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:  # not psycopg: nothing to check here
        return False
    if dbapi_connection.closed:
        return True
    # poll(), not select(): a worker with more than 1,024 open files would make select() fail.
    poller = select.poll()
    try:
        poller.register(pgconn.socket, select.POLLIN)
    except (OSError, ValueError):  # no socket any more
        return True
    return bool(poller.poll(0))


@event.listens_for(Pool, "checkout")
def _refuse_connections_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    if _closed_by_server(dbapi_connection):
        # The pool drops this connection and checks out (or opens) another.
        raise DisconnectionError("connection closed by the server")
