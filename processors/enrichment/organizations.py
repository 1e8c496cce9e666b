"""Organisations found by rules where no statistical pipeline is installed: a capitalised head
noun of the language's ``organization_heads`` ("Procura", "Polícia", "Fiscalía", "Tribunal")
followed by capitalised words, joined by the language's small words ("Procura di Roma",
"Ministério da Justiça e Segurança Pública", "Tribunal Supremo", "Polizia di Stato").

Spans the gazetteers already know are left to them; a place inside the name ("di Roma") is part
of the organisation's name, not a reason to stop. German and Dutch write the head into one word
("Bundeskriminalamt", "Staatsanwaltschaft Hamburg", "Zeeuwse politie" no, "Rijkspolitie"): a
capitalised compound ending in one of the language's ``organization_suffixes`` is one too,
when a name follows it ("Landeskriminalamt Tirol"); alone ("der Zoll", "die Staatsanwaltschaft")
it is a common noun, and the gazetteers know the real names among them ("Bundeskriminalamt").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from processors.enrichment.gazetteer import Match
from processors.enrichment.lexicon import Lexicon
from processors.enrichment.text import Token, fold_key, tokens

MAX_TOKENS = 9
_STOP = {",", ";", ":", "(", ")", '"', "«", "»", "“", "”"}
_NUMBERED = re.compile(r"\s+(?:n[uú]mero|nº|n\.º|n°|nr\.?)\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class OrganizationMention:
    start: int
    end: int
    name: str


def headed_organizations(text: str, lex: Lexicon, known: list[Match]) -> list[OrganizationMention]:
    toks = tokens(text)
    known_spans = [(m.start, m.end) for m in known]
    found: list[OrganizationMention] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        compound = _is_compound(tok.text, lex)
        # A name the gazetteers know as one word may go on ("Landeskriminalamt Tirol").
        own = [(s, e) for s, e in known_spans if not (s == tok.start and e == tok.end)]
        if (
            not tok.text[:1].isupper()
            or (fold_key(tok.text) not in lex.organization_heads and not compound)
            or _inside(tok, own)
        ):
            i += 1
            continue
        end_index = _extend(text, toks, i, lex, own)
        if end_index > i:
            start = tok.start
            end = unit_end(text, start, toks[end_index].end, lex, known_spans)
            while end_index + 1 < len(toks) and toks[end_index + 1].start < end:
                end_index += 1
            found.append(OrganizationMention(start, end, text[start:end].rstrip(".")))
            i = end_index + 1
        else:
            i += 1
    return found


def _extend(
    text: str,
    toks: list[Token],
    head: int,
    lex: Lexicon,
    known_spans: list[tuple[int, int]],
) -> int:
    """Index of the organisation's last token (``head`` when nothing follows the head)."""
    if toks[head].text.endswith(".") and len(toks[head].text) > 2:
        return head  # "vor Gericht. Die Staatsanwaltschaft": the sentence ended
    last = head
    j = head + 1
    while j < len(toks) and j - head < MAX_TOKENS:
        tok = toks[j]
        if tok.text in _STOP or "\n" in text[toks[j - 1].end : tok.start]:
            break
        if _inside(tok, known_spans):
            break
        word = tok.text
        if fold_key(word) in lex.calendar_words:
            break  # "die Staatsanwaltschaft Hamburg am Montag"
        numbered = numbered_end(text, toks[j - 1].end, lex)
        if numbered > toks[j - 1].end:  # "Juzgado de lo Penal número 3 de Huelva"
            while j < len(toks) and toks[j].end <= numbered:
                j += 1
            last = j - 1
            continue
        if _elided_name(word, lex):
            last = j  # "Corte d'Appello di Roma", "Ministero dell'Interno"
        elif word[:1].isupper() and not (word.isupper() and len(word) > 1):
            if fold_key(word) in lex.not_entities and j == head + 1:
                break
            last = j
            if word.endswith(".") and len(word) > 2:
                break
        elif fold_key(word) not in lex.organization_connectors:
            break
        elif lex.capitalised_nouns and fold_key(word) in lex.coordinators:
            break  # "Polizeipräsidium Köln und Spezialkräfte": every German noun is capitalised
        elif lex.capitalised_nouns and last > head and fold_key(word) in lex.determiners:
            break  # "Bundesministerium der Justiz", but "Landgericht Rottweil der Prozess"
        j += 1
    return last


def _elided_name(word: str, lex: Lexicon) -> bool:
    """ "d'Appello", "dell'Interno": a connector elided onto a capitalised name word."""
    head, mark, rest = word.replace("’", "'").partition("'")
    return (
        bool(mark)
        and rest[:1].isupper()
        and (
            fold_key(head + "'") in lex.organization_connectors
            or fold_key(head) in lex.organization_connectors
        )
    )


def numbered_end(text: str, end: int, lex: Lexicon) -> int:
    """Where a name ending at ``end`` really ends: "Juzgado Central de Instrucción número 6" is
    one court of several, so its number ("número 6", "nº 3", "número uno") is part of its name."""
    m = _NUMBERED.match(text, end)
    if m and (m.group(1).isdigit() or m.group(1).lower() in lex.number_words):
        return m.end()
    return end


def unit_end(
    text: str, start: int, end: int, lex: Lexicon, known: Sequence[tuple[int, int]] = ()
) -> int:
    """Where a national body's name really ends when a place or a parent body follows it: a
    unit of many is named by where it sits ("Squadra Mobile di Como", "DIGOS della Questura di
    Bologna", "Parket van Antwerpen") or whose it is ("ROS dei Carabinieri", "Nucleo
    operativo dei Carabinieri"). Each step is one of the language's ``unit_links``, then
    capitalised words; a month or a line break ends the name. Only the language's
    ``unit_heads`` are units: a national force keeps its name ("Polizia di Stato di Bolzano" is
    the Polizia di Stato, in Bolzano), and another known body after the link is a body of its
    own, unless the language names its units with it (``unit_parents``: "ROS dei
    Carabinieri")."""
    if not lex.unit_links or not any(
        fold_key(text[start:end]).startswith(head) for head in lex.unit_heads
    ):
        return end
    pattern = _unit_link_pattern(lex.unit_links)
    for _ in range(3):
        link = pattern.match(text, end)
        if link is None:
            break
        words = _CAPITALISED_RUN.match(text, link.end())
        if words is None:
            break
        kept = words.group(0).split()
        while kept and fold_key(kept[-1]) in lex.calendar_words:
            kept.pop()
        stop = link.end() + len(" ".join(kept))
        if not kept or any(
            s < stop and link.end() < e and fold_key(text[s:e]) not in lex.unit_parents
            for s, e in known
        ):
            break
        end = link.end() + len(" ".join(kept))
    return end


_CAPITALISED_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’-]*(?: [A-ZÀ-ÖØ-Þ][\w'’-]*){0,3}")


@cache
def _unit_link_pattern(links: tuple[str, ...]) -> re.Pattern[str]:
    """ "presso il" before "di": the longest link first; an elided one ("dell'") takes no space
    after it."""
    alternatives = []
    for link in sorted(set(links), key=len, reverse=True):
        body = re.escape(link).replace("'", "['’]").replace(r"\ ", r"\s+")
        alternatives.append(body if link.endswith("'") else body + r"\s+")
    return re.compile(r"[ \t]+(?:" + "|".join(alternatives) + r")(?=[A-ZÀ-ÖØ-Þ])")


def _is_compound(word: str, lex: Lexicon) -> bool:
    """ "Bundeskriminalamt", "Staatsanwaltschaft", "Zeeuwse" no: a capitalised compound that
    ends in an organisation word and is longer than it (German and Dutch write them as one)."""
    key = fold_key(word)
    return any(key.endswith(s) and len(key) >= len(s) + 4 for s in lex.organization_suffixes)


def _inside(tok: Token, spans: list[tuple[int, int]]) -> bool:
    return any(s < tok.end and tok.start < e for s, e in spans)
