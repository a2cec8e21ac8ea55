"""The `portal` command (``portal = "portal.cli:main"``), one module per concern:

- `run`: seed the outline, the all-in-one demo, the background-job worker;
- `staff`: staff accounts, the audit log, staff reports on comments;
- `data`: backups, restore, deleting contact details after retention, the committee's files;
- `translate`: the gettext catalogs;
- `mail`: e-mail notices (a test message, sending what is due).
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from portal.cli.data import (
    backup_command,
    export_command,
    purge_contacts_command,
    restore_command,
)
from portal.cli.mail import mail_group
from portal.cli.run import demo_command, open_unscheduled_measures, seed_command, worker_command
from portal.cli.staff import audit_group, comments_group, create_user_command
from portal.cli.translate import translate

# open_unscheduled_measures: the benchmarks open their measures the way `portal seed` does.
__all__ = ["init_app", "main", "open_unscheduled_measures"]


def init_app(app) -> None:
    """Add the portal's commands to `flask`/`portal`."""
    for command in (
        seed_command,
        demo_command,
        worker_command,
        comments_group,
        translate,
        create_user_command,
        audit_group,
        purge_contacts_command,
        backup_command,
        restore_command,
        export_command,
        mail_group,
    ):
        app.cli.add_command(command)


def _create_app():
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Isesaki City public comment portal."""
