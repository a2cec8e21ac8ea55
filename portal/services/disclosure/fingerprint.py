"""A short fingerprint of a comment's text that its author (or anyone holding the receipt) can
compare with the published one.

Only a text with nothing withheld gets a public fingerprint. A withheld part is often short and
guessable (a phone number, a name from a small list): with the rest of the text published, a
fingerprint of the original would be reversed by trying every value of the hidden part
(tests/test_fingerprints.py shows it), so such a text's fingerprint is shown nowhere outside
the staff side, the author's own pages included once something was withheld.
"""

from __future__ import annotations

import hashlib

LENGTH = 16  # hex digits: 64 bits, enough that two different comments never share one


def fingerprint(text: str) -> str:
    """The first 64 bits of SHA-256 over the text's UTF-8 bytes, as four groups of four hex
    digits ("3f2a 9c01 7be4 d5a8")."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:LENGTH]
    return " ".join(digest[i : i + 4] for i in range(0, LENGTH, 4))
