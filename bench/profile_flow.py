"""CPU time and SQL statements of the resident's comment flow, in-process (no HTTP server).

Usage: python bench/profile_flow.py [--flows 200] [--profile]   (DATABASE_URL selects PostgreSQL)

The machine this runs on is shared, so wall-clock rates move with the neighbours' load; CPU
time per request and statements per request do not, which makes them the figures to compare
before and after a change. With --profile, pyinstrument prints where the time goes.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchapp import database_url, fresh_app  # noqa: E402
from load import comment_text, hidden_fields  # noqa: E402
from sqlalchemy import event  # noqa: E402

from portal.extensions import db  # noqa: E402
from portal.services.language import warm_up  # noqa: E402

SLUGS = ["1-1", "1-2", "2-1", "3-2", "4-1", "5-3"]


def build_app():
    """The portal on a fresh database, every measure open."""
    return fresh_app(
        database_url("profile.sqlite3"),
        PORTAL_SUBMIT_LIMIT="1000000 per minute",
        RATELIMIT_STORAGE_URI=os.environ.get("REDIS_URL", "memory://"),
        PORTAL_LOG_LEVEL="WARNING",
        # The request alone: production hands the analysis to `portal worker`, and a thread
        # here would add its CPU time to whichever request happens to be measured.
        PORTAL_GROUPING="off",
    )


def main() -> None:
    """Run the flows and print CPU ms and statements per step."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    app = build_app()
    warm_up()
    statements = {"n": 0}
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda *a: statements.__setitem__("n", statements["n"] + 1),
        )
    rng = random.Random(1)
    steps = {name: [0.0, 0] for name in ("home", "measure GET", "POST", "receipt")}
    client = app.test_client()

    def step(name, fn):
        statements["n"] = 0
        start = time.process_time()
        response = fn()
        steps[name][0] += time.process_time() - start
        steps[name][1] += statements["n"]
        return response

    def flow(i):
        language = rng.choice(("ja", "vi", "ne"))
        path = f"/{language}/measures/{rng.choice(SLUGS)}"
        step("home", lambda: client.get(f"/{language}/"))
        page = step("measure GET", lambda: client.get(path)).get_data(as_text=True)
        form = hidden_fields(page)
        form.update(
            body=comment_text(language, f"p{i}", rng),
            language=language,
            respondent_type="lives",
            consent="y",
        )
        response = step("POST", lambda: client.post(path, data=form))
        assert response.status_code == 303, response.status_code
        receipt = step("receipt", lambda: client.get(response.headers["Location"]))
        assert receipt.status_code == 200

    for i in range(20):  # warm every cache the way a running server has them warm
        flow(i)
    for value in steps.values():
        value[:] = [0.0, 0]
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    for i in range(args.flows):
        flow(100 + i)
    if profiler:
        profiler.stop()
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(f"{backend}, {args.flows} flows")
    total = 0.0
    for name, (cpu, count) in steps.items():
        total += cpu if name != "home" else 0
        print(
            f"{name:12} {cpu / args.flows * 1000:6.2f} ms CPU   "
            f"{count / args.flows:4.1f} SQL statements"
        )
    print(f"comment flow (measure GET + POST + receipt): {total / args.flows * 1000:.2f} ms CPU")
    if profiler:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
