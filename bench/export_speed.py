"""Time and peak memory of `portal export` (CSV and JSON), beside `sqlite3 -csv`.

    PYTHONPATH=. python bench/export_speed.py              # 100,000 and 1,000,000 comments
    PYTHONPATH=. python bench/export_speed.py --sizes 20000

For each size it seeds a SQLite file (Core executemany: approved comments in nine languages,
a translation for every tenth, a redaction for every twentieth), then runs `portal export`
(the command an operator runs, `--quiet`) in a fresh process for each format, once the
portal's modules are imported, and prints its wall and CPU time, the time as a multiple of the baseline, and the process's peak RSS
(`resource.getrusage`) and how much RSS grew during the export. The baseline is the sqlite3
shell dumping the same columns of the same rows to CSV: the cost of reading the data with no
redaction, labels, quoting or encoding of ours.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXTS = {
    "ja": "公共施設の統廃合について、地域の声を聞いてから進めてください。窓口の待ち時間も短くしてほしい。",
    "vi": "Tôi đề nghị kéo dài giờ mở cửa của thư viện, và cải thiện dịch vụ hành chính.",
    "ne": "नगरपालिकाको सेवा सुधार गर्नुहोस्। पुस्तकालय खुल्ने समय बढाउनुहोस्।",
    "pt-BR": 'Sugiro ampliar o horário da biblioteca, "por favor", e simplificar os serviços.',
    "zh-Hans": "希望延长图书馆的开放时间,并简化行政手续。",
    "en": "Please keep the library open longer,\nand publish the budget in plain language.",
    "es": "Propongo ampliar el horario de la biblioteca; gracias.",
    "tl": "Mangyaring pahabain ang oras ng aklatan.",
    "ja-x-easy": "としょかん(図書館)を ながく あけて ください。",
}


def _config(path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "SECRET_KEY": "bench",
        "PORTAL_ENV": "testing",
        "TESTING": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def seed(path: str, count: int) -> None:
    """A migrated, seeded database holding `count` approved comments."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.services.content.seed import seed_outline

    app = create_app(_config(path))
    with app.app_context():
        upgrade()
        seed_outline()
        db.session.commit()
        db.engine.dispose()
    rng = random.Random(8)
    connection = sqlite3.connect(path)
    measure_ids = [row[0] for row in connection.execute("SELECT id FROM measures")]
    languages = list(TEXTS)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    batch, translations, redactions = [], [], []
    for number in range(1, count + 1):
        language = "ja" if number % 2 else languages[number % len(languages)]
        body = TEXTS[language] + f" ({number})"
        when = (start + timedelta(seconds=number * 2)).replace(tzinfo=None).isoformat(" ")
        batch.append(
            (
                number,
                f"PC-2026-{number:06d}",
                "0" * 64,
                rng.choice(measure_ids),
                body,
                language,
                "lives",
                "published",
                "web",
                when,
                0,
                1,
                when,
                when,
            )
        )
        if language not in ("ja", "ja-x-easy") and number % 10 == 0:
            translations.append(
                (number, "ja", "図書館の開館時間を延ばしてください。", "human", when)
            )
        if number % 20 == 0:
            redactions.append((number, "body", 0, 4, "name", when))
        if len(batch) == 20000 or number == count:
            connection.executemany(
                "INSERT INTO comments (id, receipt_number, access_key_hash, measure_id, body,"
                " declared_language, respondent_type, status, channel, received_at,"
                " pii_suggestions, version, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                batch,
            )
            connection.executemany(
                "INSERT INTO comment_translations (comment_id, language, text, method,"
                " translated_at) VALUES (?,?,?,?,?)",
                translations,
            )
            connection.executemany(
                'INSERT INTO redactions (comment_id, field, start, "end", kind, created_at)'
                " VALUES (?,?,?,?,?,?)",
                redactions,
            )
            connection.commit()
            batch, translations, redactions = [], [], []
    connection.close()


def _rss_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def run_one(path: str, fmt: str, out: str) -> dict:
    """`portal export --format FMT -o OUT --quiet` in this process; the figures as a dict."""
    import resource

    from portal.cli import main as portal

    os.environ.update(DATABASE_URL=f"sqlite:///{path}", PORTAL_ENV="testing")
    os.environ["SECRET_KEY"] = "bench"  # noqa: S105 - a throwaway database
    os.environ.pop("REDIS_URL", None)
    from portal import create_app

    create_app()  # the imports once, so the figures are the command's work, not Python's start
    before = _rss_kib("VmRSS")
    began, cpu_began = time.perf_counter(), time.process_time()
    portal.main(
        ["export", "--format", fmt, "-o", out, "--quiet"], prog_name="portal", standalone_mode=False
    )
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "rss_growth_mib": round((peak_kib - before) / 1024, 1),
        "bytes": os.path.getsize(out),
    }


def baseline(path: str, out: str) -> tuple[float, float]:
    """Wall and CPU seconds for the sqlite3 shell to dump the same rows and columns as CSV."""
    query = (
        "SELECT c.receipt_number, m.code, c.received_at, c.channel, c.declared_language,"
        " c.respondent_type, c.age_band, c.district, c.position, c.body, t.text, c.group_id"
        " FROM comments c JOIN measures m ON m.id = c.measure_id"
        " JOIN priority_areas a ON a.id = m.area_id"
        " LEFT JOIN comment_translations t ON t.comment_id = c.id AND t.language = 'ja'"
        " WHERE c.status = 'published' ORDER BY a.number, m.number, c.id;"
    )
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    with open(out, "wb") as handle:
        subprocess.run(["sqlite3", "-csv", "-header", path, query], stdout=handle, check=True)  # noqa: S603,S607
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime
    return round(wall, 2), round(cpu, 2)


def main() -> None:
    """Seed, export, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--one", nargs=3, metavar=("DB", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as workdir:
        for size in (int(s) for s in args.sizes.split(",")):
            path = os.path.join(workdir, f"comments-{size}.sqlite3")
            began = time.perf_counter()
            seed(path, size)
            print(f"\n{size:,} approved comments (seeded in {time.perf_counter() - began:.1f} s)")
            out = os.path.join(workdir, "out")
            base, base_cpu = baseline(path, out)
            print(f"  sqlite3 -csv baseline: {base:7.2f} s (CPU {base_cpu:.2f} s)")
            for fmt in ("csv", "json"):
                result = subprocess.run(  # noqa: S603
                    [sys.executable, __file__, "--one", path, fmt, out],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "PYTHONPATH": ROOT},
                )
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                print(
                    f"  {fmt:4} export:          {figures['seconds']:7.2f} s "
                    f"({figures['seconds'] / max(base, 0.01):.1f}× sqlite3 -csv; CPU "
                    f"{figures['cpu_seconds']:.2f} s, "
                    f"{figures['cpu_seconds'] / max(base_cpu, 0.01):.1f}×), "
                    f"peak RSS {figures['peak_rss_mib']} MiB "
                    f"(+{figures['rss_growth_mib']} MiB during the export), "
                    f"{figures['bytes'] / 1e6:.0f} MB"
                )
            os.remove(path)


if __name__ == "__main__":
    main()
