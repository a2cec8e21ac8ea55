"""gunicorn settings read from the working directory (`gunicorn wsgi:app` picks this file up).

The portal refuses to start in production with several workers and no Redis: rate limits
would be counted per process (see portal.config.check_worker_count).
"""

import os
import sys


def on_starting(server):
    """Stop before any worker starts if the process model would break the rate limits."""
    from portal.config import ConfigurationError, check_worker_count

    try:
        check_worker_count(os.environ, server.cfg.workers)
    except ConfigurationError as error:
        server.log.error("refusing to start: %s", error)
        sys.exit(1)
