"""Benchmark the moderation queue at 100,000 comments, on SQLite and on PostgreSQL.

Usage:
  python bench/moderation_queue.py [--comments 100000] [--sqlite PATH] [--postgres URL]
                                   [--skip-sqlite] [--skip-regroup]

Seeds the comments in bulk (realistic lengths and languages, a tenth of them campaign copies,
some with Japanese translations), regroups every measure, then times the server side of the
queue (in-process requests through the real views, page rendering included): first page,
page 200, a filter, and searches for a two-character and a five-character Japanese word and a
Portuguese word. Each figure is the median of 5 runs after one warm-up, with the slowest run.

PostgreSQL: the schema of the given database is DROPPED and rebuilt by the migrations.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta

import sqlalchemy as sa
from benchapp import csrf_token, fresh_app, sqlalchemy_url

from portal.database import utcnow
from portal.extensions import db
from portal.models import Comment, Measure
from portal.models.moderation import CommentTranslation
from portal.services.moderation.corpus import bench_comments
from portal.services.moderation.duplicates import regroup_measure
from portal.services.moderation.review_queue import PAGE_SIZE, encode_key
from portal.services.staff import accounts as staff_accounts

PASSWORD = "bench-password-long-enough-2026"  # noqa: S105  (a throwaway bench account)
QUEUE = "/staff/moderation/"
BATCH = 5000
LIMIT_MS = 200


def build_app(url: str):
    """The portal on a fresh, migrated database at `url`."""
    return fresh_app(url, RATELIMIT_ENABLED=False, PORTAL_GROUPING="off")


def seed(app, count: int) -> None:
    """`count` comments over 30 days on the 32 measures and 3 general chapters, in batches."""
    rng = random.Random(2026)
    with app.app_context():
        measures = list(db.session.scalars(sa.select(Measure.id).order_by(Measure.id)))
        # A few measures draw most comments, as in real consultations.
        weights = [1 / (i + 1) for i in range(len(measures))]
        start = utcnow() - timedelta(days=30)
        table = Comment.__table__
        statuses = ["received"] * 6 + ["under_review", "published", "published", "not_published"]
        channels = ["web"] * 46 + ["post", "fax", "email", "counter"]
        rows = []
        translations = []
        key_hash = hashlib.sha256(b"bench").hexdigest()
        for number, (language, body) in enumerate(bench_comments(2026, count), start=1):
            at = start + timedelta(seconds=30 * 86400 * number / count)
            rows.append(
                {
                    "id": number,
                    "receipt_number": f"PC-2026-{number:06d}",
                    "access_key_hash": key_hash,
                    "measure_id": rng.choices(measures, weights)[0],
                    "body": body,
                    "declared_language": language,
                    "detected_language": language.split("-")[0],
                    "detection_confidence": 0.99,
                    "respondent_type": "lives",
                    "status": rng.choice(statuses),
                    "channel": rng.choice(channels),
                    "received_at": at,
                    "pii_suggestions": 1 if rng.random() < 0.05 else 0,
                    "group_manual": False,
                    "version": 1,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if language != "ja" and rng.random() < 0.3:
                translations.append(
                    {
                        "comment_id": number,
                        "language": "ja",
                        "text": "（訳）市役所の手続きについての意見です。" + body[:20],
                        "method": "human",
                        "translated_at": at,
                    }
                )
            if len(rows) == BATCH:
                db.session.execute(sa.insert(table), rows)
                rows = []
        if rows:
            db.session.execute(sa.insert(table), rows)
        for i in range(0, len(translations), BATCH):
            db.session.execute(sa.insert(CommentTranslation.__table__), translations[i : i + BATCH])
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("SELECT setval('comments_id_seq', :n)"), {"n": count})
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))  # both databases: planner statistics
        db.session.commit()


def regroup(app) -> tuple[float, int, int]:
    """Seconds for a full regrouping; groups and grouped comments."""
    with app.app_context():
        started = time.perf_counter()
        groups = grouped = 0
        for measure_id in db.session.scalars(sa.select(Measure.id)):
            result = regroup_measure(measure_id)
            db.session.commit()
            groups += result.groups
            grouped += result.grouped_comments
        return time.perf_counter() - started, groups, grouped


def logged_in_client(app):
    """A test client logged in as a moderator."""
    with app.app_context():
        now = utcnow()
        user = staff_accounts.create_account(
            f"bench-{random.random()}@city.example", "bench", ["moderator"], now
        )
        staff_accounts.set_password(user, PASSWORD, now)
        db.session.commit()
        email = user.email
    client = app.test_client()
    page = client.get("/staff/login").text
    response = client.post(
        "/staff/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302, response.status_code
    return client


def page_200_key(app) -> str:
    """The page key that opens page 200 (rows 9,951-10,000), newest first."""
    with app.app_context():
        comment = db.session.scalar(
            sa.select(Comment)
            .order_by(Comment.received_at.desc(), Comment.id.desc())
            .offset(199 * PAGE_SIZE - 1)
            .limit(1)
        )
        return encode_key(comment)


def timed(client, args: dict) -> tuple[float, float, int]:
    """Median and slowest milliseconds of 5 requests after a warm-up; rows on the page."""
    response = client.get(QUEUE, query_string=args)
    assert response.status_code == 200, response.status_code
    rows = response.text.count('name="ids"')
    times = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(QUEUE, query_string=args)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), max(times), rows


def run(label: str, url: str, count: int, do_regroup: bool) -> None:
    print(f"\n== {label}: {count:,} comments ==")
    started = time.perf_counter()
    app = build_app(url)
    seed(app, count)
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    if do_regroup:
        seconds, groups, grouped = regroup(app)
        print(f"full regrouping: {seconds:.1f} s, {groups} groups holding {grouped} comments")
    client = logged_in_client(app)
    cases = [
        ("first page (newest first)", {}),
        ("page 200 (keyset)", {"after": page_200_key(app)}),
        ("filter: measure 1-(2), state received", {"measure": "1-(2)", "state": "received"}),
        ("filter: language vi, by post", {"language": "vi", "channel": "post"}),
        ("search 2-char Japanese 市長", {"q": "市長"}),
        ("search 2-char Japanese 窓口 + measure 1-(1)", {"q": "窓口", "measure": "1-(1)"}),
        ("search 2-char Japanese, rare: 駐輪", {"q": "駐輪"}),
        ("search 5-char Japanese 子育て支援", {"q": "子育て支援"}),
        ("search Portuguese prefeitura", {"q": "prefeitura"}),
        ("search Vietnamese người nước ngoài", {"q": "người nước ngoài"}),
    ]
    print(f"{'case':45} {'median ms':>10} {'max ms':>8} {'rows':>5}")
    for name, args in cases:
        median, slowest, rows = timed(client, args)
        flag = "" if median < LIMIT_MS else "  OVER 200 ms"
        print(f"{name:45} {median:10.1f} {slowest:8.1f} {rows:5d}{flag}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    """Run the benchmark on the databases asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--sqlite", help="SQLite file to create (default: a temporary file)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-regroup", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.skip_sqlite:
        path = args.sqlite or os.path.join(tempfile.mkdtemp(), "queue.sqlite3")
        if os.path.exists(path):
            os.remove(path)
        run("SQLite", f"sqlite:///{path}", args.comments, not args.skip_regroup)
    if args.postgres:
        run("PostgreSQL", sqlalchemy_url(args.postgres), args.comments, not args.skip_regroup)


if __name__ == "__main__":
    main()
