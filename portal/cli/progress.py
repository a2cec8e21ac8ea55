"""A progress bar for long commands on a terminal, and silence everywhere else.

`portal export`, `portal moderation regroup`, `portal backup`, `portal restore` and
`portal purge-contacts` take minutes on a large measure. On a terminal they draw click's
progress bar (on stderr, so a command whose output is piped keeps its stdout clean); in a
script (stdout or stderr not a terminal, or `--quiet`) they draw nothing at all.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

quiet_option = click.option(
    "--quiet", "-q", is_flag=True, help="No progress bar (none is drawn off a terminal either)."
)


class _Silent:
    """The bar's interface, drawing nothing."""

    def update(self, steps: int = 1, current_item=None) -> None:
        """Nothing to draw."""


def shows_progress(quiet: bool) -> bool:
    """True when a bar helps: not asked to be quiet, and both stdout and stderr a terminal."""
    return not quiet and sys.stdout.isatty() and sys.stderr.isatty()


@contextmanager
def progress(length: int, label: str, quiet: bool = False) -> Iterator:
    """A bar of `length` steps labelled `label` (call `.update(n)`), or a silent stand-in."""
    if not shows_progress(quiet) or length <= 0:
        yield _Silent()
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar


@contextmanager
def progress_for_total(label: str, quiet: bool = False) -> Iterator:
    """A callback `on_step(done, total)` for a service that learns its total as it goes, which
    draws a bar once the total is known; None off a terminal or with `quiet`."""
    if not shows_progress(quiet):
        yield None  # the service then does no bookkeeping at all
        return
    state: dict = {}

    def on_step(done: int, total: int) -> None:
        if total <= 0:
            return
        if "bar" not in state:
            state["cm"] = click.progressbar(
                length=total, label=label, file=sys.stderr, show_pos=True
            )
            state["bar"] = state["cm"].__enter__()
            state["done"] = 0
        state["bar"].update(max(0, done - state["done"]))
        state["done"] = max(done, state["done"])

    try:
        yield on_step
    finally:
        if "cm" in state:
            state["cm"].__exit__(None, None, None)
