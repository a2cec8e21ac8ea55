"""The translation workflow: extract messages and update every catalog, or check them."""

from __future__ import annotations

import click

from portal.services.content import catalogs


@click.group("translate")
def translate() -> None:
    """Translation workflow: extract messages and update every catalog."""


@translate.command("update")
def translate_update() -> None:
    """Extract messages from the code and templates, then merge them into all nine catalogs."""
    for line in catalogs.update_catalogs():
        click.echo(line)


@translate.command("check")
def translate_check() -> None:
    """Report untranslated or fuzzy messages per catalog; fail if any catalog is incomplete."""
    complete = True
    staff = [("staff " + s.catalog, s) for s in catalogs.catalog_stats("staff")]
    for label, stats in [(s.catalog, s) for s in catalogs.catalog_stats()] + staff:
        click.echo(
            f"{label:10} {stats.translated:4}/{stats.total} translated"
            f" ({stats.percent:.0f}%), {stats.fuzzy} fuzzy"
        )
        complete &= stats.complete
    if not complete:
        raise click.ClickException("some catalogs are incomplete")
