"""What a group member changed from the representative text, for the group page.

Japanese and Chinese are compared character by character (they have no spaces between words);
other languages word by word. The result is a list of pieces, each equal, inserted (only in the
member) or deleted (only in the representative); `collapsed` keeps a few characters of context
around each change and folds the rest, so a page of 100 near-copies shows only what differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

EQUAL, INSERTED, DELETED, FOLDED = "equal", "inserted", "deleted", "folded"
CONTEXT = 12  # characters of unchanged text kept on each side of a change
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_WORDS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    """A run of text and what happened to it."""

    kind: str  # equal | inserted | deleted | folded (unchanged text left out)
    text: str


@dataclass(frozen=True)
class MemberDiff:
    """A member's text against the representative's."""

    pieces: list[Piece]
    inserted: int  # characters only the member has
    deleted: int  # characters of the representative the member left out

    @property
    def identical(self) -> bool:
        """The member says exactly what the representative says."""
        return not self.inserted and not self.deleted


def _tokens(text: str, by_character: bool) -> list[str]:
    return list(text) if by_character else _WORDS.findall(text)


def diff(representative: str, member: str) -> MemberDiff:
    """The member's text as pieces against the representative's (full, not folded)."""
    by_character = bool(_CJK.search(representative) or _CJK.search(member))
    a, b = _tokens(representative, by_character), _tokens(member, by_character)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    pieces: list[Piece] = []
    inserted = deleted = 0
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece(EQUAL, "".join(b[b0:b1])))
            continue
        if a1 > a0:
            text = "".join(a[a0:a1])
            deleted += len(text.strip())
            pieces.append(Piece(DELETED, text))
        if b1 > b0:
            text = "".join(b[b0:b1])
            inserted += len(text.strip())
            pieces.append(Piece(INSERTED, text))
    return MemberDiff(pieces, inserted, deleted)


def collapsed(result: MemberDiff, context: int = CONTEXT) -> list[Piece]:
    """The pieces with long unchanged runs folded to `context` characters around changes."""
    pieces = result.pieces
    folded: list[Piece] = []
    for index, piece in enumerate(pieces):
        if piece.kind != EQUAL or len(piece.text) <= 2 * context + 1:
            folded.append(piece)
            continue
        first, last = index == 0, index == len(pieces) - 1
        head = "" if first else piece.text[:context]
        tail = "" if last else piece.text[-context:]
        if head:
            folded.append(Piece(EQUAL, head))
        folded.append(Piece(FOLDED, "…"))
        if tail:
            folded.append(Piece(EQUAL, tail))
    return folded
