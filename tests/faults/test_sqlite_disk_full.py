"""The disk under the SQLite database fills up while residents comment.

A small tmpfs is mounted for the test (root only: it is skipped elsewhere) and filled with a
file until a few dozen kilobytes are left; comments are sent until the disk refuses them.
"""

import errno
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - mounts the small file system
import uuid

import pytest
from faultkit import form_fields, in_process_app, sqlite_template, stored_comments, textarea_text

pytestmark = pytest.mark.faults

BODY = "窓口の待ち時間を短くしてください。" * 170  # about 9 KB once stored


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],  # noqa: S607
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)  # noqa: S603,S607


def _fill(path, leave_free: int) -> None:
    """Write a file until the disk is full, then give back `leave_free` bytes."""
    chunk = b"\0" * 4096
    with open(path, "wb", buffering=0) as filler:
        while True:
            try:
                filler.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
        filler.truncate(max(0, filler.tell() - leave_free))


def test_a_full_disk_refuses_comments_clearly_and_keeps_the_database_whole(small_disk, tmp_path):
    database = small_disk / "portal.sqlite3"
    shutil.copy(sqlite_template(tmp_path), database)
    filler = small_disk / "filler"
    _fill(filler, leave_free=160 * 1024)
    app = in_process_app(f"sqlite:///{database}")
    client = app.test_client()
    page = client.get("/en/measures/1-1").get_data(as_text=True)

    outcomes = []
    for n in range(40):
        body = f"{n}: {BODY}"
        response = client.post(
            "/en/measures/1-1", data=form_fields(page, body=body, name=f"Resident {n}")
        )
        receipt = None
        if response.status_code == 303:
            receipt_page = client.get(response.headers["Location"]).get_data(as_text=True)
            receipt = receipt_page.split("PC-", 1)[1][:11]
        outcomes.append((response.status_code, body, receipt, response.get_data(as_text=True)))
        if [o[0] for o in outcomes[-3:]] == [503, 503, 503]:
            break
    statuses = [o[0] for o in outcomes]
    stored = stored_comments(f"sqlite:///{database}")
    print(
        f"\n{statuses.count(303)} comments stored before the disk was full, then "
        f"{statuses.count(503)} refused with 503; {len(stored)} rows in the database"
    )

    assert set(statuses) == {303, 503}
    refused = [o for o in outcomes if o[0] == 503]
    for _status, body, _receipt, html in refused:
        assert "could not be saved because of a problem on our side" in html
        assert "Nothing was sent" in html
        assert textarea_text(html) == body
    # Nothing half-written: the file is sound, every receipt shown is stored, nothing else is.
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    shown = {f"PC-{o[2]}" for o in outcomes if o[0] == 303}
    assert {row["receipt"] for row in stored} == shown
    assert all(row["contact_name"] for row in stored)

    # Space comes back: the next comment goes in, without restarting anything.
    os.remove(filler)
    again = client.post(
        "/en/measures/1-1", data=form_fields(page, body=f"after {uuid.uuid4()}", name="Later")
    )
    assert again.status_code == 303
