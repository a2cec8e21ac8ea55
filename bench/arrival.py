"""What the arrival job costs per comment as a measure fills: the same 200 new comments against a
measure of 100 comments and one of 50,000 (20,000 of them campaign copies).

    python bench/arrival.py                      # SQLite, N = 100 and 50,000
    python bench/arrival.py --sizes 100 5000     # other sizes
    python bench/arrival.py --database-url postgresql://postgres@127.0.0.1/test_x

For each size the measure is filled (bulk rows, languages detected, groups made by
`portal moderation regroup`'s own function), then 200 new comments with unique texts and 200
campaign copies are stored and each is analysed by the job the worker runs
(`jobs.perform("...arrival.analyse_arrival", id)`: its own app context, session and commit, as
`portal worker` does it), twice with fresh comments. It prints CPU milliseconds per comment
(process_time of this process: the database's own CPU on PostgreSQL is not in it) and the rows
of the measure the job read (statements counted on the engine).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchapp import database_url, fresh_app, sqlalchemy_url  # noqa: E402

NEW = 200
JOB = "portal.services.resident.arrival.analyse_arrival"


def _rows(rng: random.Random, count: int, copies: int):
    """(language, text) pairs: `copies` campaign copies of a few letters, the rest distinct."""
    from portal.services.moderation import corpus

    letters = corpus.CAMPAIGN_LETTERS
    kinds = [True] * copies + [False] * (count - copies)
    rng.shuffle(kinds)
    for is_copy in kinds:
        if is_copy:
            yield "ja", corpus.campaign_copy(rng, rng.choice(letters))
        else:
            language = corpus._weighted_language(rng)
            yield language, corpus.distinct_comment(rng, language)


def fill(measure_id: int, count: int, copies: int, seed: int) -> None:
    """Store `count` comments on the measure in bulk, analysed and grouped as a worker and
    `portal moderation regroup` would leave them."""
    from portal.database import utcnow
    from portal.extensions import db
    from portal.models import Comment
    from portal.services.language import detect_language
    from portal.services.moderation.duplicates import regroup_measure

    rng = random.Random(seed)  # noqa: S311 - sample texts
    start = utcnow() - timedelta(days=10)
    batch = []
    table = Comment.__table__
    for n, (language, text) in enumerate(_rows(rng, count, copies)):
        when = start + timedelta(seconds=n)
        detection = detect_language(text) if language != "ja" else None
        batch.append(
            {
                "access_key_hash": "0" * 64,
                "measure_id": measure_id,
                "body": text,
                "declared_language": language,
                "detected_language": detection.language if detection else "ja",
                "detection_confidence": detection.confidence if detection else 1.0,
                "respondent_type": "resident",
                "status": "received",
                "channel": "web",
                "received_at": when,
                "pii_suggestions": 0,
                "group_manual": False,
                "version": 1,
                "created_at": when,
                "updated_at": when,
            }
        )
        if len(batch) == 5000:
            db.session.execute(table.insert(), batch)
            batch.clear()
    if batch:
        db.session.execute(table.insert(), batch)
    db.session.commit()
    regroup_measure(measure_id)
    db.session.commit()


def new_comments(measure_id: int, texts: list[tuple[str, str]]) -> list[int]:
    """Store the new comments as the submission would, before any analysis."""
    from portal.extensions import db
    from portal.models import Comment

    comments = [
        Comment(
            access_key_hash="1" * 64,
            measure_id=measure_id,
            body=text,
            declared_language=language,
            respondent_type="resident",
        )
        for language, text in texts
    ]
    db.session.add_all(comments)
    db.session.commit()
    return [c.id for c in comments]


class Statements:
    """Counts statements and rows fetched on the engine while it is attached."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.statements = self.rows = 0
        self.engine = engine
        event.listen(engine, "after_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements += 1

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "after_cursor_execute", self._count)


PROFILED = (
    "arrival.py:.*\\(analyse_arrival\\)|language.py:.*\\(detect_language\\)|pii.py:.*\\(suggest\\)"
    "|\\(group_new_comment\\)|\\(candidates\\)|\\(commit\\)|\\(perform\\)|\\(tokenize\\)"
    "|\\(compute_language_confidence_values\\)|\\(jaccard\\)|\\(shingles\\)|\\(analyse\\)"
)


def time_job(ids: list[int], profile: bool = False) -> float:
    """CPU milliseconds per comment for the arrival job on `ids`, one job each; with `profile`,
    the cumulative time of its parts is printed (under cProfile, so the figure is inflated)."""
    import cProfile
    import pstats

    from portal.services import jobs

    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for comment_id in ids:
        jobs.perform(JOB, comment_id)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(PROFILED)
    return (time.process_time() - started) * 1000 / len(ids)


def run(url: str, size: int, copies: int, rounds: int, profile: bool = False) -> dict:
    """Fill a measure of `size` comments, then time the job on new unique texts and copies."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import CampaignGroup, Comment, Measure
    from portal.services import language
    from portal.services.moderation import corpus, pii

    app = fresh_app(url, PORTAL_GROUPING="off", PORTAL_JOBS="inline")
    with app.app_context():
        measure_id = db.session.scalar(select(Measure.id).order_by(Measure.id).limit(1))
        started = time.perf_counter()
        fill(measure_id, size, copies, seed=size)
        filled = time.perf_counter() - started
        groups = db.session.scalar(select(func.count(CampaignGroup.id)))
        language.warm_up()
        pii.warm_up()
        rng = random.Random(1000 + size)  # noqa: S311 - sample texts
        result = {"size": size, "fill_s": filled, "groups": groups, "unique": [], "copy": []}
        for _round in range(rounds):
            unique = []
            for _ in range(NEW):
                lang = corpus._weighted_language(rng)
                unique.append((lang, corpus.distinct_comment(rng, lang)))
            copy = [
                ("ja", corpus.campaign_copy(rng, rng.choice(corpus.CAMPAIGN_LETTERS)))
                for _ in range(NEW)
            ]
            for kind, texts in (("unique", unique), ("copy", copy)):
                ids = new_comments(measure_id, texts)
                counter = Statements(db.engine)
                ms = time_job(ids, profile and _round == rounds - 1)
                counter.close()
                db.session.remove()
                grouped = db.session.scalar(
                    select(func.count(Comment.id)).where(
                        Comment.id.in_(ids), Comment.group_id.is_not(None)
                    )
                )
                result[kind].append((ms, counter.statements / len(ids), grouped))
        db.session.remove()
        db.engine.dispose()
    return result


def main() -> None:
    """Run the benchmark and print one line per measure size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 50_000])
    parser.add_argument("--copies", type=float, default=0.4, help="campaign share of the fill")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", action="store_true", help="print where the job spends time")
    args = parser.parse_args()
    print(f"arrival job, ms CPU per comment ({NEW} new comments per run, {args.rounds} runs)")
    print(
        f"{'measure':>8} {'copies':>7} {'groups':>6} {'fill s':>7} | "
        f"{'unique ms':>16} {'stmts':>6} {'grouped':>8} | {'copy ms':>16} {'stmts':>6} "
        f"{'grouped':>8}"
    )
    for size in args.sizes:
        url = (
            sqlalchemy_url(args.database_url)
            if args.database_url
            else database_url(f"arrival-{size}.db")
        )
        copies = int(size * args.copies) if size >= 1000 else 0
        r = run(url, size, copies, args.rounds, args.profile)

        def cells(kind: str, r=r) -> str:
            ms = "-".join(f"{m:.1f}" for m, _s, _g in r[kind])
            stmts = max(s for _m, s, _g in r[kind])
            grouped = "/".join(str(g) for _m, _s, g in r[kind])
            return f"{ms:>16} {stmts:>6.1f} {grouped:>8}"

        print(
            f"{size:>8} {copies:>7} {r['groups']:>6} {r['fill_s']:>7.1f} | "
            f"{cells('unique')} | {cells('copy')}",
            flush=True,
        )


if __name__ == "__main__":
    main()
