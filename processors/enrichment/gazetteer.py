"""Multi-pattern matching with Aho-Corasick: every gazetteer entry in one pass over the text.

Patterns are matched on folded text (see ``text.fold``) at word boundaries. A pattern ending in
``*`` matches any word that starts with it (``coopér*`` finds "coopération", "coopérer").
Inflection suffixes (``belge`` + ``s``) are accepted after a pattern when the entry allows them.
Case: ``case_sensitive`` entries must match the first letter's case as written (proper nouns,
so "Chine" matches and "échine" or "chine" do not); others match case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

from processors.enrichment.text import fold, is_word_char

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    pattern: str
    payload: T
    prefix: bool
    suffixes: tuple[str, ...]
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    start: int
    end: int
    payload: T
    pattern: str


class Gazetteer(Generic[T]):
    """An automaton over folded lower-case patterns; build once, match many texts."""

    def __init__(self) -> None:
        self._automaton = ahocorasick.Automaton()
        self._entries: dict[str, list[Entry[T]]] = {}
        self._built = False

    def add(
        self,
        pattern: str,
        payload: T,
        *,
        suffixes: Iterable[str] = (),
        case_sensitive: bool = False,
    ) -> None:
        prefix = pattern.endswith("*")
        surface = fold(pattern.rstrip("*").strip())
        if not surface:
            return
        # Swiss and Liechtenstein German write "ss" for "ß": "Grossbritannien", "Strasse".
        for spelling in dict.fromkeys((surface, surface.replace("ß", "ss"))):
            entry = Entry(spelling, payload, prefix, tuple(suffixes), case_sensitive)
            self._entries.setdefault(spelling.lower(), []).append(entry)
        self._built = False

    def __len__(self) -> int:
        return len(self._entries)

    def build(self) -> Gazetteer[T]:
        self._automaton = ahocorasick.Automaton()
        for key, entries in self._entries.items():
            self._automaton.add_word(key, (key, entries))
        if self._entries:
            self._automaton.make_automaton()
        self._built = True
        return self

    def find(
        self, folded: str, lowered: str | None = None, *, overlapping: bool = False
    ) -> list[Match[T]]:
        """All matches in ``folded`` (a ``fold``-ed text); unless ``overlapping``, overlapping
        matches are removed (leftmost-longest wins)."""
        if not self._built:
            self.build()
        if not self._entries:
            return []
        lowered = folded.lower() if lowered is None else lowered
        found: list[Match[T]] = []
        for end_index, (key, entries) in self._automaton.iter(lowered):
            start = end_index - len(key) + 1
            if start > 0 and is_word_char(folded[start - 1]) and is_word_char(folded[start]):
                continue
            for entry in entries:
                end = _accepted_end(folded, lowered, start, end_index + 1, entry)
                if end is not None:
                    found.append(Match(start, end, entry.payload, entry.pattern))
        return found if overlapping else _leftmost_longest(found)


def _accepted_end(folded: str, lowered: str, start: int, end: int, entry: Entry) -> int | None:
    if entry.case_sensitive and folded[start : start + 1] != entry.pattern[:1]:
        return None
    if entry.case_sensitive and entry.pattern.isupper() and folded[start:end] != entry.pattern:
        return None  # acronyms ("US", "EU") only in capitals
    if end >= len(folded) or not is_word_char(folded[end]) or not is_word_char(folded[end - 1]):
        return end
    if entry.prefix:
        while end < len(folded) and is_word_char(folded[end]):
            end += 1
        return end
    for suffix in sorted(entry.suffixes, key=len, reverse=True):
        stop = end + len(suffix)
        if lowered.startswith(suffix, end) and (
            stop >= len(folded) or not is_word_char(folded[stop])
        ):
            return stop
    return None


def _leftmost_longest(matches: list[Match[T]]) -> list[Match[T]]:
    # On equal spans an exact entry beats one reached through an inflection suffix: "Polen"
    # is the country, not the demonym "Pole" + "n".
    matches.sort(key=lambda m: (m.start, -(m.end - m.start), m.end - m.start - len(m.pattern)))
    kept: list[Match[T]] = []
    last_end = -1
    for match in matches:
        if match.start >= last_end:
            kept.append(match)
            last_end = match.end
    return kept
