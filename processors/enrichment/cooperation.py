"""Cooperation topics and cooperating country pairs, sentence by sentence.

A sentence is cooperation context when it has a cooperation cue ("coopération", "agreed",
"samenwerken", "vereinbarten"), refers to the partners as a pair ("les deux pays", "both
countries") or names two partners. Topics count only in such sentences, and only when the
article has at least one: sport or business news that merely mentions "police" or "accord"
gives no topics and a score of 0.

A pair is two countries acting as partners in one cooperation sentence, not two countries
mentioned together. A mention is a partner when it is
- coordinated with another country ("la Belgique et les Etats-Unis", "Britain and Spain",
  "Bruxelles et Washington", "entre X et Y") and not after a place preposition ("en Ukraine");
- a demonym next to an official role ("ministre belge", "Duitse minister", "police
  française", "Spanish Interior Minister");
- the subject opening the sentence, or the partner after "avec"/"with"/"met"/"mit";
- a demonym on a counterpart ("son homologue américain"), which pairs with the partner of the
  same or the previous sentence.
"Crimes de guerre commis par la Russie en Ukraine" names neither as a partner.

Refused, suspended or broken-off cooperation and expelled diplomats ("Morocco suspends its
judicial cooperation with France") are tensions, never pairs: such a sentence is no cooperation
context, its countries go to ``Cooperation.tensions``, and an article with tensions and no pair
has no topics either. A sentence that says cooperation resumed is cooperation again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import combinations, pairwise

from processors.enrichment.gazetteer import Gazetteer, Match
from processors.enrichment.lexicon import (
    NOT_A_TENSION,
    NOT_A_TOPIC,
    Lexicon,
    Organization,
    PartsCue,
    Place,
    TensionCue,
)
from processors.enrichment.taxonomy import TOPIC_IDS
from processors.enrichment.text import Sentence, fold, sentences
from schemas import Cooperation, CooperationPair, CooperationTopic, Tension, TensionKind

_WORD = re.compile(r"[^\W\d_]+'|[^\W_]+")
_ROLE_WINDOW_WORDS = 2
COOPERATIVE_TOPICS = frozenset({"extradition_legal_assistance", "information_sharing"})


@dataclass
class SentenceFacts:
    sentence: Sentence
    cue: bool = False
    anaphora: bool = False
    counterpart: bool = False
    topics: dict[str, int] = field(default_factory=dict)
    partners: set[str] = field(default_factory=set)
    counterpart_partners: set[str] = field(default_factory=set)
    officials: set[str] = field(default_factory=set)  # "ministre belge", "Duitse politie"
    visit: bool = False
    pairs: set[tuple[str, str]] = field(default_factory=set)
    international: bool = False  # names a country, demonym, agency or "both countries"
    listed: set[str] = field(default_factory=set)  # a list of 3+ countries ("A, B, C and D")
    agencies: set[str] = field(default_factory=set)  # countries of national agencies named
    tension: str | None = None  # refused, suspended, expelled diplomats
    resumed: bool = False
    tension_countries: set[str] = field(default_factory=set)
    destinations: set[str] = field(default_factory=set)  # "extradited to X" in this sentence
    taking_part: bool = False  # "took part", "beteiligt waren", "led the operation"
    stationed: set[str] = field(default_factory=set)  # "Ermittler in Großbritannien"

    @property
    def context(self) -> bool:
        return (
            self.cue or self.anaphora or self.visit or bool(self.pairs) or len(self.partners) >= 2
        )


def analyse(
    text: str,
    folded: str,
    lex: Lexicon,
    places: list[Match[Place]],
    organizations: list[Match[Organization]],
    body_offset: int = 0,
) -> Cooperation:
    """Topics, pairs and score of one article (``folded`` is ``fold(text)``; the article's own
    text starts at ``body_offset`` of ``text``, after its title)."""
    lowered = folded.lower()
    facts = [SentenceFacts(s) for s in sentences(text)]
    if not facts:
        return Cooperation()
    locate = _Locator(facts)
    by_sentence: dict[int, list[Match[Place]]] = {}
    for m in places:
        by_sentence.setdefault(locate.index(m.start), []).append(m)
    counterparts = lex.counterparts.find(folded, lowered)
    _mark_cues(lex, folded, lowered, locate, places, organizations, counterparts)
    _mark_topics(lex, folded, lowered, locate, organizations)
    _mark_partners(lex, lowered, facts, locate, by_sentence, organizations, counterparts, folded)
    _mark_tensions(lex, folded, lowered, facts, locate, by_sentence)
    _make_pairs(facts)
    _both_countries(facts, places)
    _visits(lowered, facts, by_sentence, lex)
    return _summarise(facts, body_offset)


def _both_countries(facts: list[SentenceFacts], places: list[Match[Place]]) -> None:
    """ "Europol brachte die Polizeibehörden beider Länder zusammen", "the two countries'
    police": in an article that names exactly two countries, those are the two."""
    named = {m.payload.code for m in places if m.payload.kind != "city"}
    if len(named) != 2:
        return
    for f in facts:
        if f.anaphora and f.cue and not f.tension:
            f.pairs.add(tuple(sorted(named)))


def _mark_cues(
    lex: Lexicon,
    folded: str,
    lowered: str,
    locate: _Locator,
    places: list[Match[Place]],
    organizations: list[Match[Organization]],
    counterparts: list[Match[str]],
) -> None:
    for m in lex.cooperation.find(folded, lowered):
        locate(m.start).cue = True
    parts: dict[tuple[int, PartsCue], list[Match[PartsCue]]] = {}
    for m in lex.cooperation_parts.find(folded, lowered, overlapping=True):
        parts.setdefault((locate.index(m.start), m.payload), []).append(m)
    for (index, cue), found in parts.items():
        if _complete(lowered, cue, found):
            locate.facts[index].cue = True
    for m in lex.both_countries.find(folded, lowered):
        locate(m.start).anaphora = locate(m.start).international = True
    for m in [*places, *organizations]:
        locate(m.start).international = True
    for m in organizations:
        if m.payload.law_enforcement and m.payload.country is None:
            locate(m.start).cue = True  # Europol, Eurojust, Interpol exist to make forces cooperate
    for m in counterparts:
        locate(m.start).counterpart = True
    for m in lex.visits.find(folded, lowered):
        locate(m.start).visit = True


def _mark_topics(
    lex: Lexicon,
    folded: str,
    lowered: str,
    locate: _Locator,
    organizations: list[Match[Organization]],
) -> None:
    for m in lex.topics.find(folded, lowered):
        if m.payload.topic == NOT_A_TOPIC:
            continue  # "droits de douane", "customs union": trade
        f = locate(m.start)
        f.topics[m.payload.topic] = f.topics.get(m.payload.topic, 0) + 1
    _conjunctive_topics(lex, folded, lowered, locate)
    for m in organizations:
        if m.payload.law_enforcement:
            f = locate(m.start)
            f.topics["law_enforcement"] = f.topics.get("law_enforcement", 0) + 1


def _mark_partners(
    lex: Lexicon,
    lowered: str,
    facts: list[SentenceFacts],
    locate: _Locator,
    by_sentence: dict[int, list[Match[Place]]],
    organizations: list[Match[Organization]],
    counterparts: list[Match[str]],
    folded: str,
) -> None:
    roles = lex.partner_roles.find(folded, lowered)
    taking_part = {locate.index(m.start) for m in lex.participations.find(folded, lowered)}
    for i, f in enumerate(facts):
        f.partners, f.counterpart_partners, f.officials = _partners(
            lowered, f.sentence, by_sentence.get(i, []), roles, counterparts, lex
        )
        f.listed = _country_list(
            lowered, f.sentence, by_sentence.get(i, []), lex, every=i in taking_part
        )
        f.partners |= _joined_demonyms(lowered, f.sentence, by_sentence.get(i, []), lex)
        if "extradition_legal_assistance" in f.topics:
            f.destinations = _destinations(lowered, f.sentence, by_sentence.get(i, []), lex)
            f.destinations |= _requesting(lowered, f.sentence, by_sentence.get(i, []), lex)
            f.destinations |= _asking(lowered, f.sentence, by_sentence.get(i, []), lex)
            f.partners |= f.destinations
            # "détenu en Belgique, a été extradé vers la France", "arrestado en España en
            # virtud de una orden de extradición emitida por Estados Unidos": the country that
            # holds the person and the one that asks for it are the parties, wherever the
            # sentence places them.
            routed = _on_a_route(lowered, f.sentence, by_sentence.get(i, []), lex)
            held = {
                m.payload.code
                for m in by_sentence.get(i, [])
                if m.payload.kind in ("country", "capital", "city") and m.start not in routed
            }
            if len(held | f.partners) == 1 and i + 1 < len(facts):
                # "a PF conduziu a extradição para o Brasil do traficante ... Preso no
                # Paraguai desde março": where he was held, told in the next sentence.
                nxt = facts[i + 1].sentence
                held |= {
                    m.payload.code
                    for m in by_sentence.get(i + 1, [])
                    if m.payload.kind == "country" and _arrests_around(lowered, nxt, [m], lex)
                }
            if 2 <= len(held | f.partners) <= 3:
                f.partners |= held
            elif not f.partners and len(held) == 1:
                # "Nach Auslieferung aus Rumänien", "extradited from Spain": the one country
                # a hand-over comes from sends to the article's own authorities (paired with
                # them in _make_pairs). A route or a nationality is no source ("um cidadão de
                # Bangladesh").
                unrouted = [m for m in by_sentence.get(i, []) if m.start not in routed]
                f.partners |= _sources(lowered, f.sentence, unrouted, lex)
    # "das österreichische Bundeskriminalamt", then "im Bundeskriminalamt": the same body.
    qualified: dict[str, str] = {}
    named = {m.payload.code for places in by_sentence.values() for m in places}
    for m in sorted(organizations, key=lambda m: m.start):
        if m.payload.country:  # a national agency acts for its country ("the Guardia Civil")
            own = _agency_country(lowered, m, by_sentence.get(locate.index(m.start), []), lex)
            if own:
                qualified[m.payload.canonical] = own
            country = own or qualified.get(m.payload.canonical) or _shared(m.payload, named)
            if m.payload.generic and country not in named:
                continue  # South Africa's "Department of Justice" in a story of its treaty
            locate(m.start).partners.add(country)
            locate(m.start).agencies.add(country)
    # "En la acción intervinieron autoridades de Canadá...", "Beteiligt waren auch die
    # Schweiz, die USA, Kolumbien...", "The arrests were made in Romania, Germany, Belgium...":
    # in an article about a police or justice operation, a list of three or more countries
    # that take part or where the police act names the operation's participants, even where
    # the sentence has no cooperation word. A list of mere places ("des contacts au Brésil, en
    # Équateur, en Colombie") or of destinations says no such thing.
    operation = any(f.cue and f.topics for f in facts)
    for i, f in enumerate(facts):
        # "raids took place in Germany, the Netherlands, France and Denmark": in a sentence
        # about police or justice work, every country of a list of three or more takes part.
        has_role = any(f.sentence.start <= r.start < f.sentence.end for r in roles)
        f.taking_part = i in taking_part
        if f.taking_part:
            f.stationed = _stationed(lowered, f.sentence, by_sentence.get(i, []), lex)
        acting = has_role or i in taking_part or "law_enforcement" in f.topics
        if f.listed and (f.cue or f.topics or acting):
            f.partners |= f.listed
            f.cue = f.cue or (operation and acting)
        else:
            f.listed = set()
    _counted_operations(lowered, facts, by_sentence, lex)
    for f in facts:
        # Extradition, legal assistance and information exchange are cooperation in themselves.
        f.cue = f.cue or any(t in COOPERATIVE_TOPICS for t in f.topics)
        # Police or justice of two countries acting in one sentence is a joint operation.
        f.cue = f.cue or ("law_enforcement" in f.topics and len(f.partners) >= 2)


_NAMING_SENTENCES = 2


def _counted_operations(
    lowered: str,
    facts: list[SentenceFacts],
    by_sentence: dict[int, list[Match[Place]]],
    lex: Lexicon,
) -> None:
    """ "Politiediensten uit acht landen werkten aan de operatie mee. Het ging om Noorwegen,
    Frankrijk en Nederland, en verder om ... Ook Zwitserland en de Verenigde Staten waren
    betrokken.": a sentence that counts the countries of a police or justice operation
    without naming them is followed by the ones that do, and those countries are the
    operation's, up to a sentence that lists them as taking part itself. Only a count opens
    the sentences after it: a join of any sentences about an operation took in victims' and
    suspects' countries."""
    for i, f in enumerate(facts):
        if not (f.taking_part or f.cue) or not _counts_countries(lowered, f.sentence, lex):
            continue
        named: set[str] = set()
        for j in range(i + 1, min(i + 1 + _NAMING_SENTENCES, len(facts))):
            nxt = facts[j]
            countries = nxt.partners | _country_list(
                lowered, nxt.sentence, by_sentence.get(j, []), lex, every=True
            )
            if not countries:
                break
            named |= countries
            if nxt.listed and nxt.taking_part:
                break  # "En la ofensiva participaron las autoridades de ...": named in full
        if len(named | f.partners) >= 3:
            f.partners |= named
            f.listed = set(f.partners)
            f.cue = True


def _counts_countries(lowered: str, sentence: Sentence, lex: Lexicon) -> bool:
    """ "police from six countries", "27 EU-Staaten": a number of countries."""
    words = _words(lowered[sentence.start : sentence.end])
    for k, word in enumerate(words):
        if not (word.isdigit() or word in lex.number_words):
            continue
        for start in (k + 1, k + 2):  # one word may come between: "acht Europese landen"
            if any(" ".join(words[start : start + len(c.split())]) == c for c in lex.country_words):
                return True
    return False


def _mark_tensions(
    lex: Lexicon,
    folded: str,
    lowered: str,
    facts: list[SentenceFacts],
    locate: _Locator,
    by_sentence: dict[int, list[Match[Place]]],
) -> None:
    """A sentence that refuses, suspends or breaks off cooperation makes no pair: its
    countries are recorded as a tension instead."""
    seen: dict[tuple[int, TensionCue], list[Match[TensionCue]]] = {}
    for m in lex.tensions.find(folded, lowered, overlapping=True):
        seen.setdefault((locate.index(m.start), m.payload), []).append(m)
    for m in lex.resumptions.find(folded, lowered):
        locate(m.start).resumed = True
    dismissed: set[int] = set()  # sentences where a court turns down the defendant, not a country
    for (index, cue), found in sorted(seen.items(), key=lambda kv: TENSION_ORDER[kv[0][1].kind]):
        f = facts[index]
        if cue.kind == NOT_A_TENSION:
            if _complete(lowered, cue, found):
                dismissed.add(index)
            continue
        if f.resumed or f.tension or index in dismissed or not _complete(lowered, cue, found):
            continue
        f.tension = cue.kind
        f.tension_countries = {
            m.payload.code for m in by_sentence.get(index, []) if m.payload.kind != "city"
        } | f.partners
        _no_cooperation(f)
    # "jailed for spying for MI6": one country's services working against another are no
    # partners, and there is no cooperation to record as refused either.
    for m in lex.espionage.find(folded, lowered):
        f = locate(m.start)
        _no_cooperation(f)
        f.topics.pop("information_sharing", None)


def _no_cooperation(f: SentenceFacts) -> None:
    f.partners, f.counterpart_partners, f.officials = set(), set(), set()
    f.cue = False


TENSION_ORDER = {NOT_A_TENSION: -1, "expelled_diplomats": 0, "refused": 1, "suspended": 2}
_NEAR_WORDS = 4


def _complete(lowered: str, cue: PartsCue | TensionCue, found: list[Match]) -> bool:
    """Are all of a multi-part cue's parts in the sentence (and, for "~", in order nearby)?"""
    if len({m.pattern for m in found}) < cue.parts:
        return False
    return not cue.near or _in_order_nearby(lowered, cue.cue, found)


def _in_order_nearby(lowered: str, cue: str, found: list[Match]) -> bool:
    """Does each part of a "~" cue follow the one before within ``_NEAR_WORDS`` words ("non
    sarà estradato", not "non sono state diffuse le generalità ... estradato")?"""
    parts = [fold(p.rstrip("*").strip()).lower() for p in cue.split("~")]
    ends = [m.end for m in found if m.pattern.lower() == parts[0]]
    for part in parts[1:]:
        ends = [
            m.end
            for m in found
            if m.pattern.lower() == part
            and any(e <= m.start and len(_words(lowered[e : m.start])) <= _NEAR_WORDS for e in ends)
        ]
    return bool(ends)


def _make_pairs(facts: list[SentenceFacts]) -> None:
    # The countries that lead the article's police or justice work ("la justice américaine",
    # the FBI) take part in a multilateral operation listed elsewhere in it. An official is
    # one wherever the article names him ("firmó junto a sus homólogos de Alemania,
    # Austria..." before "el ministro español subrayó"); an agency only where it is at work.
    leads = {c for f in facts for c in f.officials}
    leads |= {c for f in facts if f.cue or f.topics for c in f.agencies}
    for i, f in enumerate(facts):
        if f.cue and (f.listed or (f.taking_part and len(f.partners) >= 2)):
            # "La operación internacional contó con la participación de la DEA
            # estadounidense, de la Policía Judiciária de Portugal y de la Policía Federal de
            # Brasil": bodies said to take part join the article's own authorities too.
            f.partners |= leads
        if (
            f.cue
            and len(f.partners) == 1
            and (
                f.officials | f.agencies == f.partners or "extradition_legal_assistance" in f.topics
            )
            and len(leads - f.partners) == 1
        ):
            # "gracias a la cooperación con la policía rumana" in a Guardia Civil story; "De
            # Verenigde Staten hebben een Nederlander uitgeleverd" in a story of the OM's: a
            # hand-over has the article's own authorities at its other end.
            f.partners |= leads
        senders = f.partners - f.destinations
        if f.cue and len(f.destinations) >= 2 and senders:
            # "uno fue extraditado a Uruguay y el otro a Chile": two hand-overs, not three
            # countries working together.
            f.pairs |= {tuple(sorted((a, b))) for a in f.destinations for b in senders}
        elif f.cue and len(f.partners) >= 2:
            f.pairs |= {tuple(sorted(p)) for p in combinations(sorted(f.partners), 2)}
        for code in f.counterpart_partners:
            others = (f.partners - {code}) or (facts[i - 1].partners - {code} if i > 0 else set())
            f.pairs |= {tuple(sorted((code, other))) for other in others}
            # "wandten sich die ungarischen Kollegen an das Bayerische Landeskriminalamt":
            # one country's counterparts dealing with another's authorities is cooperation.
            f.cue = f.cue or bool(others)
        if f.cue and f.pairs and len(f.counterpart_partners) >= 2:
            f.pairs |= set(combinations(sorted(f.counterpart_partners), 2))
    # "The other EU countries involved were Austria, Belgium, ..." then "Britain led the
    # operation", "The Netherlands took part": a country said to take part in the article's
    # listed operation joins it.
    operation = {c for f in facts if f.listed and f.cue for c in f.partners}
    if len(operation) >= 3:
        for f in facts:
            if f.taking_part and not f.listed and not f.tension:
                # "Auch das FBI in den USA und Ermittler in Großbritannien wirkten mit": a
                # body named by the country it works in joins too.
                joining = (f.partners | f.stationed) - operation
                f.pairs |= {tuple(sorted((a, b))) for a in joining for b in operation}


def _visits(
    lowered: str,
    facts: list[SentenceFacts],
    by_sentence: dict[int, list[Match[Place]]],
    lex: Lexicon,
) -> None:
    """ "Le ministre belge s'est rendu aux Emirats": an official's visit to one country pairs
    the official's country (named in the sentence or the article's only official country)
    with the country visited."""
    article_officials = {code for f in facts for code in f.officials}
    for i, f in enumerate(facts):
        if not f.visit:
            continue
        # the article's one official country travels only in a sentence about cooperation;
        # "nach Syrien gereist" of a suspect is no official visit
        lone = article_officials if len(article_officials) == 1 and f.cue else set()
        home = f.officials or lone
        visited = {
            m.payload.code
            for m in by_sentence.get(i, [])
            if m.payload.kind != "demonym" and _at_place(lowered, f.sentence, m, lex)
        } - home
        if len(home) == 1 and len(visited) == 1:
            f.pairs.add(tuple(sorted((*home, *visited))))


def _at_place(lowered: str, sentence: Sentence, m: Match[Place], lex: Lexicon) -> bool:
    before = [w for w in _words(lowered[sentence.start : m.start]) if w not in lex.determiners]
    return bool(before) and (
        before[-1] in lex.location_prepositions
        or " ".join(before[-2:]) in lex.location_prepositions
    )


class _Locator:
    """Which sentence an offset falls in (sentences are sorted and disjoint)."""

    def __init__(self, facts: list[SentenceFacts]) -> None:
        self.facts = facts
        self.starts = [f.sentence.start for f in facts]

    def index(self, offset: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def __call__(self, offset: int) -> SentenceFacts:
        return self.facts[self.index(offset)]


def _conjunctive_topics(lex: Lexicon, folded: str, lowered: str, locate: _Locator) -> None:
    """Cues written ``a+b`` ("échang*+information*") hold when all parts share a sentence."""
    seen: dict[tuple[int, str], set[str]] = {}
    parts_needed: dict[str, tuple[str, int]] = {}
    for m in lex.topic_parts.find(folded, lowered, overlapping=True):
        cue = m.payload
        seen.setdefault((locate.index(m.start), cue.cue), set()).add(m.pattern)
        parts_needed[cue.cue] = (cue.topic, cue.parts)
    for (index, cue), parts in seen.items():
        topic, needed = parts_needed[cue]
        if len(parts) >= needed:
            f = locate.facts[index]
            f.topics[topic] = f.topics.get(topic, 0) + 1


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _partners(
    lowered: str,
    sentence: Sentence,
    mentions: list[Match[Place]],
    roles: list[Match[str]],
    counterparts: list[Match[str]],
    lex: Lexicon,
) -> tuple[set[str], set[str], set[str]]:
    partners: set[str] = set()
    counterpart_partners: set[str] = set()
    officials: set[str] = set()
    # Cities other than capitals are places, never parties: "les ports d'Anvers et de Rotterdam".
    mentions = sorted((m for m in mentions if m.payload.kind != "city"), key=lambda m: m.start)
    role_spans = [(r.start, r.end) for r in roles if sentence.start <= r.start < sentence.end]
    counterpart_spans = [
        (c.start, c.end) for c in counterparts if sentence.start <= c.start < sentence.end
    ]
    heads = _coordination_heads(lowered, mentions, lex)
    listed_after = _demonym_lists(lowered, mentions, lex)
    status: dict[int, bool] = {}
    side: dict[int, str] = {}  # each demonym's reading: "counterpart" or "official"
    for i, m in enumerate(mentions):
        code = m.payload.code
        if m.payload.kind == "demonym":
            if _gang_nationality(lowered, sentence, m, lex) or _a_national(
                lowered, sentence, m, lex
            ):
                continue
            # "les enquêteurs français avec leurs homologues américains": each demonym goes
            # with the nearer of the two words.
            counterpart = _distance(lowered, m, counterpart_spans, lex)
            role = _distance(lowered, m, [s for s in role_spans if s not in counterpart_spans], lex)
            if role is None and _beside_acronym(sentence, m):
                role = 0  # "la NAPTIP nigeriana", "Nigeria's NAPTIP": a body of that country
            if i in listed_after and listed_after[i] in side:
                # "sus homólogos checos, letones, ..., eslovacos y húngaros": a list of
                # demonyms reads as its first, however far the list runs.
                side[i] = side[listed_after[i]]
            elif counterpart is not None and (role is None or counterpart < role):
                side[i] = "counterpart"
            elif role is not None or counterpart is not None:
                side[i] = "official"
            if side.get(i) == "counterpart":
                counterpart_partners.add(code)
            elif side.get(i) == "official":
                partners.add(code)
                officials.add(code)
            continue
        head = heads.get(i, i)
        if head != i:
            status[i] = status.get(head, False)
            if status[i]:
                partners.add(code)
            continue
        status[i] = _acts(lowered, sentence, m, role_spans, lex, coordinated=i in heads)
        if status[i]:
            partners.add(code)
    return partners, counterpart_partners, officials


def _demonym_lists(lowered: str, mentions: list[Match[Place]], lex: Lexicon) -> dict[int, int]:
    """For each demonym that continues a list of them ("checos, letones y húngaros"), the
    index of the demonym before it."""
    previous: dict[int, int] = {}
    for i in range(1, len(mentions)):
        a, b = mentions[i - 1], mentions[i]
        if a.payload.kind != "demonym" or b.payload.kind != "demonym":
            continue
        gap = lowered[a.end : b.start]
        if len(gap) <= 6 and all(w in lex.coordinators for w in _words(gap)):
            previous[i] = i - 1
    return previous


_ACRONYM = re.compile(r"[A-Z]{2,6}")


def _beside_acronym(sentence: Sentence, m: Match[Place]) -> bool:
    """Is the word right before or after this demonym an acronym, the short name of a body?"""
    before = sentence.text[: m.start - sentence.start].split()[-1:]
    after = sentence.text[m.end - sentence.start :].split()[:1]
    return any(_ACRONYM.fullmatch(w.strip(",.;:()'’")) for w in before + after)


def _joined_demonyms(
    lowered: str, sentence: Sentence, mentions: list[Match[Place]], lex: Lexicon
) -> set[str]:
    """ "squadra investigativa comune italo-tedesca", "deutsch-französische Ermittlungsgruppe",
    "a joint Belgian-Dutch team": two nationalities joined into one adjective next to a word
    of cooperation describe one thing the two countries share. Of anything else ("la
    frontière franco-espagnole", "le milliardaire russo-canadien") they say nothing."""
    demonyms = sorted((m for m in mentions if m.payload.kind == "demonym"), key=lambda m: m.start)
    joined: set[str] = set()
    for first, second in pairwise(demonyms):
        if first.payload.code == second.payload.code or lowered[first.end : second.start] not in (
            "",
            "-",
            "–",
        ):
            continue
        before = _words(lowered[max(sentence.start, first.start - 60) : first.start])[-4:]
        after = _words(lowered[second.end : min(sentence.end, second.end + 40)])[:2]
        window = " ".join([*before, "|", *after])
        if _found_in(window, lex.cooperation, lex.participations):
            joined |= {first.payload.code, second.payload.code}
    return joined


def _shared(org: Organization, named: set[str]) -> str:
    """A name several countries' bodies share ("Bundeskriminalamt" in Vienna's news as in
    Berlin's) is the body of the one the article names, its usual country when in doubt."""
    if org.also and org.country not in named:
        for code in org.also:
            if code in named:
                return code
    return org.country or ""


def _agency_country(
    lowered: str, m: Match[Organization], places: list[Match[Place]], lex: Lexicon
) -> str:
    """The country a national agency acts for: its own, unless a demonym next to its name says
    it is another country's body of the same name ("das österreichische Bundeskriminalamt",
    "la Policía Nacional colombiana", "Landeskriminalamt Wien", "a PJ de Cabo Verde")."""
    for place in places:
        before = 0 <= m.start - place.end <= 1 and place.payload.kind == "demonym"
        after = 0 <= place.start - m.end <= 1 and place.payload.kind != "country"
        between = _words(lowered[m.end : place.start])
        of = (
            place.payload.kind == "country"
            and len(between) == 1
            and between[0] in lex.origin_prepositions
        )
        if before or after or of:
            return place.payload.code
    return ""


def _gang_nationality(lowered: str, sentence: Sentence, m: Match[Place], lex: Lexicon) -> bool:
    """ "la banda albanesa que la Guardia Civil desarticuló", "an Albanian gang": a demonym
    next to a word for a criminal group is the group's nationality, never an authority."""
    beside = (
        _words(lowered[sentence.start : m.start])[-1:] + _words(lowered[m.end : sentence.end])[:1]
    )
    return any(_criminal_group(word, lex) for word in beside)


def _a_national(lowered: str, sentence: Sentence, m: Match[Place], lex: Lexicon) -> bool:
    """Is this demonym a person's nationality? After a nationality word ("deux frères de
    nationalité nigériane"; "door de Belgische douane" is who acts, and "policiers italiens,
    espagnols" a list), or after an indefinite article or a number ("con ayuda de la Policía
    española, un marroquí de Almería", "a Moroccan man") unless a role follows within three
    words ("a Moroccan official", "a British Royal Navy frigate")."""
    content = _content_before(lowered, sentence, m, lex)[-1:]
    if content and content[0] not in lex.demonym_keys and _non_party(content[0], lex, alone=True):
        return True
    before = _words(lowered[sentence.start : m.start])[-1:]
    if not before or (
        before[0] not in lex.indefinite_articles and before[0] not in lex.number_words
    ):
        return False
    after = " ".join(_words(lowered[m.end : sentence.end])[:3])
    return not _found_in(after, lex.partner_roles)


def _criminal_group(word: str, lex: Lexicon) -> bool:
    """ "banda", "cartels", and in languages that join nouns, "Drogenkartellen"."""
    return word in lex.criminal_groups or (
        lex.capitalised_nouns and any(word.endswith(g) for g in lex.criminal_groups)
    )


def _country_list(
    lowered: str,
    sentence: Sentence,
    mentions: list[Match[Place]],
    lex: Lexicon,
    *,
    every: bool = False,
) -> set[str]:
    """Countries of the longest list of three or more in the sentence, unless the words
    before it make them a route or nationalities ("via Hungary, Slovenia and Austria"); a
    list of two only right after police at work ("arresti in Italia e in Germania"). With
    ``every``, the countries of all such lists ("naast Nederland, België en de Verenigde
    Staten ook politiediensten uit Groot-Brittannië, Portugal en Australië")."""
    mentions = sorted(
        (m for m in mentions if m.payload.kind in ("country", "capital")), key=lambda m: m.start
    )
    heads = _coordination_heads(lowered, mentions, lex, repeated=True)
    groups: dict[int, list[Match[Place]]] = {}
    for i, head in heads.items():
        groups.setdefault(head, []).append(mentions[i])
    best: set[str] = set()
    for head, members in groups.items():
        codes = {m.payload.code for m in members}
        if len(codes) < 2 or (len(codes) <= len(best) and not every):
            continue
        content = _content_before(lowered, sentence, mentions[head], lex)
        if any(_non_party(w, lex) for w in content[-2:]):
            continue
        located = bool(content) and (
            content[-1] in lex.location_prepositions
            or " ".join(content[-2:]) in lex.location_prepositions
        )
        if located and not _governed(lowered, sentence, members[0], members[-1], lex):
            continue
        if located and len(content) > 1 and _criminal_group(content[-2], lex):
            continue  # "Kontakte zu Drogenkartellen in Kolumbien, Panama und Brasilien"
        if len(codes) == 2 and not (located and _arrests_around(lowered, sentence, members, lex)):
            continue  # "arresti in Italia e in Germania"; "Belgio e Francia" alone say little
        if content and content[-1] in lex.origin_prepositions:
            # "les autorités policières et judiciaires de la France, du Royaume-Uni..." act;
            # "partivano da Belgio, Spagna e Paesi Bassi" names where things come from.
            governors = " ".join(content[-5:-1])
            if not _found_in(governors, lex.partner_roles, lex.cooperation, lex.participations):
                continue
        best = best | codes if every else codes
    return best


_LIST_WINDOW_WORDS = 8
_CLAUSE_BREAKS = re.compile(r"[;]")


def _governed(
    lowered: str, sentence: Sentence, first: Match[Place], last: Match[Place], lex: Lexicon
) -> bool:
    """Is a country list tied to police or justice work by the words just around it, in its
    own clause ("the arrests were made in A, B and C", "police from A, B, C", "A, B and C
    took part", "suspects were detained simultaneously in A, B and C")? A list farther from
    them names where victims, companies or a gang were ("43 weitere Firmen hinzu, unter
    anderem in Argentinien, Australien...", "una estructura que actuaba en Alemania, España,
    Suiza...")."""
    before = _CLAUSE_BREAKS.split(lowered[sentence.start : first.start])[-1]
    after = _CLAUSE_BREAKS.split(lowered[last.end : sentence.end])[0]
    before_words = [w for w in _words(before) if w not in lex.determiners]
    after_words = [w for w in _words(after) if w not in lex.determiners]
    for window in (
        " ".join(before_words[-_LIST_WINDOW_WORDS:]),
        " ".join(after_words[:_LIST_WINDOW_WORDS]),
    ):
        if _found_in(
            window, lex.partner_roles, lex.cooperation, lex.participations, lex.police_actions
        ) or any(m.payload.topic == "law_enforcement" for m in lex.topics.find(window)):
            return True
    return False


def _arrests_around(
    lowered: str, sentence: Sentence, members: list[Match[Place]], lex: Lexicon
) -> bool:
    """Police at work right before a two-country list ("arresti in Italia e in Germania",
    "Ermittler in Spanien und Portugal"), not things found there ("des serveurs au Canada et
    en Roumanie")."""
    before = _words(lowered[max(sentence.start, members[0].start - 40) : members[0].start])
    window = " ".join([w for w in before if w not in lex.determiners][-2:])
    return _found_in(window, lex.police_actions, lex.partner_roles, lex.participations)


def _found_in(window: str, *gazetteers: Gazetteer) -> bool:
    """Does any of these word lists occur in this stretch of words?"""
    return any(gazetteer.find(window) for gazetteer in gazetteers)


def _non_party(word: str, lex: Lexicon, *, alone: bool = False) -> bool:
    """ "via", "nationals", and their inflections and compounds ("transitava",
    "Schmuggelroute", "smokkelroute") make a country list a route or a nationality. A short
    stem only ends a compound: "durch" begins "Durchsuchungen" too. Before a country ``alone``,
    an agent word is who acts: "wordt door Tsjechië aan Hongarije overgedragen", where "door
    België, Duitsland en Frankrijk" is a route."""
    if alone and word in lex.agent_words:
        return False
    return word in lex.non_party_words or any(
        (len(stem) >= 6 and word.startswith(stem)) or (len(stem) >= 5 and word.endswith(stem))
        for stem in lex.non_party_words
    )


def _stationed(
    lowered: str, sentence: Sentence, mentions: list[Match[Place]], lex: Lexicon
) -> set[str]:
    """Countries named as where a police or justice body works ("Ermittler in
    Großbritannien", "police in Spain"). Only a sentence saying that bodies take part reads
    them so: elsewhere "police in X" is as often where another country's police acted."""
    found = set()
    for m in mentions:
        if m.payload.kind != "country":
            continue
        content = _content_before(lowered, sentence, m, lex)
        if (
            len(content) >= 2
            and content[-1] in lex.location_prepositions
            and _found_in(content[-2], lex.partner_roles)
        ):
            found.add(m.payload.code)
    return found


def _content_before(lowered: str, sentence: Sentence, m: Match[Place], lex: Lexicon) -> list[str]:
    """The words just before a mention (40 characters, within its sentence), determiners
    left out: where a list's role is read ("via", "in", "autorités de")."""
    before = _words(lowered[max(sentence.start, m.start - 40) : m.start])
    return [w for w in before if w not in lex.determiners]


def _on_a_route(
    lowered: str, sentence: Sentence, mentions: list[Match[Place]], lex: Lexicon
) -> set[int]:
    """Starts of the places a route names ("após passar por Bélgica, Senegal e Dubai"): a
    group of places right after a route word."""
    places = [m for m in mentions if m.payload.kind != "demonym"]
    routed: set[int] = set()
    for m, content, alone in _groups_with_words_before(lowered, sentence, places, lex):
        if any(_non_party(w, lex, alone=alone) for w in content[-2:]) or _based(lowered, m, lex):
            routed.add(m.start)
    return routed


def _based(lowered: str, m: Match[Place], lex: Lexicon) -> bool:
    """ "the Pakistan-based militant group": where something is based, not a party."""
    return any(w in lex.non_party_after for w in _words(lowered[m.end : m.end + 12])[:1])


def _groups_with_words_before(
    lowered: str, sentence: Sentence, mentions: list[Match[Place]], lex: Lexicon
) -> list[tuple[Match[Place], list[str], bool]]:
    """Each mention with the words before its coordinated group ("via Hungary, Slovenia and
    Austria": "via" for all three) and whether it stands alone: a group shares one role."""
    mentions = sorted(mentions, key=lambda m: m.start)
    heads = _coordination_heads(lowered, mentions, lex, repeated=True)
    return [
        (m, _content_before(lowered, sentence, mentions[heads.get(i, i)], lex), i not in heads)
        for i, m in enumerate(mentions)
    ]


def _sources(
    lowered: str, sentence: Sentence, mentions: list[Match[Place]], lex: Lexicon
) -> set[str]:
    """ "ausgeliefert aus Rumänien", "extradited from Spain": the country a hand-over leaves."""
    return _after(lowered, sentence, mentions, lex, lex.origin_prepositions)


def _destinations(
    lowered: str, sentence: Sentence, mentions: list[Match[Place]], lex: Lexicon
) -> set[str]:
    """ "extradé vers les Pays-Bas", "extradited to Spain": the requesting country is a party."""
    return _after(lowered, sentence, mentions, lex, lex.destination_prepositions)


def _requesting(
    lowered: str, sentence: Sentence, mentions: list[Match[Place]], lex: Lexicon
) -> set[str]:
    """ "nueve prófugos, cinco de ellos reclamados por Argentina, Chile y España": each
    country of a list that wants someone asks for its own fugitive, so each is a party with
    the country that holds them, not with the others of the list."""
    states = [m for m in mentions if m.payload.kind in ("country", "capital")]
    return {
        m.payload.code
        for m, before, _ in _groups_with_words_before(lowered, sentence, states, lex)
        if " ".join(before[-2:]) in lex.requested_by
    }


def _asking(
    lowered: str, sentence: Sentence, mentions: list[Match[Place]], lex: Lexicon
) -> set[str]:
    """ "la Germania aveva chiesto il suo arresto", "Spain had requested his extradition": a
    country that asks for the person, in a hand-over sentence, is where he is to go."""
    found = set()
    for m in mentions:
        if m.payload.kind in ("country", "capital"):
            after = _words(lowered[m.end : min(sentence.end, m.end + 30)])[:3]
            if any(w in lex.request_verbs for w in after):
                found.add(m.payload.code)
    return found


def _after(
    lowered: str,
    sentence: Sentence,
    mentions: list[Match[Place]],
    lex: Lexicon,
    prepositions: frozenset[str],
) -> set[str]:
    """Countries and capitals right after one of ``prepositions`` (determiners skipped),
    unless they are a list of where goods are bound ("envios de cocaína com destino à Índia
    (Déli), à França (Paris) e à Holanda": not hand-overs to France and the Netherlands).
    One country alone stays a destination: "atravessou para o Uruguai, onde ficou detido"."""
    found: set[str] = set()
    states = [m for m in mentions if m.payload.kind in ("country", "capital")]
    for m, group_before, alone in _groups_with_words_before(lowered, sentence, states, lex):
        before = [w for w in _words(lowered[sentence.start : m.start]) if w not in lex.determiners]
        if (
            before
            and before[-1] in prepositions
            and (alone or not any(_non_party(w, lex) for w in group_before[-3:-1]))
        ):
            found.add(m.payload.code)
    return found


def _acts(
    lowered: str,
    sentence: Sentence,
    m: Match[Place],
    role_spans: list[tuple[int, int]],
    lex: Lexicon,
    *,
    coordinated: bool,
) -> bool:
    """Is this country or capital mention (the first of a coordinated group) a party?"""
    if _based(lowered, m, lex):
        return False  # "the Pakistan-based militant group"
    if not lowered[sentence.start : m.start].strip() and _DATELINE.match(lowered, m.end):
        return False  # "LA HAYA.- Una operación internacional...": where the news was filed
    before = _words(lowered[sentence.start : m.start])
    content = [w for w in before if w not in lex.determiners or w in lex.origin_prepositions]
    if content and (
        content[-1] in lex.location_prepositions
        or " ".join(content[-2:]) in lex.location_prepositions
    ):
        return False  # "en Ukraine", "in Madrid": a place where things happen
    if any(_non_party(w, lex, alone=not coordinated) for w in content[-2:]):
        return False  # "un itinerario che attraversava Bulgaria...", "após passar por Bélgica"
    if content and content[-1] in lex.origin_prepositions:
        # "les polices de l'Allemagne" acts; "partent d'Allemagne" is a place of origin;
        # "la Fiscalía General de Lituania" acts, a word between role and country.
        governor = " ".join(content[-3:-1])
        return _found_in(governor, lex.partner_roles, lex.cooperation)
    return (
        coordinated
        or not content
        or content[-1] in lex.with_words
        or content[-1] in lex.between_words
        or _near(lowered, m, role_spans, lex, after_only=True)
    )


_DATELINE = re.compile(r"\s*(?:\.-|—|–|-\s|\()")
_BRACKETED = re.compile(r"\([^()]{1,40}\)")


def _coordination_heads(
    lowered: str, mentions: list[Match[Place]], lex: Lexicon, *, repeated: bool = False
) -> dict[int, int]:
    """For mentions joined by "et", "and", "," into a group, the index of the group's first
    mention (the head itself included): a group shares one role in the sentence. With
    ``repeated``, a preposition repeated before each ("en Espagne, en France et aux
    Pays-Bas"), or a count ("neuf en France, sept en Lituanie"), still joins them."""
    heads: dict[int, int] = {}
    for i in range(len(mentions) - 1):
        a, b = mentions[i], mentions[i + 1]
        if a.payload.code == b.payload.code and lowered[a.end : b.start].strip() == "(":
            # "à França (Paris)": the capital in brackets is the same mention.
            heads.setdefault(i, i)
            heads[i + 1] = heads[i]
            continue
        if "demonym" in (a.payload.kind, b.payload.kind) or a.payload.code == b.payload.code:
            continue
        # "à la Tailândia (Bangkok) e à Holanda (Roterdã)": a city in brackets is an aside.
        gap = _BRACKETED.sub("", lowered[a.end : b.start])
        if len(gap) > 40:
            continue
        words = [
            w
            for w in _words(gap)
            if (
                w not in lex.determiners
                and w not in lex.origin_prepositions
                and not (repeated and w in lex.location_prepositions)
                and not (repeated and (w.isdigit() or w in lex.number_words))
            )
            or w in lex.coordinators
        ]
        joined = (not words and any(c in gap for c in ",/-–")) or " ".join(
            words
        ) in lex.coordinators
        if joined:
            heads.setdefault(i, i)
            heads[i + 1] = heads[i]
    return heads


def _near(
    lowered: str,
    m: Match[Place],
    spans: list[tuple[int, int]],
    lex: Lexicon,
    *,
    after_only: bool = False,
) -> bool:
    """Is an official role within two words of the mention ("ministre belge", "Spanish
    Interior Minister", "US officials")?"""
    return _distance(lowered, m, spans, lex, after_only=after_only) is not None


def _distance(
    lowered: str,
    m: Match[Place],
    spans: list[tuple[int, int]],
    lex: Lexicon,
    *,
    after_only: bool = False,
) -> int | None:
    """How many words stand between the mention and the nearest of ``spans`` within two
    words of it; None when none is that near."""
    nearest: int | None = None
    for start, end in spans:
        if start >= m.end:
            between = _words(lowered[m.end : start])
        elif end <= m.start and not after_only:
            between = _words(lowered[end : m.start])
        else:
            continue
        content = [
            w
            for w in between
            if w not in lex.connecting_words
            and w not in lex.coordinators
            and w not in lex.demonym_keys
        ]
        if len(content) < _ROLE_WINDOW_WORDS and len(between) <= 2 * _ROLE_WINDOW_WORDS:
            nearest = len(between) if nearest is None else min(nearest, len(between))
    return nearest


def _tensions(facts: list[SentenceFacts], body_offset: int) -> list[Tension]:
    # "Gericht stoppt Auslieferung nach Rumänien": a refusal that names only the other side
    # is the article's own authorities' (the one country of its agencies and officials).
    home = {c for f in facts for c in f.agencies | f.officials}
    found: dict[tuple[tuple[str, ...], str], Tension] = {}
    for f in facts:
        if f.tension and f.tension_countries:
            countries = set(f.tension_countries)
            if len(countries) == 1 and len(home - countries) == 1:
                countries |= home
            key = (tuple(sorted(countries)), f.tension)
            found.setdefault(
                key,
                Tension(
                    countries=list(key[0]),
                    kind=TensionKind(f.tension),
                    **_evidence(f, body_offset),
                ),
            )
    return list(found.values())


def _drop_tense_pairs(facts: list[SentenceFacts], tensions: list[Tension]) -> None:
    """An article about refused or suspended cooperation between two countries does not make
    them partners elsewhere in it ("the ministry wants to review the agreements"), unless it
    says the cooperation resumed."""
    if not tensions or any(f.resumed for f in facts):
        return
    tense = [set(t.countries) for t in tensions]
    for f in facts:
        f.pairs = {p for p in f.pairs if not any(set(p) <= countries for countries in tense)}


def _evidence(f: SentenceFacts, body_offset: int) -> dict:
    start = f.sentence.start - body_offset
    if start < 0:
        return {"evidence": f.sentence.text}
    return {
        "evidence": f.sentence.text,
        "evidence_start": start,
        "evidence_end": f.sentence.end - body_offset,
    }


def _summarise(facts: list[SentenceFacts], body_offset: int) -> Cooperation:
    tensions = _tensions(facts, body_offset)
    if not any(f.cue and f.international for f in facts):
        # no cooperation cue next to a foreign party: domestic news
        return Cooperation(tensions=tensions)
    context = [f for f in facts if f.context]
    # Once an article reports cooperation between countries, the crimes it is about are the
    # cooperation's topics, wherever it names them; without a pair, only context sentences.
    _drop_tense_pairs(facts, tensions)
    paired = any(f.pairs for f in facts)
    support: dict[str, list[SentenceFacts]] = {}
    for f in context:
        for topic in f.topics:
            support.setdefault(topic, []).append(f)
    named = [t for f in facts for t, n in f.topics.items() for _ in range(n)]
    lone = (
        len(named) == 1
        and named[0] not in COOPERATIVE_TOPICS
        and not any((f.pairs or f.cue) and f.topics for f in facts)
    )
    if not support or lone:
        # No security topic, or one word of a crime in the whole article, away from any
        # cooperation ("Afghanistan would guarantee security for the construction" in a gas
        # pipeline story): trade, energy, sport, diplomacy. A hand-over or an exchange of
        # information is enough alone, and so is a crime word where a pair or a cooperation
        # word is ("Une opération contre la 'Ndrangheta a été coordonnée par Eurojust").
        return Cooperation(tensions=tensions)
    for f in facts if paired else []:
        if f.tension or f in context:
            continue
        for topic in f.topics:
            support.setdefault(topic, []).append(f)
    if paired and "law_enforcement" not in support:
        support["law_enforcement"] = [f for f in facts if f.pairs]
        for f in support["law_enforcement"]:
            f.topics.setdefault("law_enforcement", 1)
    topics = [
        CooperationTopic(
            id=topic,
            score=round(1 - math.exp(-0.8 * sum(f.topics[topic] for f in fs)), 3),
            **_evidence(
                max(fs, key=lambda f: (f.topics[topic] + f.cue + len(f.pairs), -f.sentence.start)),
                body_offset,
            ),
        )
        for topic, fs in sorted(support.items(), key=lambda kv: TOPIC_IDS.index(kv[0]))
    ]
    pair_sentences: dict[tuple[str, str], list[SentenceFacts]] = {}
    for f in facts:
        for pair in f.pairs:
            pair_sentences.setdefault(pair, []).append(f)
    anaphora = [f for f in facts if f.anaphora]
    pairs = []
    for pair, fs in sorted(pair_sentences.items()):
        evidence = context if len(pair_sentences) == 1 else fs + anaphora
        pair_topics = {t for f in evidence for t in f.topics}
        pairs.append(
            CooperationPair(
                countries=pair,
                topics=[t for t in TOPIC_IDS if t in pair_topics],
                **_evidence(fs[0], body_offset),
            )
        )
    if tensions and not pairs:
        return Cooperation(tensions=tensions)  # cooperation refused or suspended: no topics
    strength = sum(1 for f in context if f.topics) + 2 * len(pair_sentences)
    score = round(1 - math.exp(-0.35 * strength), 3)
    return Cooperation(score=score, topics=topics, pairs=pairs, tensions=tensions)
