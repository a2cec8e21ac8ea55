"""Work that need not hold up a resident, on RQ over the Redis the portal already uses.

`enqueue("portal.services.area.module.func", *args)` puts the call on the `portal` queue when the app's
`PORTAL_JOBS` is ``rq`` (the default when REDIS_URL is set), and `portal worker` runs it. In
``inline`` mode (no Redis, `portal demo`, tests) the call runs at once in this process, in an
app context of its own, so the one-command start needs no worker. Either way a job runs in a
fresh database session and is committed when it returns (a job is a transaction, as a request
or a CLI command is); it takes plain arguments (ids, not ORM objects) and must be safe to run
twice, since RQ retries a job that failed.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from flask import Flask, current_app, has_app_context

from portal.extensions import db

log = logging.getLogger(__name__)
QUEUE_NAME = "portal"
RETRIES = 3
_worker_app: Flask | None = None


def _resolve(func_path: str) -> Callable:
    module_name, _sep, name = func_path.rpartition(".")
    if not module_name.startswith("portal."):
        raise ValueError(f"jobs run portal functions only, not {func_path!r}")
    return getattr(importlib.import_module(module_name), name)


def _app() -> Flask:
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:  # an RQ worker started without `portal worker`
        from portal import create_app

        _worker_app = create_app()
    return _worker_app


def perform(func_path: str, *args):
    """Run one job now: `func_path(*args)` in a fresh app context, committed if it returns."""
    func = _resolve(func_path)
    with _app().app_context():
        try:
            result = func(*args)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return result


def queue(app: Flask | None = None):
    """The RQ queue of `app` (the current app by default)."""
    from redis import Redis
    from rq import Queue

    app = app or current_app
    # One per app and process: its connection pool is reused by every request (a connection
    # per enqueue cost more than the job it saved), and redis-py starts a fresh pool in a
    # forked worker by itself.
    cached = app.extensions.get("portal_job_queue")
    if cached is not None:
        return cached
    # Short timeouts: a Redis that hangs must not hold a resident's request (as for the limiter).
    connection = Redis.from_url(
        app.config["PORTAL_JOBS_REDIS_URL"], socket_timeout=0.5, socket_connect_timeout=0.5
    )
    app.extensions["portal_job_queue"] = Queue(QUEUE_NAME, connection=connection)
    return app.extensions["portal_job_queue"]


def enqueue(func_path: str, *args) -> None:
    """Run `func_path(*args)` in the background (RQ) or, without a queue, right now."""
    _resolve(func_path)  # a typo fails here, in the caller, not later in a worker
    if current_app.config["PORTAL_JOBS"] != "rq":
        perform(func_path, *args)
        return
    from redis.exceptions import RedisError
    from rq import Retry

    try:
        queue().enqueue(perform, func_path, *args, retry=Retry(max=RETRIES, interval=[5, 30, 120]))
    except (RedisError, OSError) as error:
        # The comment is already committed: a queue that is down must not turn the resident's
        # receipt into an error page. The job runs here instead.
        log.warning(
            "job queue unreachable (%s): %s runs in this process", type(error).__name__, func_path
        )
        perform(func_path, *args)
        return
    log.debug("job %s queued", func_path)


def enqueue_in(seconds: float, func_path: str, *args) -> None:
    """Run `func_path(*args)` on RQ in `seconds` (the worker's scheduler starts it)."""
    from datetime import timedelta

    _resolve(func_path)
    queue().enqueue_in(
        timedelta(seconds=seconds),
        perform,
        func_path,
        *args,
        retry=_retry(),
    )


def _retry():
    from rq import Retry

    return Retry(max=RETRIES, interval=[5, 30, 120])


def run_worker(app: Flask, burst: bool = False) -> None:
    """Work the queue until stopped (or until it is empty, with `burst`)."""
    from rq import SimpleWorker

    global _worker_app
    _worker_app = app
    q = queue(app)
    # SimpleWorker runs jobs in this process: no fork per job, and the database pool and the
    # language models loaded once serve every job.
    SimpleWorker([q], connection=q.connection).work(burst=burst, with_scheduler=not burst)
