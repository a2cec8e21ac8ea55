"""The most frequent terms of a scope's approved comments, for the committee's first reading.

Japanese is not written with spaces, so words come from a real morphological analyser:
SudachiPy with its core dictionary in split mode C (`portal.services.japanese`, the pass the
personal-data suggestions share), which keeps the dictionary's compounds
whole (行政改革), and runs of nouns joined (公共 + 施設 = 公共施設). Only nouns count, numbers and stop words left out; a campaign group counts once. A comment in another
language counts through its reviewed Japanese translation; without one it is left out (and the
page says how many were). Only text that `disclosure` lets out is read: redacted, approved.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from portal.services import japanese
from portal.services.disclosure import PLACEHOLDER_JA, committee_disclosures

JAPANESE = ("ja", "ja-x-easy")
# Nouns that say nothing about the content of a comment on an administrative plan.
STOP_WORDS = frozenset(
    """
    こと もの ため よう ところ とき 方 事 物 者 等 的 中 上 下 前 後 他 ほか 際 場合 点 皆 皆さん
    今 今回 今後 以上 以下 以外 自分 私 私たち 我々 あなた これ それ あれ どれ ここ そこ 何 なに
    お願い 意見 感じ 思い 考え 必要 一つ 一 二 三 年 月 日 時 分 さん 様 非公開 化 性 件 みたい
    """.split()
)

# Sudachi's core dictionary has no entry 公共施設, even in split mode C (公共 + 施設): runs of
# nouns are joined into one term, as term extractors do, but never beyond this many parts.
MAX_PARTS = 4
_cache: dict = {}
CACHE_SIZE = 64


def _is_content_noun(pos: tuple) -> bool:
    return pos[0] == "名詞" and pos[1] in ("普通名詞", "固有名詞")


def _keep(term: str) -> bool:
    if term in STOP_WORDS or term.isdigit():
        return False
    # A single kana or Latin letter is noise; a single kanji (駅, 橋) can be a real term.
    return len(term) > 1 or "\u4e00" <= term <= "\u9fff"


def nouns(text: str) -> list[str]:
    """The content nouns of a Japanese text, runs of nouns joined into one compound term."""
    text = text.replace(PLACEHOLDER_JA, "\n")
    terms: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            term = "".join(run)
            if _keep(term):
                terms.append(term)
            run.clear()

    # The same morphemes the personal-data suggestions read (one Sudachi pass per text).
    for line in japanese.analyse(text):
        for morpheme in line:
            if _is_content_noun(morpheme.pos):
                if len(run) == MAX_PARTS:
                    close_run()
                run.append(morpheme.surface)
            else:
                close_run()
        close_run()
    return terms


@dataclass(frozen=True)
class Themes:
    """The frequent terms of a scope, and how many comments they were read from."""

    terms: list[tuple[str, int]]  # term, number of comments that use it
    comments_read: int
    left_out: int  # approved comments in another language without a reviewed translation


def _fingerprint(scope) -> tuple:
    """Changes whenever the terms could: a comment approved or edited, a span hidden, a
    translation written or reviewed (each adds a row or moves a timestamp forward)."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Comment, CommentStatus, CommentTranslation, Redaction
    from portal.services.committee.summaries import in_scope

    approved = db.session.execute(
        select(func.count(Comment.id), func.max(Comment.updated_at)).where(
            Comment.status == CommentStatus.PUBLISHED, in_scope(scope)
        )
    ).one()
    translations = db.session.execute(
        select(
            func.count(CommentTranslation.id),
            func.max(CommentTranslation.translated_at),
            func.max(CommentTranslation.reviewed_at),
        )
    ).one()
    redactions = db.session.execute(select(func.count(Redaction.id), func.max(Redaction.id))).one()
    return (str(db.engine.url), scope.key, *approved, *translations, *redactions)


def _one_per_group(disclosures):
    """Each approved comment, a campaign group's copies once (its first member): a hundred
    copies of one letter are one voice in the terms, as in the results table."""
    seen: set[int] = set()
    for item in disclosures:
        group = item["group_id"]
        if group is not None:
            if group in seen:
                continue
            seen.add(group)
        yield item


def frequent_terms(scope, limit: int = 30) -> Themes:
    """The `limit` terms used by the most approved comments of `scope` (each comment once, a
    campaign group once).

    Analysing every comment of a large measure takes seconds, so the result is kept until the
    comments it was read from change.
    """
    key = (_fingerprint(scope), limit)
    if key in _cache:
        return _cache[key]
    counts: Counter = Counter()
    read = left_out = 0
    for item in _one_per_group(committee_disclosures(scope)):
        if item["language"] in JAPANESE:
            text = item["text"]
        else:
            text = item["translation_ja"]
        if not text:
            left_out += 1
            continue
        read += 1
        counts.update(set(nouns(text)))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    themes = Themes(terms=ranked, comments_read=read, left_out=left_out)
    if len(_cache) >= CACHE_SIZE:
        _cache.pop(next(iter(_cache)))
    _cache[key] = themes
    return themes


def comments_using(scope, term: str) -> list[dict]:
    """The approved comments of `scope` a term's count counts (read the same way)."""
    found = []
    for item in _one_per_group(committee_disclosures(scope)):
        text = item["text"] if item["language"] in JAPANESE else item["translation_ja"]
        if text and term in text and term in nouns(text):
            found.append(item.fields)
    return found
