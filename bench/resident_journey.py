"""Benchmark the resident's journey in-process: page renders and comment submissions.

Usage: python bench/resident_journey.py [--comments N]   (DATABASE_URL selects PostgreSQL)
Prints median and 95th-percentile times for each page in each locale, and the submission rate.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc

from benchapp import csrf_token, database_url, fresh_app

from portal.i18n import LOCALES


def build_app():
    """The portal on a fresh database, every measure open; and the database's name."""
    # One client sends every comment here, so the submit limit is lifted.
    app = fresh_app(database_url("bench.sqlite3"), PORTAL_SUBMIT_LIMIT="1000000 per minute")
    return app, app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]


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
    token = csrf_token(client.get("/ja/measures/1-1").get_data(as_text=True))
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
