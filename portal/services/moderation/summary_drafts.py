"""Drafts of 意見の要旨: the sentences of a comment that best stand for the whole of it.

Extractive and offline: the Japanese text (the comment itself, or its translation) is cut into
sentences, each sentence into content words by SudachiPy (`japanese.analyse`, the one pass
the portal's other readers share), and the sentences are ranked by PageRank (networkx) over a graph whose
edges weigh how many content words two sentences share (TextRank). The best sentences, in the
order the resident wrote them, make the draft, up to `MAX_CHARS`. Greetings and sign-offs share
no words with the rest and sink.

A draft is only ever returned: it is not stored and not published. A moderator fills it into
the 要旨 field, edits it, and saves it like anything typed there. The text read is the one the
public would see: hidden spans are replaced by [非公開] first, so no hidden word reaches a draft.
"""

from __future__ import annotations

import math
import re

import networkx as nx

from portal.models import Comment
from portal.services import japanese
from portal.services.disclosure import PLACEHOLDER_JA
from portal.services.disclosure.rules import redact, spans_of, stored_translation

MAX_CHARS = 60  # a results table's 要旨 runs one or two sentences, 30-60 characters
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_CONTENT = ("名詞", "動詞", "形容詞")
_STOP = frozenset(
    "する ある いる なる こと もの ため よう これ それ お願い 思う 下さる くださる".split()
)


def sentences(text: str) -> list[str]:
    """The text's sentences, trimmed, in order (a line break ends one too)."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" 　。")]


def _words(sentence: str) -> set[str]:
    words = set()
    for line in japanese.analyse(sentence.replace(PLACEHOLDER_JA, "、")):
        for morpheme in line:
            if morpheme.pos[0] in _CONTENT and morpheme.pos[1] not in ("数詞", "非自立可能"):
                if morpheme.surface not in _STOP and len(morpheme.surface) > 1:
                    words.add(morpheme.surface)
    return words


def rank(parts: list[str]) -> list[float]:
    """A TextRank score per sentence: PageRank over shared content words."""
    bags = [_words(s) for s in parts]
    graph = nx.Graph()
    graph.add_nodes_from(range(len(parts)))
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            shared = len(bags[i] & bags[j])
            if shared and len(bags[i]) > 1 and len(bags[j]) > 1:
                weight = shared / (math.log(len(bags[i])) + math.log(len(bags[j])))
                graph.add_edge(i, j, weight=weight)
    scores = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else {}
    # a sentence with no shared words keeps a small score by its own content
    return [scores.get(i, 0.0) + 0.001 * len(bags[i]) for i in range(len(parts))]


def draft(text: str, max_chars: int = MAX_CHARS) -> str:
    """The best sentences of a Japanese text, in their order, within `max_chars`."""
    parts = sentences(text or "")
    if len(parts) <= 1:
        return parts[0][:max_chars] if parts else ""
    scores = rank(parts)
    chosen: list[int] = []
    used = 0
    for index in sorted(range(len(parts)), key=lambda i: -scores[i]):
        if used + len(parts[index]) <= max_chars or not chosen:
            chosen.append(index)
            used += len(parts[index])
    # the best sentence is kept whole even when longer: a cut sentence reads as an error
    return "".join(parts[i] for i in sorted(chosen))


def source_text(comment: Comment) -> str | None:
    """What a draft reads: the Japanese comment, or its Japanese translation, with hidden spans
    replaced; None when a comment in another language has no translation yet."""
    if comment.declared_language in ("ja", "ja-x-easy"):
        return redact(comment.body, spans_of(comment.id, "body"))
    translated = stored_translation(comment.id)
    if translated is None:
        return None
    from portal.services.disclosure.rules import translation_spans

    spans = translation_spans(
        translated, spans_of(comment.id, "translation"), comment.body, spans_of(comment.id, "body")
    )
    return redact(translated, spans)


def draft_for(comment: Comment) -> str | None:
    """A draft 要旨 for one comment (never saved here), or None without Japanese text."""
    text = source_text(comment)
    return draft(text) if text else None
