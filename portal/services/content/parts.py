"""The parts of the outline a comment may concern (該当箇所), in the outline's order: the one
catalogue the moderator's dropdown, the resident's proposal and the results document use.

A part is named by a key that survives edits of the outline's wording:
- ``measure:<code>``: a measure as a whole (``measure:1-(1)``);
- ``paragraph:<code>:<n>``: the n-th paragraph (1-based) of the measure's Japanese body;
- ``area:<number>``: the introduction of a priority area;
- ``chapter:<code>``: one of the general chapters (a measure whose ``kind`` is "chapter").

Labels are given for every locale at once, because the published results store them (a
published version never changes when the outline does). Their wording is a small table here,
not a gettext message: it is assembled from the outline's own titles, like the outline's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.i18n import LOCALES
from portal.models.measures import SOURCE_LOCALE, Measure, PriorityArea

# "{part}" is the measure's code and title; "{n}" the paragraph's number.
PARAGRAPH_LABEL = {
    "ja": "{part} 第{n}段落",
    "ja-x-easy": "{part} {n}ばんめの だんらく",
    "en": "{part}, paragraph {n}",
    "pt-BR": "{part}, parágrafo {n}",
    "es": "{part}, párrafo {n}",
    "vi": "{part}, đoạn {n}",
    "zh-Hans": "{part} 第{n}段",
    "tl": "{part}, talata {n}",
    "ne": "{part}, अनुच्छेद {n}",
}
# "{area}" is the area's number and title.
AREA_LABEL = {
    "ja": "{area} はじめに",
    "ja-x-easy": "{area} はじめの ぶんしょう",
    "en": "{area}: introduction",
    "pt-BR": "{area}: introdução",
    "es": "{area}: introducción",
    "vi": "{area}: phần mở đầu",
    "zh-Hans": "{area}：引言",
    "tl": "{area}: panimula",
    "ne": "{area}: परिचय",
}
KEY = re.compile(
    r"^(measure:[^:]{1,10}|paragraph:[^:]{1,10}:[1-9][0-9]{0,2}|area:[0-9]{1,3}|chapter:[^:]{1,10})$"
)


@dataclass(frozen=True)
class Part:
    """One part of the outline: its key and its label in each locale."""

    key: str
    labels: dict[str, str]

    def label(self, locale: str) -> str:
        """The label in `locale`, else in Japanese."""
        return self.labels.get(locale) or self.labels[SOURCE_LOCALE]


def _kind(measure: Measure) -> str:
    return getattr(measure, "kind", None) or "measure"


def _titled(measure: Measure, locale: str) -> str:
    title = measure.text(locale).title
    return title if _kind(measure) == "chapter" else f"{measure.code} {title}"


def parts_for(measure: Measure) -> list[Part]:
    """The parts of `measure` in order: the measure itself, each paragraph of its Japanese
    text, then the introduction of its area (a general chapter: the chapter, its paragraphs)."""
    tags = [locale.tag for locale in LOCALES]
    kind = "chapter" if _kind(measure) == "chapter" else "measure"
    whole = {tag: _titled(measure, tag) for tag in tags}
    parts = [Part(f"{kind}:{measure.code}", whole)]
    paragraphs = measure.text(SOURCE_LOCALE).paragraphs
    if len(paragraphs) > 1:
        for n in range(1, len(paragraphs) + 1):
            parts.append(
                Part(
                    f"paragraph:{measure.code}:{n}",
                    {tag: PARAGRAPH_LABEL[tag].format(part=whole[tag], n=n) for tag in tags},
                )
            )
    area = measure.area if kind == "measure" else None
    if area is not None and area.text(SOURCE_LOCALE).intro:
        parts.append(area_part(area))
    return parts


def area_part(area: PriorityArea) -> Part:
    """The introduction of a priority area as a part."""
    return Part(
        f"area:{area.number}",
        {
            locale.tag: AREA_LABEL[locale.tag].format(
                area=f"{area.number} {area.text(locale.tag).title}"
            )
            for locale in LOCALES
        },
    )


def default_part(measure: Measure) -> str:
    """The part an item concerns until someone says otherwise: the measure as a whole."""
    return parts_for(measure)[0].key


def is_key(key: str) -> bool:
    """True when `key` has the shape of a part's key."""
    return bool(KEY.match(key or ""))


def find(key: str) -> Part | None:
    """The part named by `key` in the outline as it is now, or None."""
    if not is_key(key):
        return None
    kind, _, rest = key.partition(":")
    if kind == "area":
        area = db.session.scalar(select(PriorityArea).where(PriorityArea.number == int(rest)))
        return area_part(area) if area is not None else None
    code = rest.split(":")[0]
    measure = db.session.scalar(select(Measure).where(Measure.code == code))
    if measure is None:
        return None
    return next((part for part in parts_for(measure) if part.key == key), None)


def label(key: str, locale: str) -> str:
    """The label of the part named `key` in `locale` (Japanese when not translated); the key
    itself when the outline has no such part any more."""
    part = find(key)
    return part.label(locale) if part is not None else key


def order_of(measure: Measure) -> dict[str, int]:
    """Each part key of `measure` with its place in the outline's order (others come last)."""
    return {part.key: index for index, part in enumerate(parts_for(measure))}
