"""Long commands draw a progress bar only on a terminal: scripts (CliRunner's output is not
one) and `--quiet` get the commands' own lines and nothing else."""

import pytest
from conftest import comment_receipt

BAR_TEXT = ("Writing", "Regrouping", "Backing up", "Restoring", "Deleting", "[#", "[-")


def _no_bar(output: str) -> None:
    for text in BAR_TEXT:
        assert text not in output, output


@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_export_writes_its_file_without_a_bar_in_a_script(
    runner, submit, open_measure, tmp_path, quiet
):
    comment_receipt(submit, open_measure, body="窓口の待ち時間を短くしてください。")
    for fmt in ("csv", "json"):
        out = tmp_path / f"committee.{fmt}"
        result = runner.invoke(args=["export", "--format", fmt, "-o", str(out), *quiet])
        assert result.exit_code == 0, result.output
        assert f"Wrote {out}" in result.output
        assert out.stat().st_size > 0
        _no_bar(result.output)


@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_backup_and_restore_print_one_line_each_in_a_script(runner, tmp_path, quiet):
    backup = tmp_path / "portal.backup"
    result = runner.invoke(args=["backup", str(backup), *quiet])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Backup written")
    _no_bar(result.output)
    result = runner.invoke(args=["restore", str(backup), "--yes", *quiet])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Restored from {backup}."


@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_purge_contacts_and_regroup_accept_quiet_and_draw_nothing(
    runner, submit, open_measure, quiet
):
    comment_receipt(submit, open_measure, body="図書館の開館時間を延ばしてください。", name="山田")
    result = runner.invoke(args=["purge-contacts", "--dry-run", *quiet])
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output
    _no_bar(result.output)
    result = runner.invoke(args=["moderation", "regroup", *quiet])
    assert result.exit_code == 0, result.output
    assert "comments," in result.output
    _no_bar(result.output)


def test_backup_on_a_terminal_shows_its_bar(app, tmp_path):
    """The same command in a pseudo-terminal, as an operator runs it, draws the bar."""
    import os
    import pty
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    portal = shutil.which("portal") or str(Path(sys.executable).parent / "portal")
    env = {
        **os.environ,
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "progress-test",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
    }
    env.pop("REDIS_URL", None)

    def run(*args) -> str:
        leader, follower = pty.openpty()
        process = subprocess.Popen(  # noqa: S603 - our own command
            [portal, *args], stdout=follower, stderr=follower, env=env
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # the terminal closes with the command
                break
            if not data:
                break
            chunks.append(data)
        process.wait(timeout=60)
        os.close(leader)
        assert process.returncode == 0, b"".join(chunks)
        return b"".join(chunks).decode("utf-8", "replace")

    shown = run("backup", str(tmp_path / "a.backup"))
    assert "Backing up" in shown
    assert "Backup written" in shown
    quiet = run("backup", str(tmp_path / "b.backup"), "--quiet")
    assert "Backing up" not in quiet
    assert "Backup written" in quiet
