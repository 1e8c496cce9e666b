"""Text primitives shared by the rule-based extractors: accent folding that keeps offsets,
sentence spans and word tokens.

Folding maps each character to one character (``É`` -> ``E``, ``ï`` -> ``i``), so a match
found in the folded text has the same offsets in the original. News text drops accents on
capitals ("Etats-Unis") and keyboards drop them elsewhere; matching on folded text makes one
gazetteer entry cover both spellings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "‐": "-", "‑": "-"})


@cache
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    base = decomposed[0] if decomposed else ch
    return base if len(base) == 1 else ch


def fold(text: str) -> str:
    """Strip accents character by character; the result has exactly ``len(text)`` characters."""
    text = text.translate(_APOSTROPHES)
    if text.isascii():
        return text
    return "".join(_fold_char(ch) for ch in text)


def fold_key(text: str) -> str:
    """A comparison key for names: folded, lower case, single spaces, no dots."""
    return " ".join(fold(text).replace(".", " ").casefold().split())


def is_word_char(ch: str) -> bool:
    return ch.isalnum()


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


# A sentence ends at . ! ? (optionally followed by a closing quote) before white space, or at
# a paragraph break. Abbreviations and initials ("M.", "Mr.", "B.") do not end sentences.
_BOUNDARY = re.compile(r"[.!?…][\"»”')]*\s+|\n\s*\n|\n")
_NO_BREAK_BEFORE = re.compile(
    r"(?:\b[A-Z]|\bM|\bMme|\bMr|\bMrs|\bMs|\bDr|\bSt|\bdhr|\bmevr|\bProf|\bNr|\bvs|\bca|\bbzw"
    r"|\b(?:Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Okt|Nov|Dec|Dez|janv|févr|avr|juil|déc))\.$"
)
# "am Morgen des 1. April", "am 3. 9. 2019": a day's ordinal before a month or a number.
_ORDINAL_DAY = re.compile(r"(?<![\d.,-])\b\d{1,2}\.$")
_MONTH_OR_NUMBER = re.compile(
    r"(?:\d|(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober"
    r"|November|Dezember)\b)"
)


def sentences(text: str) -> list[Sentence]:
    """Sentence spans of ``text`` (offsets into it), paragraph breaks included as boundaries."""
    spans: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        head = text[start : match.start() + 1]
        if match.group(0)[0] == "." and _NO_BREAK_BEFORE.search(head):
            continue
        if (
            match.group(0)[0] == "."
            and _ORDINAL_DAY.search(head)
            and _MONTH_OR_NUMBER.match(text, match.end())
        ):
            continue
        end = match.start() + (0 if match.group(0)[0] == "\n" else 1)
        _append(spans, text, start, end)
        start = match.end()
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Sentence(start, end, text[start:end]))


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def is_capitalized(self) -> bool:
        return self.text[:1].isupper()


_TOKEN = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*\.?|[,;:()\"«»“”]", re.UNICODE)


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    end = len(text) if end is None else end
    return [Token(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text, start, end)]
