"""A published results document after a moderator hid more of a comment: every text of the
comment in it hidden again, never less than before (`services.results.snapshots` stores it as
a new version under a dated correction)."""

from __future__ import annotations

import copy

from portal.models import Comment
from portal.services.disclosure import snapshot
from portal.services.disclosure.rules import (
    hidden_strings,
    spans_of,
    stored_translation,
    translation_spans,
)


def rehidden(document: dict, comment: Comment) -> tuple[dict, list[int]]:
    """A published `document` after more of `comment` was hidden: its texts of the comment
    hidden again with every span hidden now (never fewer than before), and every word hidden
    in the comment taken out of the texts a moderator or the city wrote for its rows (a
    summary, a response may quote it). Returns the new document and the numbers of the rows
    whose texts changed; the document given is left as it was."""
    new = copy.deepcopy(document)
    body_spans = spans_of(comment.id, "body")
    words = hidden_strings(comment.body, body_spans)
    translation = stored_translation(comment.id)
    translation_hidden: list[tuple[int, int]] = []
    if translation is not None:
        translation_hidden = translation_spans(
            translation, spans_of(comment.id, "translation"), comment.body, body_spans
        )
        words = sorted(
            {*words, *hidden_strings(translation, translation_hidden)},
            key=lambda word: (-len(word), word),
        )
    changed: set[int] = set()
    for row in new["rows"]:
        if comment.id not in row["members"]:
            continue
        before = (row["summary"], row["response_ja"], row["response_translation"])
        if row["summary_of"] == comment.id:
            row["summary"], row["summary_spans"] = snapshot.rehidden_text(
                row["summary"], row["summary_spans"], comment.body, body_spans, words
            )
        else:
            row["summary"] = snapshot.hide_words(row["summary"], words)
        row["response_ja"] = snapshot.hide_words(row["response_ja"], words)
        row["response_translation"] = snapshot.hide_words(row["response_translation"], words)
        for translated in row.get("translations", {}).values():
            translated["summary"] = snapshot.hide_words(translated["summary"], words)
            translated["response"] = snapshot.hide_words(translated["response"], words)
        if (row["summary"], row["response_ja"], row["response_translation"]) != before:
            changed.add(row["number"])
    for entry in new["annex"]:
        if entry["comment"] != comment.id:
            continue
        before = (entry["text"], entry["translation_ja"])
        entry["text"], entry["text_spans"] = snapshot.rehidden_text(
            entry["text"], entry["text_spans"], comment.body, body_spans, words
        )
        if entry["translation_ja"] is not None:
            entry["translation_ja"], entry["translation_spans"] = snapshot.rehidden_text(
                entry["translation_ja"],
                entry["translation_spans"],
                translation,
                translation_hidden,
                words,
            )
        if (entry["text"], entry["translation_ja"]) != before:
            changed.add(entry["row_number"])
        if entry["text"] != before[0]:
            entry["withheld"], entry["fingerprint"] = True, None
    new["figures"]["partly_withheld"] = len(
        {entry["comment"] for entry in new["annex"] if entry.get("withheld")}
    )
    return new, sorted(changed)
