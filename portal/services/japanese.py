"""Japanese text cut into words by SudachiPy: one pass per text, shared by every reader.

The personal-data suggestions (names), the committee's frequent terms and the drafts of 意見の要旨
all read the same morphemes: the core dictionary in split mode C (compounds whole, 行政改革).
The dictionary takes about half a second and 100 MB to load, so it is loaded once per process,
on first use; a tokenizer is kept per thread because a Sudachi tokenizer is not meant to be
shared between threads. A text already analysed is not analysed again while it is among the
last `CACHE_SIZE` texts of this thread (a job reads one comment several times: its count of
suggestions, the moderator's page, a group's members), keyed by the text itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

# Sudachi works on text up to about 49,000 bytes; comments are limited to 10,000 characters,
# but paper comments pasted in by staff could be longer, so analyse a line (or slice) at a time.
_SLICE = 4000
CACHE_SIZE = 128

_dictionary = None
_dictionary_lock = threading.Lock()
_local = threading.local()


class Morpheme(NamedTuple):
    """A word of the text: its surface, part of speech, and code-point offsets in the text."""

    surface: str
    pos: tuple[str, ...]
    begin: int
    end: int


def _tokenizer():
    """This thread's Sudachi tokenizer; the dictionary is loaded once per process."""
    global _dictionary
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        with _dictionary_lock:
            if _dictionary is None:
                from sudachipy import Dictionary

                _dictionary = Dictionary(dict="core")
        from sudachipy import SplitMode

        tokenizer = _local.tokenizer = _dictionary.tokenizer(mode=SplitMode.C)
        _local.cache = OrderedDict()
    return tokenizer


def warm_up() -> None:
    """Load the dictionary now, so the first resident after a restart does not wait for it."""
    _tokenizer()


def _tokenize(text: str) -> tuple[tuple[Morpheme, ...], ...]:
    tokenizer = _tokenizer()
    lines, offset = [], 0
    for line, body in zip(text.splitlines(keepends=True), text.splitlines(), strict=True):
        for start in range(0, len(body), _SLICE):
            lines.append(
                tuple(
                    Morpheme(m.surface(), m.part_of_speech(), offset + start + m.begin(),
                             offset + start + m.end())
                    for m in tokenizer.tokenize(body[start : start + _SLICE])
                )
            )  # fmt: skip
        offset += len(line)
    return tuple(lines)


def analyse(text: str) -> tuple[tuple[Morpheme, ...], ...]:
    """The text's morphemes, a tuple per line (or slice of a long line), offsets in `text`."""
    _tokenizer()
    cache: OrderedDict = _local.cache
    found = cache.get(text)
    if found is None:
        found = cache[text] = _tokenize(text)
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(text)
    return found
