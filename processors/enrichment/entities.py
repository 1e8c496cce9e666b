"""Entities of one article: spaCy's where a pipeline is installed, gazetteers and rules
everywhere, repaired and folded into one record per real-world entity.

Repairs of known statistical mistakes:
- a span the gazetteers know wins over spaCy's label (DEA tagged MISC is an ORG; "Etats-Unis"
  tagged ORG is a LOC with code US);
- demonyms ("Américains", "Belge") tagged LOC are not places: they count toward ``countries``
  but are not entities;
- ministry words ("Justice" in "ministre de la Justice") are no places or organisations.

Persons: "M. Van Quickenborne", "Van Quickenborne" and "Vincent Van Quickenborne" are one
PERSON whose canonical name is the longest full name and whose count sums all mentions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Doc

from processors.enrichment.first_names import first_names
from processors.enrichment.gazetteer import Match
from processors.enrichment.lexicon import Lexicon, Organization, Place, cldr_country_names
from processors.enrichment.organizations import headed_organizations, numbered_end, unit_end
from processors.enrichment.persons import given_name_persons, titled_persons
from processors.enrichment.text import fold_key

# spaCy label sets differ per pipeline (WikiNER for fr/nl/de, OntoNotes for en).
LABELS: dict[str, str] = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "ORG": "ORG",
    "LOC": "LOC",
    "GPE": "LOC",
    "MISC": "MISC",
    "NORP": "MISC",
}
_SPACY_OVERLAP = 0.6
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")
_ACRONYM_LOOKBACK = 160
_WORD_SPAN = re.compile(r"[\w'’-]+")


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    type: str
    surface: str
    canonical: str
    country: str | None = None
    weak: bool = False  # a rule-found one-word person: kept only as a short form of a name
    rule: bool = False  # found by a title or speech-verb rule


def extract_entities(
    text: str,
    folded: str,
    lex: Lexicon,
    places: list[Match[Place]],
    organizations: list[Match[Organization]],
    doc: Doc | None,
) -> list[Mention]:
    """All entity mentions of the article, overlaps resolved, persons not yet merged."""
    strong: list[Mention] = []
    org_spans = [(m.start, m.end) for m in organizations]
    for m in organizations:
        org = m.payload
        end = numbered_end(text, m.end, lex)
        if org.country:  # an international body is one of a kind: "Europol de La Haye"
            end = unit_end(text, m.start, end, lex, org_spans)
        name = text[m.start : end]
        strong.append(
            Mention(m.start, end, "ORG", name, org.canonical if end == m.end else name, org.country)
        )
    by_code = _country_name_by_code(lex.language)
    demonyms: list[Match[Place]] = []
    for m in places:
        place = m.payload
        if place.kind == "demonym":
            demonyms.append(m)
            continue
        canonical = (
            by_code.get(place.code, place.canonical) if place.kind == "country" else place.canonical
        )
        strong.append(Mention(m.start, m.end, "LOC", text[m.start : m.end], canonical, place.code))
    strong.extend(_acronym_definitions(text, lex, strong))
    strong.extend(_patterned_organizations(text, lex))
    if doc is None:
        known = [m for m in strong if m.type == "ORG"]
        for org in headed_organizations(text, lex, known):
            strong.append(Mention(org.start, org.end, "ORG", org.name, org.name))
    accepted = _without_overlaps(strong)
    blockers = [(m.start, m.end) for m in accepted] + [(m.start, m.end) for m in demonyms]

    candidates: list[Mention] = []
    if doc is not None:
        candidates.extend(_spacy_mentions(doc, lex, blockers))
    covered = list(places) + list(organizations)
    if doc is None:
        for person in given_name_persons(text, lex, covered, first_names()):
            if _overlap_ratio(person.start, person.end, blockers) == 0:
                candidates.append(
                    Mention(person.start, person.end, "PERSON", person.name, person.name, rule=True)
                )
    person_countries: dict[str, str] = {}
    for person in titled_persons(text, folded, lex, covered):
        if _overlap_ratio(person.start, person.end, blockers) > 0:
            continue
        if person.country:
            person_countries[fold_key(_strip_titles(person.name, lex))] = person.country
        name = _strip_titles(person.name, lex)
        if name and not any(fold_key(w) in lex.organization_heads for w in name.split()):
            candidates.append(
                Mention(
                    person.start,
                    person.end,
                    "PERSON",
                    person.name,
                    name,
                    weak=" " not in name,
                    rule=True,
                )
            )
    resolved = _resolve_persons_and_rest(candidates)
    for m in resolved:
        if m.type == "PERSON" and m.country is None:
            m.country = person_countries.get(fold_key(m.canonical))
    mentions = accepted + resolved
    for m in mentions:
        if m.type == "ORG":
            _take_country_prefix(text, m, lex)
    return mentions


def _take_country_prefix(text: str, m: Mention, lex: Lexicon) -> None:
    """ "U.S. District Court", "U.S. Customs and Border Protection", "EU Agency for Criminal
    Justice Cooperation": the country's short name written before a body's name is part of
    it (the language's ``organization_prefixes``); the country itself stays a country."""
    for prefix in lex.organization_prefixes:
        start = m.start - len(prefix) - 1
        if start < 0 or text[start : m.start] != prefix + " ":
            continue
        if start > 0 and text[start - 1].isalnum():
            continue
        surface = text[start : m.end]
        if m.canonical == m.surface:
            m.canonical = surface
        m.start, m.surface = start, surface
        return


def _patterned_organizations(text: str, lex: Lexicon) -> list[Mention]:
    """Offices named by a phrase no gazetteer can list ("the Paris prosecutor's office", "the
    Public Prosecutor's Office in Marseille"): the language's ``organization_patterns``."""
    found: list[Mention] = []
    for pattern in lex.organization_patterns:
        for match in pattern.finditer(text):
            start, name = match.start(), match.group(0)
            first = name.split(maxsplit=1)
            if len(first) == 2 and fold_key(first[0]) in lex.determiners:
                start, name = start + len(first[0]) + 1, first[1]
            if not name[:1].isupper() and not name.split()[-1][:1].isupper():
                # "the prosecutor's office": an office, not its name; "la cour d'appel de
                # Bordeaux" is one, the way French writes it.
                continue
            found.append(Mention(start, start + len(name), "ORG", name, name))
    return found


def _acronym_definitions(text: str, lex: Lexicon, known: list[Mention]) -> list[Mention]:
    """ "Agence américaine de lutte contre la drogue (DEA)": the long form after an
    organisation head noun, and the acronym, are both organisations."""
    found: list[Mention] = []
    for match in _ACRONYM.finditer(text):
        window = text[max(0, match.start() - _ACRONYM_LOOKBACK) : match.start()]
        window = window.rsplit("\n", 1)[-1]
        offset0 = match.start() - len(window)
        for word in list(_WORD_SPAN.finditer(window))[-10:]:
            head = word.group(0).replace("’", "'").split("'")[-1]
            if head[:1].isupper() and fold_key(head) in lex.organization_heads:
                start = offset0 + word.end() - len(head)
                long_form = text[start : match.start()].strip()
                if len(long_form.split()) >= 2:
                    found.append(
                        Mention(start, start + len(long_form), "ORG", long_form, long_form)
                    )
                short = match.group(1)
                if not any(k.surface == short for k in known):
                    s = match.start(1)
                    found.append(Mention(s, s + len(short), "ORG", short, short))
                break
    return found


@cache
def _country_name_by_code(lang: str) -> dict[str, str]:
    names = cldr_country_names(lang) or cldr_country_names("en")
    return {code: name for name, code in names.items()}


def _spacy_mentions(doc: Doc, lex: Lexicon, blockers: list[tuple[int, int]]) -> list[Mention]:
    found: list[Mention] = []
    for ent in doc.ents:
        etype = LABELS.get(ent.label_)
        surface = " ".join(ent.text.split())
        if etype is None or len(surface) < 2 or "\n" in ent.text.strip():
            continue
        if not surface[0].isupper() and not surface[0].isdigit():
            continue  # "ministre belge de l'Intérieur": a role, not a name
        if _overlap_ratio(ent.start_char, ent.end_char, blockers) >= _SPACY_OVERLAP:
            continue  # the gazetteers know this span better (type, code, demonym)
        key = fold_key(surface)
        if etype != "PERSON" and key.split()[0] in lex.department_words:
            continue  # "Justice belge" in "les ministres de la Justice belge"
        if etype != "PERSON" and any(_is_title(w, lex) for w in key.split()[:3]):
            continue  # "Premier ministre britannique": a role, not a name
        if key in lex.not_entities or key in lex.department_words or key in lex.demonym_keys:
            continue
        words = surface.split()
        while words and fold_key(words[0]) in lex.determiners:
            words.pop(0)  # "the National Crime Agency"
        canonical = " ".join(words)
        if not canonical:
            continue
        if etype == "PERSON":
            canonical = _strip_titles(surface, lex)
            if not canonical or len(canonical.split()) > 5:
                continue
        shown = surface if etype == "PERSON" else canonical
        found.append(Mention(ent.start_char, ent.end_char, etype, shown, canonical))
    return found


def _is_title(word: str, lex: Lexicon) -> bool:
    key = fold_key(word)
    return any(fold_key(m.pattern) == key for m in lex.person_titles.find(key))


def _strip_titles(name: str, lex: Lexicon) -> str:
    words = name.strip(" ,.'\"").split()
    while words and (
        fold_key(words[0]) in lex.honorifics
        or (
            lex.person_titles.find(fold_key(words[0])) != []
            and fold_key(words[0])
            == fold_key(lex.person_titles.find(fold_key(words[0]))[0].pattern)
        )
        or fold_key(words[0]) in lex.demonym_keys
        or fold_key(words[0]) in lex.department_words
    ):
        words.pop(0)
    while words and words[-1].endswith("'s"):
        words[-1] = words[-1][:-2]
    return " ".join(words)


def _overlap_ratio(start: int, end: int, spans: list[tuple[int, int]]) -> float:
    length = max(end - start, 1)
    covered = sum(max(0, min(end, e) - max(start, s)) for s, e in spans)
    return min(covered / length, 1.0)


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _resolve_persons_and_rest(candidates: list[Mention]) -> list[Mention]:
    """Overlapping rule and spaCy mentions: the longer span wins (a fuller name); on equal
    spans a name after a title beats spaCy's label ("son homologue X" is a person)."""
    kept: list[Mention] = []
    ranked = sorted(
        candidates, key=lambda m: (-(m.end - m.start), m.start, not (m.rule and not m.weak))
    )
    for m in ranked:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


@dataclass(slots=True)
class Folded:
    type: str
    canonical: str
    text: str
    country: str | None
    count: int
    aliases: list[str]


def fold_entities(mentions: list[Mention]) -> list[Folded]:
    """One record per entity: persons merged by name, others by type and canonical form."""
    persons = [m for m in mentions if m.type == "PERSON"]
    merged = merge_persons(persons)
    groups: dict[tuple[str, str], list[Mention]] = {}
    for m in mentions:
        canonical = (
            merged.get(fold_key(m.canonical), m.canonical) if m.type == "PERSON" else m.canonical
        )
        if m.type == "PERSON" and fold_key(m.canonical) not in merged:
            continue  # a one-word name that is nobody's short form, or an ambiguous one
        groups.setdefault((m.type, fold_key(canonical)), []).append(
            Mention(m.start, m.end, m.type, m.surface, canonical, m.country, m.weak)
        )
    result: list[Folded] = []
    for (etype, _key), group in groups.items():
        surfaces = Counter(m.surface for m in group)
        canonicals = Counter(m.canonical for m in group)
        countries = Counter(m.country for m in group if m.country)
        canonical = max(canonicals, key=lambda c: (len(c), canonicals[c]))
        text = surfaces.most_common(1)[0][0]
        result.append(
            Folded(
                type=etype,
                canonical=canonical,
                text=text,
                country=countries.most_common(1)[0][0] if countries else None,
                count=len(group),
                aliases=_aliases(surfaces, (canonical, text)),
            )
        )
    return sorted(
        _without_person_organizations(result), key=lambda f: (f.type, fold_key(f.canonical))
    )


def _without_person_organizations(entities: list[Folded]) -> list[Folded]:
    """The statistical pipelines sometimes tag a person's name as an organisation ("Kylian
    Mbappe" in sport news, "Gurpreet Singh Sandhu"): two or three capitalised words opening
    with a given name are the person; a surname alone where that person is named ("Mbappe",
    "Lavrov") is a short form of the person."""
    given = first_names()
    for f in entities:
        words = f.canonical.split()
        if (
            f.type == "ORG"
            and 2 <= len(words) <= 3
            and all(w[:1].isupper() and w.isalpha() and not w.isupper() for w in words)
            and fold_key(words[0]) in given
        ):
            f.type = "PERSON"
    names: set[str] = set()
    for f in entities:
        if f.type == "PERSON":
            key = fold_key(f.canonical)
            names.add(key)
            names.add(key.split()[-1])
    kept = [f for f in entities if f.type != "ORG" or fold_key(f.canonical) not in names]
    persons: dict[str, Folded] = {}
    for f in kept:
        if f.type == "PERSON":
            persons.setdefault(fold_key(f.canonical), f)
    return [f for f in kept if f.type != "PERSON" or persons[fold_key(f.canonical)] is f]


def _aliases(surfaces: Counter[str], names: tuple[str, ...]) -> list[str]:
    """The article's other names for one entity ("BKA" beside "Bundeskriminalamt"), so a reader
    searching either name finds it; spellings that differ only in case or accents are one name."""
    seen = {fold_key(n) for n in names}
    found: list[str] = []
    for surface, _count in surfaces.most_common():
        key = fold_key(surface)
        if key not in seen:
            seen.add(key)
            found.append(surface)
    return found


def merge_persons(persons: list[Mention]) -> dict[str, str]:
    """Short forms ("Van Quickenborne", "Garland") join the one longer name they end with;
    one-word rule-found names that join nothing are dropped."""
    names: dict[str, Mention] = {}
    for m in persons:
        key = fold_key(m.canonical)
        if key not in names or (names[key].weak and not m.weak):
            names[key] = m
    keys = sorted(names, key=lambda k: -len(k.split()))
    index: dict[str, str] = {}
    kept: set[str] = set()
    for key in keys:
        words = key.split()
        longer = [
            k for k in kept if len(k.split()) > len(words) and k.split()[-len(words) :] == words
        ]
        if len(longer) == 1:
            index[key] = names[longer[0]].canonical
            continue
        if names[key].weak and not longer:
            continue
        if longer:
            continue  # ambiguous short form: belongs to two people
        kept.add(key)
        index[key] = names[key].canonical
    return index
