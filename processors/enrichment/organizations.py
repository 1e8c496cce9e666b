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
from dataclasses import dataclass

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
            start, end = tok.start, toks[end_index].end
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
        if word[:1].isupper() and not (word.isupper() and len(word) > 1):
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


def numbered_end(text: str, end: int, lex: Lexicon) -> int:
    """Where a name ending at ``end`` really ends: "Juzgado Central de Instrucción número 6" is
    one court of several, so its number ("número 6", "nº 3", "número uno") is part of its name."""
    m = _NUMBERED.match(text, end)
    if m and (m.group(1).isdigit() or m.group(1).lower() in lex.number_words):
        return m.end()
    return end


def _is_compound(word: str, lex: Lexicon) -> bool:
    """ "Bundeskriminalamt", "Staatsanwaltschaft", "Zeeuwse" no: a capitalised compound that
    ends in an organisation word and is longer than it (German and Dutch write them as one)."""
    key = fold_key(word)
    return any(key.endswith(s) and len(key) >= len(s) + 4 for s in lex.organization_suffixes)


def _inside(tok: Token, spans: list[tuple[int, int]]) -> bool:
    return any(s < tok.end and tok.start < e for s, e in spans)
