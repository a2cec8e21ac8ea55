"""Screenshots of the resident's main pages at phone and desktop sizes, for the README.

Run from the repository root: ``python tests/e2e/screenshots.py`` (needs Debian's chromium).
It builds a fresh demo database in a temporary directory, serves it with gunicorn, and writes
PNG files to docs/screenshots/.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from portal_server import ROOT, chromium_browser, gunicorn_server  # noqa: E402

from portal import create_app  # noqa: E402
from portal.database import utcnow  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Measure  # noqa: E402
from portal.services.content.seed import seed_outline  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
COMMENT = "Xin hãy rút ngắn thời gian chờ đợi tại quầy và có thông tin bằng tiếng Việt."


def _database(directory: Path) -> str:
    uri = f"sqlite:///{directory / 'portal.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "screenshots"})
    with app.app_context():
        upgrade()
        seed_outline()
        now = utcnow()
        for measure in db.session.scalars(db.select(Measure)):
            if measure.area.number == 1:
                measure.opens_at, measure.closes_at = (
                    now - timedelta(days=3),
                    now + timedelta(days=27),
                )
        db.session.commit()
        db.engine.dispose()
    return uri


def take(browser, base: str) -> list[Path]:
    """Visit the main pages as a resident would and save what the screen shows."""
    shots = []

    def shoot(page, name: str, full_page: bool = False) -> None:
        path = OUT / f"{name}.png"
        page.screenshot(path=path, full_page=full_page)
        shots.append(path)

    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(f"{base}/vi/")
    shoot(phone, "phone-index-vi")
    phone.goto(f"{base}/ja/")
    phone.click(".language-picker summary")
    shoot(phone, "phone-language-menu-ja")
    phone.goto(f"{base}/pt-BR/measures/1-5")
    with phone.expect_navigation():
        phone.click("form.comment-form button[type=submit]")
    shoot(phone, "phone-form-errors-pt-BR")
    phone.goto(f"{base}/ja-x-easy/measures/1-5")
    shoot(phone, "phone-measure-ja-x-easy")
    phone.goto(f"{base}/vi/measures/1-5")
    phone.fill("textarea[name=body]", COMMENT)
    phone.check("input[name=respondent_type][value=lives]")
    phone.check("input[name=consent]")
    phone.click("form.comment-form button[type=submit]")
    phone.wait_for_url("**/receipts/new")
    shoot(phone, "phone-receipt-vi")
    phone.context.close()

    desktop = browser.new_context(viewport=DESKTOP).new_page()
    desktop.goto(f"{base}/ja/")
    shoot(desktop, "desktop-index-ja")
    desktop.goto(f"{base}/en/measures/1-5")
    shoot(desktop, "desktop-measure-en")
    desktop.goto(f"{base}/ne/receipts")
    shoot(desktop, "desktop-lookup-ne")
    desktop.context.close()
    return shots


def main() -> None:
    """Write the screenshots and list them with their sizes."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        uri = _database(Path(directory))
        with gunicorn_server(uri) as base, chromium_browser() as browser:
            for path in take(browser, base):
                print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
