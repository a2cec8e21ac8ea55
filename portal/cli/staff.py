"""Staff on the command line: accounts (and the demo's), the audit log's check, and reports
on comments that never print contact details."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import with_appcontext

from portal.database import utcnow
from portal.extensions import db
from portal.models.staff import Role, StaffUser
from portal.services import audit, audit_chain
from portal.services.committee import figures
from portal.services.staff import accounts


def _read_password(prompt: str) -> str:
    """A password from the terminal (hidden, typed twice) or one line of stdin, never argv."""
    import sys

    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def add_account(
    email: str, display_name: str, roles, password: str, *, via: str, now: datetime
) -> StaffUser:
    """A staff account with its password, and the audit record that says how it was made."""
    user = accounts.create_account(email, display_name, roles, now)
    accounts.set_password(user, password, now)
    audit.record(
        "account_created",
        object_type="staff_user",
        object_id=user.id,
        details={"email": user.email, "roles": sorted(user.role_set), "via": via},
        now=now,
    )
    return user


@click.command("create-user")
@click.option("--email", required=True, help="The staff member's email (their login).")
@click.option("--name", "display_name", default="", help="Name shown on staff screens.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="admin, moderator or committee; repeat for several.",
)
@with_appcontext
def create_user_command(email: str, display_name: str, roles: tuple[str, ...]) -> None:
    """Create a staff account. The password is read from a prompt or stdin, never from argv."""
    if accounts.find_user_by_email(email):
        raise click.ClickException(f"an account with the email {email} already exists")
    password = _read_password("Password")
    problems = accounts.password_problems(password, email=email, name=display_name)
    if problems:
        messages = {
            "too_short": f"use at least {accounts.PASSWORD_MIN_LENGTH} characters",
            "too_long": f"use at most {accounts.PASSWORD_MAX_LENGTH} characters",
            "too_common": "this password is too common or easy to guess",
        }
        raise click.ClickException("password refused: " + messages[problems[0]])
    user = add_account(email, display_name, roles, password, via="command line", now=utcnow())
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(user.role_set))}.")


DEMO_ACCOUNTS = (
    ("admin@demo.isesaki.example", "Demo admin", ("admin",), "demo-kanrisha-sekinin-2026"),
    (
        "moderator@demo.isesaki.example",
        "Demo moderator",
        ("moderator",),
        "demo-moderator-etsuran-2026",
    ),
    (
        "committee@demo.isesaki.example",
        "Demo committee",
        ("committee",),
        "demo-committee-iinkai-2026",
    ),
)


def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    """One demo account per role (for `portal demo` only); returns (email, role, password)."""
    now = utcnow()
    shown = []
    for email, name, roles, password in DEMO_ACCOUNTS:
        if accounts.find_user_by_email(email) is None:
            add_account(email, name, roles, password, via="portal demo", now=now)
        shown.append((email, roles[0], password))
    return shown


@click.group("audit")
def audit_group() -> None:
    """The staff audit log."""


def _keys_warning(keys) -> None:
    if keys.demo:
        click.echo(
            "WARNING: PORTAL_AUDIT_KEY is not set: the chain is keyed with the public demo key, "
            "so anyone who can write the database can recompute it. Set your own key.",
            err=True,
        )


def _describe(segment, keys) -> str:
    span = f"records {segment.first_id}–{segment.last_id} ({segment.count})"
    if segment.key_id is None:
        return (
            f"{span}: the earlier, unkeyed segment (plain SHA-256, written before the chain was "
            "keyed: proof only against changes made after the seal that follows it)"
        )
    if segment.key_id == keys.current.key_id:
        return f"{span}: keyed, current key {segment.key_id}"
    if keys.find(segment.key_id) is not None:
        return f"{span}: keyed, an earlier key {segment.key_id}"
    return f"{span}: keyed, key {segment.key_id}, which is not configured"


@audit_group.command("verify")
@click.option(
    "--against",
    "heads_file",
    type=click.File("r", encoding="utf-8"),
    help="A file of heads saved with `portal audit head` (one per line): also finds the "
    "newest records removed, or the log rewritten, since each head was saved.",
)
@with_appcontext
def audit_verify(heads_file) -> None:
    """Recompute the audit log's keyed hash chain; fail and name each record altered or removed."""
    keys = audit_chain.current_keys()
    _keys_warning(keys)
    report = audit_chain.verify_chain(keys)
    problems = list(report.problems)
    heads = 0
    if heads_file is not None:
        heads, head_problems = audit_chain.check_heads(heads_file, keys)
        if not heads:
            problems.append(f"{heads_file.name}: no saved head in this file")
        problems += head_problems
    for segment in report.segments:
        click.echo(_describe(segment, keys))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"audit log: {len(problems)} problem(s) found")
    against = f", matches {heads} saved head(s)" if heads_file is not None else ""
    click.echo(f"audit log intact: {report.checked} records{against}, head hash {report.head_hash}")


@audit_group.command("head")
@with_appcontext
def audit_head() -> None:
    """Print the chain's signed head (one JSON line) to keep outside the database, e.g.
    `portal audit head | mail -s audit-head auditor@…`; `verify --against` checks it later."""
    keys = audit_chain.current_keys()
    _keys_warning(keys)
    report = audit_chain.verify_chain(keys)
    if not report.intact:
        for problem in report.problems:
            click.echo(problem, err=True)
        raise click.ClickException("audit log: not intact, so no head is signed")
    head = audit_chain.signed_head(keys, utcnow())
    click.echo(json.dumps(head, sort_keys=True))


@audit_group.command("seal")
@with_appcontext
def audit_seal() -> None:
    """Seal the records written before the current key (after an upgrade or a key rotation),
    without waiting for the next staff action to do it."""
    try:
        sealed = audit.seal()
    except audit.UnknownKey as error:
        raise click.ClickException(
            f"the newest records are under audit key {error.key_id}, which is not configured: "
            "check PORTAL_AUDIT_KEY, or list the earlier key in PORTAL_AUDIT_OLD_KEYS, then seal"
        ) from error
    db.session.commit()
    if sealed is None:
        click.echo("Nothing to seal: the newest record is under the current key.")
    else:
        click.echo(f"Sealed: record {sealed.id} closes the records before it.")
        if json.loads(sealed.details)["previous_key_id"] is None:
            click.echo(
                "The records before it are unkeyed. That is expected once, after upgrading to "
                "the keyed chain; if this log was keyed before, its keyed records were removed: "
                "check it against a saved head (portal audit verify --against FILE)."
            )


@click.group("comments")
def comments_group() -> None:
    """Staff reports on comments (no contact details are ever printed)."""


@comments_group.command("languages")
@click.option("--measure", "measure_code", help="Only this measure, e.g. 1-(1).")
@click.option("--differing", is_flag=True, help="Only comments whose text is in another language.")
@with_appcontext
def comments_languages(measure_code: str | None, differing: bool) -> None:
    """Declared and detected language of each comment; ⚠ marks a confident mismatch."""
    reviews = figures.language_reviews(measure_code, only_differing=differing)
    for review in reviews:
        detected = f"{review.detected} ({review.confidence:.2f})" if review.detected else "?"
        flag = "⚠" if review.differs else " "
        click.echo(
            f"{flag} {review.receipt_number}  {review.measure_code:6} {review.status:13}"
            f" declared {review.declared:9} detected {detected:11} {review.excerpt}"
        )
    click.echo(f"{len(reviews)} comments")


@comments_group.command("figures")
@click.option("--measure", "measure_code", help="Only this measure, e.g. 1-(1).")
@with_appcontext
def comments_figures(measure_code: str | None) -> None:
    """Number of comments per measure and language (withdrawn comments not counted)."""
    for code, counts in sorted(figures.comments_by_language(measure_code).items()):
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        languages = ", ".join(f"{language} {count}" for language, count in ranked)
        click.echo(f"{code:6} {sum(counts.values()):5} comments: {languages}")
