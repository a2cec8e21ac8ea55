"""Benchmark the resident's journey in-process: page renders and comment submissions.

Usage: python bench/resident_journey.py [--comments N]   (DATABASE_URL selects PostgreSQL)
Prints median and 95th-percentile times for each page in each locale, and the submission rate.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import tempfile
import time
import tracemalloc

from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.cli import open_unscheduled_measures
from portal.extensions import db
from portal.i18n import LOCALES
from portal.services.content.seed import seed_outline

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def build_app():
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "PORTAL_SUBMIT_LIMIT": "1000000 per minute",  # one client sends everything here
        }
    )
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        seed_outline()
        open_unscheduled_measures(30)
        db.session.commit()
    return app, url.split(":", 1)[0]


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
    print(f"{label:38} median {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    app, backend = build_app()
    client = app.test_client()
    print(f"database: {backend}")
    for locale in LOCALES:
        client.get(f"/{locale.tag}/")  # warm the catalog cache
        report(
            f"index /{locale.tag}/", timed(lambda t=locale.tag: client.get(f"/{t}/"), args.repeat)
        )
        report(
            f"measure /{locale.tag}/measures/1-5",
            timed(lambda t=locale.tag: client.get(f"/{t}/measures/1-5"), args.repeat),
        )

    tracemalloc.start()
    token = TOKEN.search(client.get("/ja/measures/1-1").get_data(as_text=True))[1]
    bodies = [
        "行政運営の効率化に賛成します。窓口の待ち時間を短くしてください。" * 5,
        "A prefeitura deveria oferecer informações em português nos balcões de atendimento.",
        "नगरपालिकाको सेवा सुधार गर्नुहोस्। विदेशी नागरिकका लागि जानकारी नेपाली भाषामा पनि दिनुहोस्।",
    ]
    start = time.perf_counter()
    samples = []
    for i in range(args.comments):
        t0 = time.perf_counter()
        response = client.post(
            "/ja/measures/1-1",
            data={
                "csrf_token": token,
                "body": bodies[i % 3],
                "language": "ja",
                "respondent_type": "lives",
                "consent": "y",
            },
        )
        assert response.status_code == 303, response.status_code
        samples.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    report("submit comment (POST, commit)", samples)
    print(
        f"{args.comments} comments in {elapsed:.1f} s = {args.comments / elapsed:.0f} comments/s (one process)"
    )
    print(f"peak Python heap during submissions: {peak / 1e6:.1f} MB")
    print(
        f"process peak RSS (includes language models): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
