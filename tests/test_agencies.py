"""The agencies gazetteer (``data/agencies.json``): police, justice and intelligence agencies by
country, international bodies and criminal groups, merged into every language.

The file is checked for shape (valid country codes, one meaning per name, no common words),
and each language shows on sentences of its own that an agency is found with its country, that
two national police forces at work make their countries partners, and that the language's own
data file keeps its meaning where both have a name.
"""

from __future__ import annotations

import importlib
import json
from collections import defaultdict
from importlib import resources

import pytest

from processors.enrichment import Enricher
from processors.enrichment.lexicon import (
    Lexicon,
    _add_agencies,
    available_languages,
    country_codes,
    lexicon_for,
)
from processors.enrichment.text import fold, fold_key
from schemas import EntityType, RawArticle

ENRICHER = Enricher()
ENTRIES: list[dict] = json.loads(
    (resources.files("processors.enrichment") / "data" / "agencies.json").read_text("utf-8")
)["organizations"]

# Words of the seven languages a name must never be: they would match everywhere.
COMMON_WORDS = {
    "police", "justice", "camera", "senato", "gendarmerie", "parquet", "douane", "tribunal",
    "policia", "policía", "polícia", "polizia", "polizei", "politie", "justicia", "justiça",
    "giustizia", "justiz", "justitie", "fiscalia", "procura", "ministerio", "ministère",
    "ministero", "ministerie", "ministerium", "zoll", "arma", "marina", "armada", "guardia",
    "supreme court", "federal police", "court", "cour", "corte", "gericht", "rechtbank",
    "intelligence", "renseignement", "inteligencia", "interior", "intérieur", "interno",
}  # fmt: skip
# Acronyms that are also words or other names in one of the seven languages' news: "OM" is
# Olympique de Marseille in French, "DIA" the Spanish supermarket, "ICE" the German train,
# "PCC" the Chinese Communist Party in French and Italian, "AFP" the news agency, "CPI" a
# Brazilian parliamentary inquiry, "DNA" the molecule, "MIT" the university, "IS"/"EI" words.
AMBIGUOUS_ACRONYMS = {"OM", "DIA", "ICE", "PCC", "AFP", "CPI", "DNA", "MIT", "IS", "EI", "DANS"}


def _enrich(text: str):
    return ENRICHER.enrich(RawArticle.model_validate({"text": text}))


def _orgs(result) -> dict[str, str | None]:
    return {e.canonical: e.country for e in result.entities if e.type == EntityType.ORG}


def _pairs(result) -> set[tuple[str, str]]:
    return {tuple(p.countries) for p in result.cooperation.pairs}


def test_agencies_is_shared_data_not_a_language():
    assert "agencies" not in available_languages()
    assert len(ENTRIES) >= 300


def test_every_entry_has_a_canonical_names_and_a_valid_country_or_none():
    codes = country_codes()
    for entry in ENTRIES:
        assert set(entry) <= {"canonical", "names", "country", "law_enforcement", "also"}, entry
        assert entry["canonical"] and entry["names"], entry
        assert all(isinstance(n, str) and n.strip() == n and n for n in entry["names"]), entry
        assert entry.get("country") is None or entry["country"] in codes, entry
        assert isinstance(entry.get("law_enforcement", False), bool), entry
        also = entry.get("also", [])
        assert all(code in codes for code in also) and (not also or entry.get("country")), entry


def test_a_name_has_one_meaning():
    meanings: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for entry in ENTRIES:
        for name in entry["names"]:
            meanings[fold_key(name)].add((entry["canonical"], entry.get("country")))
    assert {k: v for k, v in meanings.items() if len(v) > 1} == {}


def test_no_name_is_a_common_word_or_an_ambiguous_acronym():
    common = {fold_key(w) for w in COMMON_WORDS}
    names = [name for entry in ENTRIES for name in entry["names"]]
    assert [n for n in names if fold_key(n) in common] == []
    assert [n for n in names if fold(n) in AMBIGUOUS_ACRONYMS] == []
    # A name in lower case is the lower-case form of another name of its entry ("fedpol",
    # "ministère de l'Intérieur"), holds a proper name ("cártel de Sinaloa") or is a phrase
    # of three words or more that only the agency fits ("parquet fédéral allemand").
    for entry in ENTRIES:
        capitalised = {fold_key(n) for n in entry["names"] if n[:1].isupper()}
        for name in entry["names"]:
            if name[:1].islower():
                assert (
                    fold_key(name) in capitalised
                    or any(c.isupper() for c in name)
                    or len(name.split()) >= 3
                ), name


def test_no_name_is_a_stop_word_of_the_seven_languages():
    # spaCy's stop-word lists: the small words a gazetteer entry would find in every text
    stop_words = {
        fold_key(w)
        for lang in ("fr", "en", "es", "pt", "de", "it", "nl")
        for w in importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS
    }
    names = [name for entry in ENTRIES for name in entry["names"]]
    assert [n for n in names if fold_key(n) in stop_words] == []


def test_acronyms_match_only_in_capitals():
    es = lexicon_for("es").organizations
    text = fold("Un día después, la Fgr y el fgr no son la FGR.")
    found = [text[m.start : m.end] for m in es.find(text)]
    assert found == ["FGR"]


def test_law_enforcement_agencies_have_a_country_or_are_international():
    for entry in ENTRIES:
        if entry.get("law_enforcement") and "country" not in entry:
            assert entry["canonical"] in {
                "International Criminal Court",
                "EPPO",
                "OLAF",
                "Frontex",
                "UNODC",
                "Interpol",
                "Europol",
                "EMPACT",
                "Eurojust",
                "European Court of Human Rights",
            }, entry


EXAMPLES = {
    "fr": (
        "Les enquêteurs du Bundeskriminalamt ont interpellé le suspect à Francfort, selon "
        "le parquet.",
        "Bundeskriminalamt",
        "DE",
    ),
    "en": (
        "Agents of Homeland Security Investigations seized 400 kilos of cocaine in the port "
        "of Miami on Tuesday.",
        "Homeland Security Investigations",
        "US",
    ),
    "es": (
        "La Policía Federal Ministerial detuvo en Culiacán a un operador financiero del "
        "Cártel de Sinaloa.",
        "Policía Federal Ministerial",
        "MX",
    ),
    "pt": (
        "A Audiencia Nacional autorizou a entrega do suspeito, detido em Madrid no mês passado.",
        "Audiencia Nacional",
        "ES",
    ),
    "de": (
        "Die Koninklijke Marechaussee nahm den Mann am Flughafen Schiphol fest, wie die "
        "Behörde mitteilte.",
        "Koninklijke Marechaussee",
        "NL",
    ),
    "it": (
        "Gli agenti della Koninklijke Marechaussee hanno fermato il latitante all'aeroporto "
        "di Schiphol.",
        "Koninklijke Marechaussee",
        "NL",
    ),
    "nl": (
        "Het Bundeskriminalamt heeft in Wiesbaden drie verdachten aangehouden, meldt de "
        "Duitse krant.",
        "Bundeskriminalamt",
        "DE",
    ),
}


@pytest.mark.parametrize("lang", sorted(EXAMPLES))
def test_an_agency_is_found_with_its_country(lang):
    text, canonical, country = EXAMPLES[lang]
    result = _enrich(text)
    assert result.language.code == lang
    assert _orgs(result).get(canonical) == country


CRIMINAL_GROUPS = {
    "fr": ("Selon la DGSI, le suspect avait prêté allégeance à l'État islamique.", "Islamic State"),
    "en": ("The Hells Angels chapter was banned by the court in Amsterdam.", "Hells Angels"),
    "es": ("El Clan del Golfo controla las rutas de la cocaína hacia el Caribe.", "Clan del Golfo"),
    "pt": ("O Comando Vermelho disputa o controle das favelas com milícias.", "Comando Vermelho"),
    "de": ("Der Mann soll für den Islamischen Staat gekämpft haben.", "Islamic State"),
    "it": ("Le Brigate Rosse rivendicarono il sequestro con un comunicato.", "Brigate Rosse"),
    "nl": ("De Mocro Mafia wordt verantwoordelijk gehouden voor de moord.", "Mocro Maffia"),
}


@pytest.mark.parametrize("lang", sorted(CRIMINAL_GROUPS))
def test_a_criminal_group_is_an_organisation_without_a_country(lang):
    text, canonical = CRIMINAL_GROUPS[lang]
    orgs = _orgs(_enrich(text))
    assert canonical in orgs and orgs[canonical] is None


JOINT_OPERATIONS = {
    "fr": "Les enquêteurs de la Guardia di Finanza et du Bundeskriminalamt ont arrêté six "
    "suspects lundi.",
    "en": "Officers of the Guardia di Finanza and the Bundeskriminalamt arrested six suspects "
    "on Monday.",
    "es": "Agentes de la Guardia di Finanza y del Bundeskriminalamt detuvieron el lunes a seis "
    "sospechosos.",
    "pt": "Agentes da Guardia di Finanza e do Bundeskriminalamt prenderam seis suspeitos na "
    "segunda-feira.",
    "de": "Beamte der Guardia di Finanza und des Bundeskriminalamts nahmen am Montag sechs "
    "Verdächtige fest.",
    "it": "Gli agenti della Guardia di Finanza e del Bundeskriminalamt hanno arrestato lunedì "
    "sei sospettati.",
    "nl": "Agenten van de Guardia di Finanza en het Bundeskriminalamt hebben maandag zes "
    "verdachten aangehouden.",
}


@pytest.mark.parametrize("lang", sorted(JOINT_OPERATIONS))
def test_two_national_forces_at_work_make_their_countries_partners(lang):
    assert _pairs(_enrich(JOINT_OPERATIONS[lang])) == {("DE", "IT")}


def test_security_services_named_in_war_news_make_no_pair():
    # The FSB and the SBU are not flagged law enforcement: an arrest of one side's agents by
    # the other is no joint operation.
    result = _enrich(
        "The SBU said on Tuesday it had detained two men accused of spying for the FSB in "
        "the Kharkiv region."
    )
    assert _orgs(result).get("SBU") == "UA"
    assert _pairs(result) == set()


def test_the_language_file_keeps_its_meaning():
    # es.json calls it "Corte Penal Internacional"; agencies.json's spelling is not added twice
    es = lexicon_for("es").organizations
    text = fold("el Tribunal Penal Internacional")
    found = es.find(text, overlapping=True)
    assert [m.payload.canonical for m in found] == ["Corte Penal Internacional"]
    # a name a language file gives another country stays that country's
    lex = Lexicon(language="xx")
    _add_agencies(lex, [{"canonical": "Other", "names": ["Bundesgericht"], "country": "DE"}])
    assert lex.organizations.find(fold("das Bundesgericht in Lausanne")) == []
    # names several countries use are entities, never partners
    fr = lexicon_for("fr").organizations
    (match,) = fr.find(fold("la Cour de cassation"))
    assert match.payload.country is None and not match.payload.law_enforcement
