"""Persons found by rules, for every language: a name after a title ("ministre belge de la
Justice Vincent Van Quickenborne", "Innenminister Gerhard Karner", "Home Secretary Yvette
Cooper", "M. Darmanin") or next to a speech verb ("said Cooper", "zei Van Weel").

Titles, honorifics, name particles and speech verbs come from ``data/<lang>.json``. Single-word
names found this way are only kept when they are the short form of a full name (see
``entities.merge_persons``): on their own they are too often something else.
"""

from __future__ import annotations

from dataclasses import dataclass

from processors.enrichment.gazetteer import Match
from processors.enrichment.lexicon import Lexicon
from processors.enrichment.text import Token, fold_key, tokens

MAX_SKIP = 12
MAX_NAME_TOKENS = 5
_STOP_PUNCT = {";", ":", '"', "«", "»", "“", "”"}
_SKIP_PUNCT = {",", "(", ")"}


@dataclass(frozen=True, slots=True)
class PersonMention:
    start: int
    end: int
    name: str
    country: str | None = None  # "le ministre français X", "US Attorney General X"


def titled_persons(
    text: str, folded: str, lex: Lexicon, covered: list[Match]
) -> list[PersonMention]:
    """Names introduced by a title or honorific, or attached to a speech verb."""
    toks = tokens(text)
    starts = {t.start: i for i, t in enumerate(toks)}
    blocked = _covered_tokens(toks, covered)
    found: list[PersonMention] = []
    for match in lex.person_titles.find(folded):
        index = _token_at(toks, starts, match.end)
        if index is None:
            continue
        honorific = fold_key(match.pattern) in lex.honorifics
        name = _name_after(text, toks, index, lex, blocked, max_skip=0 if honorific else MAX_SKIP)
        if name:
            country = _title_country(text, covered, match.start, name.start)
            found.append(PersonMention(name.start, name.end, name.name, country))
    for match in lex.speech_verbs.find(folded):
        index = _token_at(toks, starts, match.end)
        if index is not None:
            name = _name_after(text, toks, index, lex, blocked, max_skip=0)
            if name:
                found.append(name)
        before = _name_before(text, toks, starts.get(match.start), lex, blocked)
        if before:
            found.append(before)
    return found


TITLE_COUNTRY_LOOKBACK = 30


def _title_country(
    text: str, covered: list[Match], title_start: int, name_start: int
) -> str | None:
    """The one country a demonym or country name gives the title that introduces a name:
    "die österreichische Justizministerin X", "le ministre belge de la Justice X", "US
    Attorney General X". None when there is no such word, or two."""
    lo = max(0, title_start - TITLE_COUNTRY_LOOKBACK)
    lo = max(lo, text.rfind("\n", 0, title_start) + 1, text.rfind(". ", 0, title_start) + 1)
    codes = {
        m.payload.code
        for m in covered
        if lo <= m.start
        and m.end <= name_start
        and getattr(m.payload, "kind", None) in ("demonym", "country")
    }
    return codes.pop() if len(codes) == 1 else None


def _covered_tokens(toks: list[Token], covered: list[Match]) -> set[int]:
    spans = sorted((m.start, m.end) for m in covered)
    blocked: set[int] = set()
    j = 0
    for i, tok in enumerate(toks):
        while j < len(spans) and spans[j][1] <= tok.start:
            j += 1
        if j < len(spans) and spans[j][0] < tok.end:
            blocked.add(i)
    return blocked


def _token_at(toks: list[Token], starts: dict[int, int], offset: int) -> int | None:
    """Index of the first token at or after ``offset`` (titles end just before a space)."""
    for probe in range(offset, offset + 4):
        if probe in starts:
            return starts[probe]
    return None


def _is_title(word: str, lex: Lexicon) -> bool:
    key = fold_key(word)
    return any(fold_key(m.pattern) == key for m in lex.person_titles.find(key))


def _is_name_token(tok: Token, lex: Lexicon) -> bool:
    word = tok.text
    if not word[:1].isupper() or fold_key(word) in lex.department_words:
        return False
    if _is_title(word, lex):
        return False
    if len(word) > 1 and word.isupper() and not word.endswith("."):
        return False  # acronyms are organisations, not names
    return any(ch.islower() for ch in word) or (len(word) == 2 and word.endswith("."))


def _skippable(tok: Token, lex: Lexicon, blocked: bool) -> bool:
    word = tok.text
    if word in _SKIP_PUNCT or blocked:
        return True
    key = fold_key(word)
    if key in lex.department_words or key in lex.demonym_keys:
        return True
    if (word.isupper() and len(word) > 1) or _is_title(word, lex):
        return True
    return word[:1].islower()


def _name_after(
    text: str, toks: list[Token], index: int, lex: Lexicon, blocked: set[int], *, max_skip: int
) -> PersonMention | None:
    skipped = 0
    while index < len(toks) and skipped <= max_skip:
        tok = toks[index]
        stops = tok.text in _STOP_PUNCT or _ends_sentence(text, tok)
        if stops and (not _is_name_token(tok, lex) or index in blocked):
            return None
        if index not in blocked and _is_name_token(tok, lex):
            return _collect(text, toks, index, lex, blocked)
        if not _skippable(tok, lex, index in blocked):
            return None
        index += 1
        skipped += 1
    return None


def _collect(
    text: str, toks: list[Token], index: int, lex: Lexicon, blocked: set[int]
) -> PersonMention | None:
    name: list[Token] = []
    while index < len(toks) and len(name) < MAX_NAME_TOKENS and index not in blocked:
        tok = toks[index]
        if tok.start > 0 and name and "\n" in text[name[-1].end : tok.start]:
            break
        if _is_name_token(tok, lex) or (tok.text.lower() in lex.name_particles and name):
            name.append(tok)
        else:
            break
        if tok.text.endswith(".") and not (len(tok.text) == 2 and tok.text[0].isupper()):
            break  # a full stop after a word ends the sentence
        index += 1
    while name and (name[-1].text.lower() in lex.name_particles):
        name.pop()
    if not name:
        return None
    start, end = name[0].start, name[-1].end
    surface = text[start:end].rstrip(".")
    if len(name) == 1 and len(surface) < 3:
        return None
    return PersonMention(start, start + len(surface), surface)


def _name_before(
    text: str, toks: list[Token], index: int | None, lex: Lexicon, blocked: set[int]
) -> PersonMention | None:
    if index is None or index == 0:
        return None
    i = index - 1
    name: list[Token] = []
    while i >= 0 and len(name) < MAX_NAME_TOKENS and i not in blocked:
        tok = toks[i]
        if _ends_sentence(text, tok):
            break  # "… Ouahbi. Volgens het parket": the name belongs to the previous sentence
        if _is_name_token(tok, lex) or (tok.text.lower() in lex.name_particles and name):
            name.insert(0, tok)
            i -= 1
            continue
        break
    while name and name[0].text.lower() in lex.name_particles:
        name.pop(0)
    if (
        not name
        or i < 0
        or _ends_sentence(text, toks[i])
        or "\n" in text[toks[i].end : name[0].start]
    ):
        return None  # a capitalised word at the start of a sentence is not evidence of a name
    if any(lex.person_titles.find(fold_key(t.text)) for t in name):
        return None
    start, end = name[0].start, name[-1].end
    return PersonMention(start, end, text[start:end])


def _ends_sentence(text: str, tok: Token) -> bool:
    return tok.text.endswith(".") and not (len(tok.text) == 2 and tok.text[0].isupper())


def given_name_persons(
    text: str, lex: Lexicon, covered: list[Match], given_names: frozenset[str]
) -> list[PersonMention]:
    """ "Jorge Arbiza", "Carlos Alberto Murillo Torres", "Giorgia Meloni": a known given name
    followed by at least one more capitalised name word. For languages without a statistical
    pipeline; a given name alone is not enough evidence of a person."""
    toks = tokens(text)
    blocked = _covered_tokens(toks, covered)
    found: list[PersonMention] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        key = fold_key(tok.text)
        if (
            i in blocked
            or key not in given_names
            or key in lex.not_first_names
            or not _is_name_token(tok, lex)
        ):
            i += 1
            continue
        name = _collect(text, toks, i, lex, blocked)
        if name is None or " " not in name.name:
            i += 1
            continue
        found.append(name)
        while i < len(toks) and toks[i].start < name.end:
            i += 1
    return found
