"""The gettext workflow: extract messages into messages.pot and merge them into each catalog."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from portal.i18n import LOCALES, STAFF_CATALOGS, TRANSLATIONS_DIR, po_path

PROJECT_DIR = TRANSLATIONS_DIR.parent
TEMPLATE = TRANSLATIONS_DIR / "messages.pot"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
BABEL_CFG = PROJECT_DIR / "babel.cfg"


def extract_template() -> Catalog:
    """Every translatable message of the portal (as babel.cfg maps it), as a catalog template."""
    with BABEL_CFG.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    template = Catalog(project="isesaki-public-comment", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PROJECT_DIR),
        method_map=method_map,
        options_map=options_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


SOURCE_CATALOG = "en"  # the msgids are English: the English catalog mirrors them
STAFF_TEMPLATE = TRANSLATIONS_DIR / "staff.pot"
# Messages used only under these paths are the staff screens' (Japanese and English only).
STAFF_SOURCES = (
    "portal/auth/",
    "portal/admin/",
    "portal/moderation/",
    "portal/committee/",
    "portal/templates/staff/",
    "portal/staff_access.py",
    "portal/services/staff_words.py",
    "portal/services/audit_words.py",
)


def is_staff_only(message) -> bool:
    """True when every place that uses `message` is part of the staff screens."""
    return bool(message.locations) and all(
        path.replace("\\", "/").startswith(STAFF_SOURCES) for path, _line in message.locations
    )


def split_template(template: Catalog) -> tuple[Catalog, Catalog]:
    """The residents' messages (nine catalogs) and the staff-only messages (ja and en)."""
    resident = Catalog(project=template.project, charset="utf-8")
    staff = Catalog(project=template.project, charset="utf-8")
    for message in template:
        if not message.id:
            continue
        target = staff if is_staff_only(message) else resident
        target[message.id] = copy.deepcopy(message)
    return resident, staff


def _mirror_source(catalog: Catalog) -> None:
    catalog.last_translator = "Isesaki portal team"
    catalog.revision_date = datetime.now(UTC)
    for message in catalog:
        if message.id and (message.fuzzy or not message.string or not all(message.string)):
            message.string = message.id
            message.flags.discard("fuzzy")


def update_catalogs() -> Iterator[str]:
    """Write messages.pot and staff.pot and merge them into every catalog, creating missing ones."""
    template, staff_template = split_template(extract_template())
    yield from _update(template, TEMPLATE, "messages", LOCALES)
    staff_locales = [locale for locale in LOCALES if locale.catalog in STAFF_CATALOGS]
    yield from _update(staff_template, STAFF_TEMPLATE, "staff", staff_locales)


def _update(template: Catalog, template_path, domain: str, locales) -> Iterator[str]:
    with template_path.open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False)
    yield f"{template_path.relative_to(PROJECT_DIR)}: {len(template)} messages"
    for locale in locales:
        path = po_path(locale.catalog, domain)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale.babel_code)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale.babel_code, project="isesaki-public-comment")
        # update() adopts the template's message objects: give each catalog its own copies.
        catalog.update(copy.deepcopy(template), update_header_comment=False)
        if locale.catalog == SOURCE_CATALOG:
            _mirror_source(catalog)
        catalog.fuzzy = False
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, ignore_obsolete=True)
        yield f"{path.relative_to(PROJECT_DIR)} updated"


@dataclass
class CatalogStats:
    """How complete one catalog is."""

    catalog: str
    total: int
    translated: int
    fuzzy: int

    @property
    def percent(self) -> float:
        """Share of messages translated, in percent."""
        return 100.0 * self.translated / self.total if self.total else 100.0

    @property
    def complete(self) -> bool:
        """Every message translated and none fuzzy."""
        return self.translated == self.total and not self.fuzzy


def _is_translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def catalog_stats(domain: str = "messages") -> list[CatalogStats]:
    """Translation counts for each of the nine catalogs (or the two staff catalogs)."""
    stats = []
    for locale in LOCALES:
        if domain == "staff" and locale.catalog not in STAFF_CATALOGS:
            continue
        with po_path(locale.catalog, domain).open("rb") as handle:
            catalog = read_po(handle, locale=locale.babel_code)
        messages = [m for m in catalog if m.id]
        stats.append(
            CatalogStats(
                catalog=locale.catalog,
                total=len(messages),
                translated=sum(1 for m in messages if _is_translated(m) and not m.fuzzy),
                fuzzy=sum(1 for m in messages if m.fuzzy),
            )
        )
    return stats
