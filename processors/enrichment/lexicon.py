"""Per-language language data: one JSON file per language in ``data/``, all of the same shape.

Adding a language is adding ``data/<lang>.json``. Country names do not live there: they come
from CLDR through babel (``Locale(lang).territories``), restricted to the ISO 3166 countries
pycountry knows, so every language babel knows gets country names for free. ``data/mul.json``
holds names that are the same in every language (Europol, FBI, ...) and is merged into each.
``data/agencies.json`` (police, justice and intelligence agencies by country, criminal
organisations, in the seven languages' spellings) is merged into each too, after the others,
and so is ``data/parties_media_companies.json`` (political parties, news media, companies and
international bodies: named organisations that are no state's agency, so they carry no country
and never make one a cooperation partner).

Gazetteers are built once per language per process (``lexicon_for`` is cached).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

import pycountry
from babel import Locale, UnknownLocaleError
from countryinfo import all_countries

from processors.enrichment.gazetteer import Gazetteer, Match
from processors.enrichment.taxonomy import TOPIC_IDS
from processors.enrichment.text import fold, fold_key

PlaceKind = Literal["country", "capital", "city", "demonym"]
SHARED = "mul"
AGENCIES = "agencies"
OTHER_ORGANIZATIONS = "parties_media_companies"
SHARED_ORGANIZATION_FILES = (AGENCIES, OTHER_ORGANIZATIONS)
REQUIRED_KEYS = (
    "language",
    "country_aliases",
    "country_name_suffixes",
    "blocked_country_names",
    "government_capitals",
    "cities",
    "demonyms",
    "demonym_suffixes",
    "demonyms_case_sensitive",
    "organizations",
    "organization_heads",
    "person_titles",
    "honorifics",
    "name_particles",
    "department_words",
    "speech_verbs",
    "not_entities",
    "cooperation_cues",
    "partner_roles",
    "location_prepositions",
    "coordinators",
    "between_words",
    "origin_prepositions",
    "destination_prepositions",
    "with_words",
    "determiners",
    "counterpart_words",
    "visit_words",
    "both_countries",
    "topics",
)
# Keys a data file may leave out (added after the first languages).
OPTIONAL_KEYS: dict[str, object] = {
    "tension_cues": {},
    "resumption_cues": [],
    "not_first_names": [],
    "organization_connectors": [],
    "non_party_words": [],
    "organization_suffixes": [],
    "participation_cues": [],
    "capitalised_nouns": False,
    "calendar_words": [],
    "number_words": [],
    "police_action_words": [],
    "espionage_words": [],
    "criminal_group_words": [],
    "unit_links": [],
    "unit_heads": [],
    "organization_prefixes": [],
    "unit_parents": [],
    "tension_exceptions": [],
    "organization_patterns": [],
    "countryinfo_names": False,
    "blocked_capitals": [],
    "country_count_words": [],
    "requested_by_words": [],
    "agent_words": [],
    "not_topic_words": [],
    "request_verbs": [],
    "indefinite_articles": [],
    "non_party_after": [],
}
# The language's small words: never a given name ("Con", "Bei", "La" are in name lists).
FUNCTION_WORD_KEYS = (
    "determiners",
    "coordinators",
    "location_prepositions",
    "with_words",
    "origin_prepositions",
    "destination_prepositions",
    "between_words",
)
TENSION_KINDS = ("suspended", "refused", "expelled_diplomats")


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    kind: PlaceKind
    canonical: str


@dataclass(frozen=True, slots=True)
class Organization:
    canonical: str
    country: str | None
    law_enforcement: bool
    # Other countries whose body has the same name ("Bundeskriminalamt": Austria's too).
    also: tuple[str, ...] = ()
    # A name many states give their body ("Department of Justice"): its country's only in an
    # article that names that country.
    generic: bool = False


@dataclass(frozen=True, slots=True)
class TopicCue:
    topic: str
    cue: str
    parts: int = 1


@dataclass(frozen=True, slots=True)
class PartsCue:
    """A cue of several parts in one sentence ("arbeite*+zusammen"), or in this order each
    within a few words of the one before ("werk*~samen")."""

    cue: str
    parts: int
    near: bool = False


# A court dismissing the defendant's appeal or bail ("rejected his appeal against
# extradition") refuses him, not the other country: ``tension_exceptions`` cues.
NOT_A_TENSION = "not_a_tension"
# Phrases holding a topic's word that are about something else ("droits de douane" are
# tariffs, not customs officers): ``not_topic_words``, matched before the topic's own word.
NOT_A_TOPIC = "not_a_topic"


@dataclass(frozen=True, slots=True)
class TensionCue:
    """ "suspend*", "expel*+diplomat*" (every part in one sentence), or "not~extradit*"
    (the parts in this order, each within a few words of the one before: a negation
    somewhere in a sentence about an extradition is no refusal)."""

    kind: str
    cue: str
    parts: int = 1
    near: bool = False


@dataclass
class Lexicon:
    language: str
    places: Gazetteer[Place] = field(default_factory=Gazetteer)
    listed_only: Gazetteer[Place] = field(default_factory=Gazetteer)  # "Chad", "Jordan"
    organizations: Gazetteer[Organization] = field(default_factory=Gazetteer)
    cooperation: Gazetteer[str] = field(default_factory=Gazetteer)
    cooperation_parts: Gazetteer[PartsCue] = field(default_factory=Gazetteer)
    topics: Gazetteer[TopicCue] = field(default_factory=Gazetteer)
    topic_parts: Gazetteer[TopicCue] = field(default_factory=Gazetteer)
    partner_roles: Gazetteer[str] = field(default_factory=Gazetteer)
    both_countries: Gazetteer[str] = field(default_factory=Gazetteer)
    counterparts: Gazetteer[str] = field(default_factory=Gazetteer)
    visits: Gazetteer[str] = field(default_factory=Gazetteer)
    person_titles: Gazetteer[str] = field(default_factory=Gazetteer)
    speech_verbs: Gazetteer[str] = field(default_factory=Gazetteer)
    tensions: Gazetteer[TensionCue] = field(default_factory=Gazetteer)
    resumptions: Gazetteer[str] = field(default_factory=Gazetteer)
    participations: Gazetteer[str] = field(default_factory=Gazetteer)  # "took part", "beteiligt"
    police_actions: Gazetteer[str] = field(default_factory=Gazetteer)  # "arrested", "festgenommen"
    espionage: Gazetteer[str] = field(default_factory=Gazetteer)  # "spying for", "Spionage"
    honorifics: frozenset[str] = frozenset()
    name_particles: frozenset[str] = frozenset()
    department_words: frozenset[str] = frozenset()
    not_entities: frozenset[str] = frozenset()
    not_first_names: frozenset[str] = frozenset()  # given names that are also common words
    organization_connectors: frozenset[str] = frozenset()  # "di", "da", "e" inside a name
    non_party_words: frozenset[str] = frozenset()  # "via", "nationals" before a country list
    calendar_words: frozenset[str] = frozenset()  # "Montag", "Mai": where a name stops
    number_words: frozenset[str] = frozenset()  # "neuf en France, sept en Lituanie"
    country_words: frozenset[str] = frozenset()  # "landen": "politiediensten uit acht landen"
    requested_by: frozenset[str] = frozenset()  # "reclamados por": each country asks alone
    request_verbs: frozenset[str] = frozenset()  # "la Germania aveva chiesto il suo arresto"
    indefinite_articles: frozenset[str] = frozenset()  # "un marroquí": a person, not a state
    non_party_after: frozenset[str] = frozenset()  # "the Pakistan-based group"
    agent_words: frozenset[str] = frozenset()  # "door": a route before a list, "by" before one
    unit_links: tuple[str, ...] = ()  # "della", "presso il": "Squadra Mobile della Questura"
    unit_heads: tuple[str, ...] = ()  # "squadra mobile", "parket": one office of many
    unit_parents: frozenset[str] = frozenset()  # "Carabinieri": "ROS dei Carabinieri"
    organization_prefixes: tuple[str, ...] = ()  # "U.S.": "U.S. District Court"
    organization_patterns: tuple[re.Pattern[str], ...] = ()  # "Paris prosecutor's office"
    criminal_groups: frozenset[str] = frozenset()  # "banda", "gang": "la banda albanesa"
    capitalised_nouns: bool = False  # German: a capital letter does not make a name
    organization_suffixes: tuple[str, ...] = ()  # compounds: "Bundeskriminal|amt"
    organization_heads: frozenset[str] = frozenset()
    location_prepositions: frozenset[str] = frozenset()
    coordinators: frozenset[str] = frozenset()
    between_words: frozenset[str] = frozenset()
    origin_prepositions: frozenset[str] = frozenset()
    destination_prepositions: frozenset[str] = frozenset()
    with_words: frozenset[str] = frozenset()
    determiners: frozenset[str] = frozenset()
    connecting_words: frozenset[str] = frozenset()  # skipped between a role and a demonym
    demonym_keys: dict[str, str] = field(default_factory=dict)


def available_languages() -> list[str]:
    """Languages with a data file (``mul`` and ``agencies`` excluded)."""
    folder = resources.files("processors.enrichment") / "data"
    return sorted(
        p.name[:-5]
        for p in folder.iterdir()
        if p.name.endswith(".json") and p.name[:-5] not in (SHARED, *SHARED_ORGANIZATION_FILES)
    )


@cache
def load_data(lang: str) -> dict | None:
    path = resources.files("processors.enrichment") / "data" / f"{lang}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ValueError(f"data/{lang}.json lacks {', '.join(missing)}")
    unknown = set(data["topics"]) - set(TOPIC_IDS)
    if unknown:
        raise ValueError(f"data/{lang}.json uses unknown topic ids: {sorted(unknown)}")
    for key, default in OPTIONAL_KEYS.items():
        data.setdefault(key, default)
    kinds = set(data["tension_cues"]) - set(TENSION_KINDS)
    if kinds:
        raise ValueError(f"data/{lang}.json uses unknown tension kinds: {sorted(kinds)}")
    return data


@cache
def load_agencies() -> list[dict]:
    """The organisations of ``data/agencies.json`` then ``data/parties_media_companies.json``,
    shared by every language."""
    folder = resources.files("processors.enrichment") / "data"
    return [
        org
        for name in SHARED_ORGANIZATION_FILES
        for org in json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))[
            "organizations"
        ]
    ]


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def cldr_country_names(lang: str) -> dict[str, str]:
    """Country name -> ISO code in ``lang`` from CLDR; empty when babel does not know it."""
    try:
        territories = Locale.parse(lang).territories
    except (UnknownLocaleError, ValueError):
        return {}
    codes = country_codes()
    return {name: code for code, name in territories.items() if code in codes}


@cache
def lexicon_for(lang: str) -> Lexicon:
    """The lexicon of ``lang`` merged with the shared one; unknown languages get the shared
    lexicon plus CLDR country names (English ones when the language is undetermined)."""
    lex = Lexicon(language=lang)
    sources = [d for d in (load_data(SHARED), load_data(lang)) if d is not None]
    if load_data(lang) is None and lang != "en":
        sources.append(load_data("en"))  # best effort: English is the lingua franca of news
    _add_countries(lex, lang if cldr_country_names(lang) else "en", sources)
    own = load_data(lang) or {"organizations": []}
    # "Polícia Nacional" is Angola's or Cape Verde's in Portuguese news, not Spain's
    # "Policía Nacional" of the shared file, though both fold to one name.
    overridden = frozenset(fold_key(n) for org in own["organizations"] for n in org["names"])
    for data in sources:
        _add_language_data(lex, data, overridden if data is not own else frozenset())
    for data in sources:
        if data["countryinfo_names"]:
            _add_countryinfo_names(lex, data)
    _add_agencies(lex, [org for data in sources for org in data["organizations"]])
    for gazetteer in (
        lex.places,
        lex.listed_only,
        lex.organizations,
        lex.cooperation,
        lex.cooperation_parts,
        lex.topics,
        lex.topic_parts,
        lex.partner_roles,
        lex.both_countries,
        lex.counterparts,
        lex.visits,
        lex.person_titles,
        lex.speech_verbs,
        lex.tensions,
        lex.resumptions,
        lex.participations,
        lex.police_actions,
        lex.espionage,
    ):
        gazetteer.build()
    return lex


def _add_countries(lex: Lexicon, cldr_lang: str, sources: list[dict]) -> None:
    blocked = {name for data in sources for name in data["blocked_country_names"]}
    suffixes = tuple(s for data in sources for s in data["country_name_suffixes"])
    for name, code in cldr_country_names(cldr_lang).items():
        target = lex.listed_only if name in blocked else lex.places
        target.add(name, Place(code, "country", name), suffixes=suffixes, case_sensitive=True)


def find_places(lex: Lexicon, folded: str, lowered: str) -> list[Match[Place]]:
    """The places of a text. A country whose name is also a given name or a state ("Chad",
    "Jordan", "Georgia") counts only inside a list of countries ("in Chad, Mali, Mauritania,
    Niger and Senegal"), where no person or state stands."""
    places = lex.places.find(folded, lowered)
    ambiguous = lex.listed_only.find(folded, lowered)
    if not ambiguous:
        return places
    countries = [m for m in places if m.payload.kind == "country"]
    kept = []
    for m in ambiguous:
        for other in countries:
            after = other.start >= m.end
            gap = lowered[m.end : other.start] if after else lowered[other.end : m.start]
            words = gap.replace(",", " ").split()
            if len(gap) <= 8 and all(w in lex.coordinators or w in lex.determiners for w in words):
                kept.append(m)
                break
    return sorted(places + kept, key=lambda m: m.start)


# Dependencies and territories: their capitals stand for no government of their own.
_TERRITORIES = frozenset(
    "AI AN AS AW AX BL BM BQ CC CK CS CW CX EH FK FO GF GG GI GL GP GS GU HK HM IM IO JE KY "  # noqa: SIM905
    "MF MO MP MQ MS NC NF NU PF PM PN PR RE SH SJ SX TC TF TK UM VG VI WF YT".split()
)


def _add_countryinfo_names(lex: Lexicon, data: dict) -> None:
    """English demonyms and capitals of every state from countryinfo, after the language
    file's own (which win): "Namibian authorities", "Kingston" for Jamaica's government."""
    spelt = {
        fold_key(name)
        for key in ("demonyms", "government_capitals", "cities")
        for name in data[key]
    }
    spelt |= {fold_key(name) for name in data["country_aliases"]}
    blocked = {fold_key(name) for name in data["blocked_capitals"]}
    codes = country_codes()
    for info in _countryinfo():
        code = info["code"]
        if code not in codes or code in _TERRITORIES:
            continue
        for demonym in info["demonyms"]:
            if fold_key(demonym) in spelt:
                continue
            spelt.add(fold_key(demonym))
            _add_demonym(lex, demonym, code, data)
        capital = info["capital"]
        if capital and fold_key(capital) not in spelt | blocked:
            spelt.add(fold_key(capital))
            lex.places.add(capital, Place(code, "capital", capital), case_sensitive=True)


@cache
def _countryinfo() -> tuple[dict, ...]:
    found = []
    for country in all_countries():
        info = country.info()
        code = (info.get("ISO") or {}).get("alpha2")
        capital = info.get("capital") or ""
        if isinstance(capital, list):
            capital = capital[0] if capital else ""
        demonyms = [d.strip() for d in re.split(r"[,/]", info.get("demonym") or "") if d.strip()]
        names = {fold_key(info.get("name") or "")}
        found.append(
            {
                "code": code,
                "capital": capital,
                "demonyms": [d for d in demonyms if fold_key(d) not in names],
            }
        )
    return tuple(found)


def _add_agencies(lex: Lexicon, known: list[dict]) -> None:
    """Agency names a language file does not already have. The language file wins where it
    has the same name: written alike ("Al-Qaeda") it would be found twice, and under another
    country it is that language's meaning ("Policía Federal" is Argentina's in Spanish news)."""
    spelt = {fold(name) for org in known for name in org["names"]}
    country_of = {fold_key(name): org.get("country") for org in known for name in org["names"]}
    for org in load_agencies():
        value = _organization(org)
        for name in org["names"]:
            key = fold_key(name)
            if fold(name) in spelt or country_of.get(key, value.country) != value.country:
                continue
            lex.organizations.add(name, value, case_sensitive=True)


def _organization(entry: dict) -> Organization:
    return Organization(
        entry["canonical"],
        entry.get("country"),
        entry.get("law_enforcement", False),
        tuple(entry.get("also", ())),
        entry.get("generic", False),
    )


def split_cue(cue: str) -> tuple[list[str], bool]:
    """The parts of a cue, and whether they must come in order close together: "a+b" (both in
    one sentence) or "a~b" (b within a few words after a)."""
    return [p for p in re.split(r"[+~]", cue) if p.strip()], "~" in cue


def _add_demonym(lex: Lexicon, name: str, code: str, data: dict) -> None:
    """A demonym and its inflections, as a place and as a key the role checks skip."""
    lex.places.add(
        name,
        Place(code, "demonym", name),
        suffixes=data["demonym_suffixes"],
        case_sensitive=data["demonyms_case_sensitive"],
    )
    lex.demonym_keys[fold_key(name)] = code
    for suffix in data["demonym_suffixes"]:
        lex.demonym_keys[fold_key(name + suffix)] = code


def _add_language_data(lex: Lexicon, data: dict, overridden: frozenset[str]) -> None:
    """``overridden``: organisation names the language's own file gives a meaning of its own."""
    suffixes = tuple(data["country_name_suffixes"])
    for name, code in data["country_aliases"].items():
        lex.places.add(name, Place(code, "country", name), suffixes=suffixes, case_sensitive=True)
    for name, code in data["government_capitals"].items():
        lex.places.add(name, Place(code, "capital", name), case_sensitive=True)
    for name, code in data["cities"].items():
        lex.places.add(name, Place(code, "city", name), case_sensitive=True)
    for name, code in data["demonyms"].items():
        _add_demonym(lex, name, code, data)
    for org in data["organizations"]:
        value = _organization(org)
        for name in org["names"]:
            if fold_key(name) not in overridden:
                lex.organizations.add(name, value, case_sensitive=True)
    for cue in data["cooperation_cues"]:
        parts, near = split_cue(cue)
        if len(parts) == 1:
            lex.cooperation.add(cue, cue)
        else:  # separable verbs: "arbeitet ... zusammen"
            for part in parts:
                lex.cooperation_parts.add(part, PartsCue(cue, len(parts), near))
    for topic, cues in [*data["topics"].items(), (NOT_A_TOPIC, data["not_topic_words"])]:
        for cue in cues:
            parts, _ = split_cue(cue)
            if len(parts) == 1:
                lex.topics.add(cue, TopicCue(topic, cue))
            else:
                for part in parts:
                    lex.topic_parts.add(part, TopicCue(topic, cue, len(parts)))
    for key, gazetteer in (
        ("partner_roles", lex.partner_roles),
        ("both_countries", lex.both_countries),
        ("counterpart_words", lex.counterparts),
        ("visit_words", lex.visits),
        ("person_titles", lex.person_titles),
        ("speech_verbs", lex.speech_verbs),
        ("resumption_cues", lex.resumptions),
        ("participation_cues", lex.participations),
        ("police_action_words", lex.police_actions),
        ("espionage_words", lex.espionage),
    ):
        for phrase in data[key]:
            gazetteer.add(phrase, phrase)
    for kind, cues in [*data["tension_cues"].items(), (NOT_A_TENSION, data["tension_exceptions"])]:
        for cue in cues:
            parts, near = split_cue(cue)
            for part in parts:
                lex.tensions.add(part, TensionCue(kind, cue, len(parts), near))
    lex.honorifics |= {fold_key(h) for h in data["honorifics"]}
    lex.name_particles |= {p.lower() for p in data["name_particles"]}
    lex.department_words |= {fold_key(w) for w in data["department_words"]}
    lex.not_entities |= {fold_key(w) for w in data["not_entities"]}
    lex.not_first_names |= {
        fold_key(w) for key in ("not_first_names", *FUNCTION_WORD_KEYS) for w in data[key]
    }
    lex.non_party_words |= {fold_key(w) for w in data["non_party_words"]}
    lex.capitalised_nouns = lex.capitalised_nouns or bool(data["capitalised_nouns"])
    lex.calendar_words |= {fold_key(w) for w in data["calendar_words"]}
    lex.number_words |= {fold(w).lower() for w in data["number_words"]}
    lex.country_words |= {fold(w).lower() for w in data["country_count_words"]}
    lex.requested_by |= {fold(w).lower() for w in data["requested_by_words"]}
    lex.request_verbs |= {fold(w).lower() for w in data["request_verbs"]}
    lex.indefinite_articles |= {fold(w).lower() for w in data["indefinite_articles"]}
    lex.non_party_after |= {fold(w).lower() for w in data["non_party_after"]}
    lex.agent_words |= {fold(w).lower() for w in data["agent_words"]}
    lex.unit_links += tuple(w.lower() for w in data["unit_links"])
    lex.unit_heads += tuple(fold_key(w) for w in data["unit_heads"])
    lex.unit_parents |= {fold_key(w) for w in data["unit_parents"]}
    lex.organization_patterns += tuple(re.compile(p) for p in data["organization_patterns"])
    lex.organization_prefixes += tuple(sorted(data["organization_prefixes"], key=len, reverse=True))
    lex.criminal_groups |= {fold(w).lower() for w in data["criminal_group_words"]}
    lex.organization_suffixes += tuple(fold_key(w) for w in data["organization_suffixes"])
    lex.organization_connectors |= {
        fold_key(w)
        for key in ("organization_connectors", "origin_prepositions", "coordinators")
        for w in data[key]
        if " " not in w
    }
    if not data["capitalised_nouns"]:
        # German capitalises every noun: "Landgericht Rottweil der Prozess" is no name, so
        # only the connectors its file lists ("der", "des": "Bundesministerium der Justiz").
        lex.organization_connectors |= {fold_key(w) for w in data["determiners"] if "'" not in w}
    lex.organization_heads |= {fold_key(w) for w in data["organization_heads"]}
    lex.location_prepositions |= {fold_key(w) for w in data["location_prepositions"]}
    lex.coordinators |= {fold_key(w) for w in data["coordinators"]}
    lex.between_words |= {fold_key(w) for w in data["between_words"]}
    lex.origin_prepositions |= {fold_key(w) for w in data["origin_prepositions"]}
    lex.destination_prepositions |= {fold_key(w) for w in data["destination_prepositions"]}
    lex.with_words |= {fold_key(w) for w in data["with_words"]}
    lex.determiners |= {fold_key(w) for w in data["determiners"]}
    lex.connecting_words = lex.determiners | lex.department_words | lex.name_particles
