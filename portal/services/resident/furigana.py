"""Furigana for the easy-Japanese interface: 受付番号(うけつけばんごう) becomes <ruby>.

Catalog strings cannot carry markup (they also end up in attributes and <option>s), so the easy
Japanese catalog writes readings in parentheses. On the finished page, in text between tags only,
this module turns them into ruby. Text inside <title>, <option>, <textarea>, <script>, <style> and
any element marked ``data-verbatim`` (residents' own words) is left exactly as it is.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")
_READING = re.compile(
    r"([\u4e00-\u9fff\u3005][\u4e00-\u9fff\u3005\u3041-\u309f]*)"  # kanji, maybe with okurigana
    r"[(（]([\u3041-\u309f\u30a0-\u30ff\u30fc]+)[)）]"  # (reading) in kana
)
_UNTOUCHED = {"title", "option", "textarea", "script", "style"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


def _ruby(match: re.Match) -> str:
    return f"<ruby>{match[1]}<rp>(</rp><rt>{match[2]}</rt><rp>)</rp></ruby>"


def add_furigana(html: str) -> str:
    """Turn 漢字(よみ) in the page's text into ruby, outside untouched and verbatim elements."""
    out: list[str] = []
    skipping: list[str] = []  # open elements whose text must stay as it is, innermost last
    depth_in_verbatim = 0
    for piece in _TAG.split(html):
        if piece.startswith("<"):
            out.append(piece)
            match = _TAG_NAME.match(piece)
            if not match:
                continue
            closing, name = match[1] == "/", match[2].lower()
            if skipping:
                if name == skipping[-1] and name not in _VOID:
                    depth_in_verbatim += -1 if closing else 1
                    if depth_in_verbatim == 0:
                        skipping.pop()
                continue
            if not closing and (name in _UNTOUCHED or "data-verbatim" in piece):
                if name not in _VOID and not piece.endswith("/>"):
                    skipping.append(name)
                    depth_in_verbatim = 1
        elif skipping or "(" not in piece and "（" not in piece:
            out.append(piece)
        else:
            out.append(_READING.sub(_ruby, piece))
    return "".join(out)
