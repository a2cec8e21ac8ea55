"""The portal's locales: URL tags, catalogs, formatting locales and the choice of a visitor's language.

A locale has three names. The *tag* is public: it is in URLs and `lang`/`hreflang` attributes
(BCP 47, e.g. ``pt-BR``, ``ja-x-easy``). The *catalog* names the gettext directory under
``translations/``. The *babel* locale formats dates and numbers; easy Japanese is not a Babel
locale, so it formats as ``ja`` while reading its own catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import g, has_request_context, request
from flask_babel import Domain

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@dataclass(frozen=True)
class PortalLocale:
    """One language the portal is offered in."""

    tag: str
    catalog: str
    babel_code: str
    native_name: str
    script_class: str = "latin"

    @property
    def babel(self) -> Locale:
        """The Babel locale used to format dates and numbers."""
        return Locale.parse(self.babel_code)


LOCALES: tuple[PortalLocale, ...] = (
    PortalLocale("ja", "ja", "ja", "日本語", "cjk"),
    PortalLocale("ja-x-easy", "ja_x_easy", "ja", "やさしい にほんご", "cjk"),
    PortalLocale("en", "en", "en", "English"),
    PortalLocale("pt-BR", "pt_BR", "pt_BR", "Português (Brasil)"),
    PortalLocale("es", "es", "es", "Español"),
    PortalLocale("vi", "vi", "vi", "Tiếng Việt"),
    PortalLocale("zh-Hans", "zh_Hans", "zh_Hans", "简体中文", "cjk"),
    PortalLocale("tl", "tl", "fil", "Tagalog"),
    PortalLocale("ne", "ne", "ne", "नेपाली", "devanagari"),
)
BY_TAG = {locale.tag: locale for locale in LOCALES}
DEFAULT = BY_TAG["ja"]

# Accept-Language values (lower case) that name one of our locales under another code.
ALIASES = {
    "ja": "ja",
    "ja-jp": "ja",
    "en": "en",
    "pt": "pt-BR",
    "pt-br": "pt-BR",
    "pt-pt": "pt-BR",
    "es": "es",
    "vi": "vi",
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "tl": "tl",
    "fil": "tl",
    "ne": "ne",
    "ja-x-easy": "ja-x-easy",
}
# Traditional Chinese readers are not served by simplified characters: fall through to the next choice.
_NOT_ALIASED = {"zh-tw", "zh-hk", "zh-mo", "zh-hant"}


def match_accept_language(header_values: list[tuple[str, float]]) -> PortalLocale:
    """Best portal locale for an ``Accept-Language`` list of (tag, quality), Japanese if none fits."""
    for value, quality in sorted(header_values, key=lambda item: -item[1]):
        tag = value.strip().lower().replace("_", "-")
        if (
            quality <= 0
            or tag in _NOT_ALIASED
            or any(tag.startswith(t + "-") for t in _NOT_ALIASED)
        ):
            continue
        if tag in ALIASES:
            return BY_TAG[ALIASES[tag]]
        primary = tag.split("-")[0]
        if primary in ALIASES:
            return BY_TAG[ALIASES[primary]]
    return DEFAULT


def preferred_locale() -> PortalLocale:
    """The locale for a request whose URL names none: the visitor's last choice, else their browser's."""
    from flask import session

    remembered = session.get("locale")
    if remembered in BY_TAG:
        return BY_TAG[remembered]
    return match_accept_language(list(request.accept_languages))


def current_locale() -> PortalLocale:
    """The locale of the page being rendered (Japanese outside a request)."""
    if has_request_context() and "portal_locale" in g:
        return g.portal_locale
    return DEFAULT


def select_babel_locale() -> Locale:
    """Flask-Babel's locale selector: formats dates and numbers for the current page."""
    return current_locale().babel


class PortalDomain(Domain):
    """Loads the catalog of the current portal locale, with Japanese behind every other catalog."""

    def __init__(self) -> None:
        super().__init__(translation_directories=[str(TRANSLATIONS_DIR)])

    def get_translations(self) -> NullTranslations:
        """The gettext catalog for the current page's locale, falling back to Japanese.

        Staff screens (Japanese, English second) read the staff catalog first.
        """
        if has_request_context() and g.get("staff_area"):
            return staff_translations(current_locale().catalog)
        return catalog_translations(current_locale().catalog)


_catalog_cache: dict[str, NullTranslations] = {}


# Staff screens exist in these catalogs only; residents' pages in all nine.
STAFF_CATALOGS = ("ja", "en")


def po_path(catalog: str, domain: str = "messages") -> Path:
    """Where a catalog's .po file lives (`domain` "staff" for the staff screens' messages)."""
    return TRANSLATIONS_DIR / catalog / "LC_MESSAGES" / f"{domain}.po"


def _compile(po_file: Path, babel_code: str) -> NullTranslations:
    """Compile a .po file in memory (fuzzy entries left out): no .mo step to forget on deploy."""
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=babel_code)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def catalog_translations(catalog: str) -> NullTranslations:
    """Messages of one catalog; a message missing there is looked up in the Japanese catalog."""
    if catalog not in _catalog_cache:
        locale = next(locale for locale in LOCALES if locale.catalog == catalog)
        po_file = po_path(catalog)
        translations = (
            _compile(po_file, locale.babel_code) if po_file.exists() else NullTranslations()
        )
        if catalog != DEFAULT.catalog:
            translations.add_fallback(catalog_translations(DEFAULT.catalog))
        _catalog_cache[catalog] = translations
    return _catalog_cache[catalog]


def staff_translations(catalog: str) -> NullTranslations:
    """Messages of a staff screen: the staff catalog, then the residents' one (shared strings)."""
    key = "staff:" + catalog
    if key not in _catalog_cache:
        if catalog not in STAFF_CATALOGS:
            catalog = DEFAULT.catalog
        locale = next(locale for locale in LOCALES if locale.catalog == catalog)
        po_file = po_path(catalog, "staff")
        translations = (
            _compile(po_file, locale.babel_code) if po_file.exists() else NullTranslations()
        )
        translations.add_fallback(catalog_translations(catalog))
        _catalog_cache[key] = translations
    return _catalog_cache[key]
