"""Two figures of issue 22, in-process on a fresh SQLite database:

1. how many messages a minute the sender hands to a real SMTP server (aiosmtpd on loopback)
   when a publication notifies N residents, with the per-minute cap lifted;
2. what the read API costs per request (CPU ms, SQL statements) next to the public pages that
   show the same things (the results page, the measure page).

Usage: python bench/notices_and_api.py [--residents 2000] [--requests 200]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from api_conformance import fresh_app, publish_sample_results  # noqa: E402
from mailserver import free_port  # noqa: E402

from portal.database import utcnow  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Comment, Measure  # noqa: E402
from portal.models.notices import MailDelivery, NoticeSubscription  # noqa: E402
from portal.services.notices import outbox  # noqa: E402


class Counter:
    """An SMTP server that only counts what it accepts."""

    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        self.accepted += 1
        return "250 OK"


def mail_rate(residents: int) -> None:
    """Messages per minute from a results publication to `residents` subscribers."""
    counter = Counter()
    with tempfile.TemporaryDirectory() as directory:
        port = free_port()
        controller = Controller(counter, hostname="127.0.0.1", port=port)
        controller.start()
        app = fresh_app(
            Path(directory),
            PORTAL_SMTP_HOST="127.0.0.1",
            PORTAL_SMTP_PORT=port,
            PORTAL_SMTP_STARTTLS=False,
            PORTAL_MAIL_SENDING="inline",
            PORTAL_MAIL_PER_MINUTE=1_000_000,
            PORTAL_LOG_LEVEL="WARNING",
        )
        # the publication itself queues the notices; sending is timed on its own
        app.config["PORTAL_SMTP_HOST"] = ""
        publish_sample_results(app)
        app.config["PORTAL_SMTP_HOST"] = "127.0.0.1"
        with app.app_context():
            measure = db.session.scalar(sa.select(Measure).where(Measure.code == "1-(1)"))
            comment_ids = db.session.scalars(
                sa.select(Comment.id).where(Comment.measure_id == measure.id)
            ).all()
            now = utcnow()
            db.session.execute(
                sa.insert(NoticeSubscription),
                [
                    {
                        "kind": "results",
                        "email": f"resident{n}@example.jp",
                        "locale": ("ja", "pt-BR", "vi", "ne")[n % 4],
                        "comment_id": comment_ids[n % len(comment_ids)],
                        "measure_id": measure.id,
                        "token": secrets.token_urlsafe(24),
                        "confirmed_at": now,
                        "created_at": now - timedelta(minutes=1),
                    }
                    for n in range(residents)
                ],
            )
            db.session.commit()
            # inline sending: the commit of the announcement sends every message, in batches
            start = time.perf_counter()
            queued = outbox.announce_results(measure.id)
            db.session.commit()
            sent, failed = outbox.send_until_done(app)
            elapsed = time.perf_counter() - start
            sent = db.session.scalar(
                sa.select(sa.func.count()).where(MailDelivery.status == "sent")
            )
            in_log = sent
        controller.stop()
    print(
        f"mail: {queued} queued, {sent} sent ({failed} failed), {counter.accepted} accepted by "
        f"the server, {in_log} recorded, in {elapsed:.1f} s = {sent / elapsed * 60:,.0f} "
        "messages/minute (cap lifted; the default cap is PORTAL_MAIL_PER_MINUTE=120)"
    )


def api_cost(requests: int) -> None:
    """CPU ms and statements per request: the API next to the pages that show the same."""
    with tempfile.TemporaryDirectory() as directory:
        app = fresh_app(Path(directory), PORTAL_LOG_LEVEL="WARNING")
        publish_sample_results(app)
        statements = {"n": 0}
        with app.app_context():
            sa.event.listen(
                db.engine,
                "before_cursor_execute",
                lambda *a: statements.__setitem__("n", statements["n"] + 1),
            )
        client = app.test_client()
        paths = {
            "results page /ja/measures/1-1/results": "/ja/measures/1-1/results",
            "API results (figures)": "/api/v1/consultations/1-1/results",
            "API results rows": "/api/v1/consultations/1-1/results/rows",
            "API published comments": "/api/v1/consultations/1-1/results/comments",
            "open data results.json": "/ja/measures/1-1/results.json",
            "measure page /ja/measures/1-1": "/ja/measures/1-1",
            "API one consultation": "/api/v1/consultations/1-1",
            "API consultations (35)": "/api/v1/consultations?limit=50",
            "Atom feed (all)": "/ja/feeds/all.atom",
        }
        for label, path in paths.items():
            for _ in range(5):  # warm: caches, compiled catalogs, templates
                assert client.get(path).status_code == 200, path
            statements["n"] = 0
            start = time.process_time()
            for _ in range(requests):
                client.get(path)
            cpu = (time.process_time() - start) / requests * 1000
            print(f"{label:42} {cpu:6.2f} CPU ms  {statements['n'] / requests:5.1f} statements")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    mail_rate(args.residents)
    api_cost(args.requests)


if __name__ == "__main__":
    main()
