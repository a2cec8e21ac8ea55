"""Consistent backups of the portal's database while it runs, and bringing one back.

SQLite: the online backup API copies a snapshot page by page under a read lock, so a backup
taken while residents comment holds every committed comment and no half-written one.
PostgreSQL: ``pg_dump`` (custom format) reads one snapshot inside a transaction; ``pg_restore``
brings it back in a single transaction, so a failed restore changes nothing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore are the tools for this
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; nothing was changed."""


def default_backup_name(database_uri: str, stamp: str) -> str:
    """`portal-20261201-021500Z.sqlite3` or `.dump`, by database kind."""
    suffix = "sqlite3" if _is_sqlite(database_uri) else "dump"
    return f"portal-{stamp}.{suffix}"


def _is_sqlite(database_uri: str) -> bool:
    return make_url(database_uri).get_backend_name() == "sqlite"


def _sqlite_path(database_uri: str) -> Path:
    database = make_url(database_uri).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_command(database_uri: str) -> tuple[list[str], dict]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment only."""
    url = make_url(database_uri)
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


# What pg_dump and pg_restore say (with --verbose) as they start on each table's rows.
_TABLE_LINE = ("dumping contents of table", "processing data for table")


def _run(tool: str, args: list[str], env: dict, progress=None, tables: int = 0) -> None:
    if not shutil.which(tool):
        raise BackupError(f"{tool} is not installed (Debian package postgresql-client)")
    if progress is None:
        result = subprocess.run([tool, *args], env=env, capture_output=True, text=True)  # noqa: S603
        if result.returncode != 0:
            raise BackupError(f"{tool} failed: {result.stderr.strip()}")
        return
    # Verbose, read line by line: one step per table whose rows it starts on.
    said, done = [], 0
    with subprocess.Popen(  # noqa: S603
        [tool, "--verbose", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        for line in process.stderr:
            if any(marker in line for marker in _TABLE_LINE):
                done += 1
                progress(done, max(tables, done))
            elif "error" in line.lower():
                said.append(line.strip())
    if process.returncode != 0:
        raise BackupError(f"{tool} failed: {' '.join(said[-5:]) or process.returncode}")


def backup_database(database_uri: str, destination: Path, progress=None) -> Path:
    """Write a consistent copy of the database to `destination`; return its path.

    The copy is written beside the destination and renamed at the end, so a failure (a full
    disk) never leaves a truncated file under the backup's name. `progress(done, total)` is
    told as the work advances: SQLite's copy and check, PostgreSQL's tables.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    try:
        if _is_sqlite(database_uri):
            source = sqlite3.connect(f"file:{_sqlite_path(database_uri)}?mode=ro", uri=True)
            target = sqlite3.connect(partial)
            try:
                source.backup(target)  # all pages in one step: one snapshot
                if progress:
                    progress(1, 2)
                if target.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                    raise BackupError("the copy failed SQLite's integrity check")
                if progress:
                    progress(2, 2)
            finally:
                target.close()
                source.close()
        else:
            args, env = _pg_command(database_uri)
            _run(
                "pg_dump",
                ["--format=custom", "--no-owner", "--file", str(partial), *args],
                env,
                progress,
                _table_count(database_uri) if progress else 0,
            )
        partial.replace(destination)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"backup failed: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return destination


def _check_sqlite_backup(path: Path) -> sqlite3.Connection:
    try:
        backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
        ok = backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    except sqlite3.Error as error:
        raise BackupError(f"{path} is not a SQLite backup of the portal: {error}") from error
    if not ok or not {"alembic_version", "comments"} <= tables:
        backup.close()
        raise BackupError(f"{path} is not a sound backup of the portal")
    return backup


def _table_count(database_uri: str) -> int:
    """Tables in the database's public schema: the length of PostgreSQL's progress bar."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_uri)
    try:
        return len(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def restore_database(database_uri: str, source: Path, progress=None) -> None:
    """Replace the database's contents with the backup at `source`, all at once;
    `progress(done, total)` as in `backup_database`."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if _is_sqlite(database_uri):
        backup = _check_sqlite_backup(source)
        if progress:
            progress(1, 2)
        live = sqlite3.connect(_sqlite_path(database_uri), timeout=30)
        try:
            # Through SQLite's own locking: running workers see the restored data afterwards.
            backup.backup(live)
            if progress:
                progress(2, 2)
        except sqlite3.Error as error:
            raise BackupError(f"restore failed: {error}") from error
        finally:
            live.close()
            backup.close()
    else:
        args, env = _pg_command(database_uri)
        _run(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)],
            env,
            progress,
            _table_count(database_uri) if progress else 0,
        )
