"""Schemathesis against the read API: every operation of the served OpenAPI document, with
positive and negative examples; no 500, every response as documented.

    python tests/api_conformance.py [--max-examples N]     # .ci/run does this

It builds a fresh SQLite database in a temporary directory (the real migrations, the seeded
outline, one measure's results published with a withheld phone number, a campaign, a rejected
and a Vietnamese comment), serves the portal on a free loopback port, and runs the
`schemathesis` command against /api/v1/openapi.json. tests/test_api.py runs it too, with fewer
examples.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHONE = "090-1234-5678"


def publish_sample_results(app, code: str = "1-(1)") -> None:
    """`code` closed, its comments decided and answered, its results published (in `app`)."""
    import sqlalchemy as sa

    from portal.database import utcnow
    from portal.extensions import db
    from portal.models import Comment, Measure
    from portal.models.moderation import CampaignGroup, CityResponse, Redaction
    from portal.services.moderation.decisions import decide
    from portal.services.resident.submission import CommentInput, ContactInput, submit_comment
    from portal.services.results import publication
    from portal.services.staff import accounts

    with app.app_context():
        now = utcnow()
        measure = db.session.scalar(sa.select(Measure).where(Measure.code == code))
        measure.opens_at, measure.closes_at = now - timedelta(days=40), now + timedelta(days=1)
        staff = accounts.create_account(
            f"api-sample-{measure.id}@city.example", "sample", ["moderator"], now
        )

        def comment(body, language="ja", contact=None):
            made, _key = submit_comment(
                measure,
                CommentInput(
                    body=body,
                    declared_language=language,
                    respondent_type="lives",
                    contact=contact or ContactInput(),
                ),
                now,
            )
            return made

        plain = comment(
            f"窓口の待ち時間を短くしてください。電話は{PHONE}です。",
            contact=ContactInput(name="伊勢崎花子", email="hanako@example.jp"),
        )
        vietnamese = comment("Xin hãy có thông tin bằng tiếng Việt ở quầy.", "vi")
        campaign = [comment("公共施設の統廃合に反対します。") for _ in range(3)]
        rejected = comment("広告です。")
        db.session.flush()
        # comments residents sent before (a test's own) are approved and answered too
        earlier = db.session.scalars(
            sa.select(Comment).where(
                Comment.measure_id == measure.id,
                Comment.status == "received",
                Comment.id < plain.id,
            )
        ).all()
        for made in [*earlier, plain, vietnamese, *campaign]:
            decide(made, "approve", actor=staff, ip=None, now=now)
        db.session.add_all(
            CityResponse(comment_id=c.id, category="for_reference", text_ja="参考にします。")
            for c in earlier
        )
        decide(rejected, "reject", actor=staff, ip=None, now=now, reason="commercial")
        start = plain.body.index(PHONE)
        db.session.add(
            Redaction(
                comment_id=plain.id, field="body", start=start, end=start + len(PHONE), kind="phone"
            )
        )
        group = CampaignGroup(
            measure_id=measure.id, representative_comment_id=campaign[0].id, confirmed=True
        )
        db.session.add(group)
        db.session.flush()
        for member in campaign:
            member.group_id = group.id
        db.session.add_all(
            [
                CityResponse(comment_id=plain.id, category="reflected", text_ja="検討します。"),
                CityResponse(
                    comment_id=vietnamese.id, category="for_reference", text_ja="参考にします。"
                ),
                CityResponse(group_id=group.id, category="not_reflected", text_ja="反映しません。"),
            ]
        )
        measure.closes_at = now - timedelta(minutes=1)
        db.session.flush()
        publication.publish(measure, actor=staff, ip=None, now=utcnow())
        db.session.commit()
        db.session.remove()


def fresh_app(directory: Path, **settings):
    """The portal on a new, migrated and seeded SQLite file in `directory`."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.services.content.seed import seed_outline

    app = create_app(
        {
            "SECRET_KEY": "api-conformance",
            "PORTAL_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'portal.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "PORTAL_API_LIMIT": "100000 per minute",
            "PORTAL_JOBS": "inline",
            "PORTAL_GROUPING": "inline",
            **settings,
        }
    )
    with app.app_context():
        upgrade()
        seed_outline()
        db.session.commit()
        db.session.remove()
    return app


@contextmanager
def served(app):
    """`app` on a free loopback port (a thread of this process); yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def run_schemathesis(
    base_url: str, max_examples: int, workdir: Path
) -> subprocess.CompletedProcess:
    """The schemathesis command against the served document: all checks, both modes."""
    command = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    return subprocess.run(  # noqa: S603 (fixed command)
        [
            command,
            "run",
            f"{base_url}/api/v1/openapi.json",
            "--checks",
            "all",
            "--mode",
            "all",
            "--max-examples",
            str(max_examples),
            "--seed",
            "22",
            "--generation-database",
            "none",
            "--no-color",
            "--report-dir",
            str(workdir / "report"),
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=40)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        app = fresh_app(workdir)
        publish_sample_results(app)
        publish_sample_results(app, "II")
        with served(app) as url:
            result = run_schemathesis(url, options.max_examples, workdir)
    print(result.stdout)
    print(result.stderr, file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
