"""A pooled PostgreSQL connection the server closed (a restart, an idle timeout, an operator's
pg_terminate_backend) is replaced when it leaves the pool: the resident never sees an error."""

import time

import pytest
import sqlalchemy as sa
from conftest import USE_POSTGRES

from portal.extensions import db

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL only (CI's second pass)")


def _backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # back to the pool
        return pid


def test_a_connection_closed_by_the_server_is_replaced_without_an_error(app, client):
    with app.app_context():
        db.engine.dispose()
        assert db.engine.pool.size() >= 1
    pooled = _backend_pid(app)
    assert _backend_pid(app) == pooled  # the pool hands the same connection back
    with app.app_context():
        other = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
        with other.connect() as connection:
            assert connection.execute(sa.select(sa.func.pg_terminate_backend(pooled))).scalar()
        other.dispose()
    time.sleep(0.3)  # the server's goodbye reaches the client's socket
    assert client.get("/en/").status_code == 200
    assert client.get("/en/measures/1-1").status_code == 200
    assert _backend_pid(app) != pooled
