"""Enrichment behaviour pinned on the project's own labelled samples and short texts."""

from __future__ import annotations

import pytest

from processors.enrichment import Enricher
from processors.enrichment.lexicon import available_languages, lexicon_for, load_data
from processors.enrichment.taxonomy import TOPIC_IDS
from schemas import EntityType, RawArticle
from tests.labelled_samples import cooperating, labelled, negatives

ENRICHER = Enricher()


def _enrich(text: str, title: str | None = None):
    return ENRICHER.enrich(RawArticle.model_validate({"text": text, "title": title}))


@pytest.fixture(scope="module")
def enriched() -> dict:
    articles = [RawArticle.model_validate(o) for o in labelled()]
    return {a.id: a for a in ENRICHER.enrich_many(articles)}


@pytest.mark.parametrize("sample", cooperating(), ids=lambda o: o["id"])
def test_cooperating_samples_give_their_pairs_and_topics(sample, enriched):
    result = enriched[sample["id"]]
    pairs = sorted(list(p.countries) for p in result.cooperation.pairs)
    assert pairs == sorted(sorted(p) for p in sample["labels"]["cooperation_pairs"])
    found = {t.id for t in result.cooperation.topics}
    expected = set(sample["labels"]["topics"])
    assert len(found & expected) >= 0.5 * len(expected), (found, expected)
    # One topic beyond the sample's labels is tolerated (topics come from the whole article
    # once it reports cooperation); the real-news gates in test_quality.py bound precision.
    assert len(found - expected) <= 1, found - expected
    assert result.cooperation.score > 0
    for pair in result.cooperation.pairs:
        assert pair.topics and set(pair.topics) <= found and pair.evidence


@pytest.mark.parametrize("sample", negatives(), ids=lambda o: o["id"])
def test_sport_and_business_news_yield_no_cooperation(sample, enriched):
    cooperation = enriched[sample["id"]].cooperation
    assert cooperation.score == 0.0
    assert cooperation.topics == [] and cooperation.pairs == []


@pytest.mark.parametrize("sample", labelled(), ids=lambda o: o["id"])
def test_no_country_is_invented(sample, enriched):
    assert set(enriched[sample["id"]].countries) <= set(sample["labels"]["countries"])


def test_third_countries_as_victim_or_location_are_not_partners(enriched):
    result = enriched["sample-en-be-us-war-crimes"]
    assert [p.countries for p in result.cooperation.pairs] == [("BE", "US")]
    assert {"RU", "UA"} <= set(result.countries)
    topics = set(result.cooperation.pairs[0].topics)
    assert {"war_crimes", "terrorism", "drug_trafficking", "information_sharing"} <= topics


def test_french_version_of_victim_and_location():
    result = _enrich(
        "La Belgique et les Etats-Unis renforcent leur coopération judiciaire. Les deux pays "
        "enquêteront ensemble sur les crimes de guerre commis par la Russie en Ukraine."
    )
    assert [p.countries for p in result.cooperation.pairs] == [("BE", "US")]
    assert "war_crimes" in result.cooperation.pairs[0].topics


def test_counterpart_in_the_next_sentence_makes_a_pair():
    result = _enrich(
        "Le ministre belge de la Justice était mercredi à Washington pour parler de terrorisme. "
        "Il y a rencontré son homologue américain pour renforcer la coopération policière."
    )
    assert [p.countries for p in result.cooperation.pairs] == [("BE", "US")]


def test_every_country_mention_carries_its_iso_code():
    result = _enrich(
        "Les Etats-Unis et la Belgique coopèrent. Les USA saluent la police belge. "
        "Washington et Bruxelles veulent aller plus loin avec les autorités américaines."
    )
    assert result.countries == ["BE", "US"]
    locs = {e.text: e.country for e in result.entities if e.type == EntityType.LOC}
    assert locs["Etats-Unis"] == "US" or locs.get("USA") == "US"
    assert locs["Washington"] == "US" and locs["Bruxelles"] == "BE"
    dutch = _enrich("De Amerikaanse en Belgische politie werken samen tegen drugssmokkel.")
    assert dutch.countries == ["BE", "US"]


def test_short_and_full_names_are_one_person_with_the_total_count():
    result = _enrich(
        "Le ministre de la Justice Vincent Van Quickenborne était à Washington. "
        "M. Van Quickenborne a rencontré le directeur du FBI. Van Quickenborne a salué l'accord."
    )
    persons = [e for e in result.entities if e.type == EntityType.PERSON]
    assert [(p.canonical, p.count) for p in persons] == [("Vincent Van Quickenborne", 3)]


def test_known_statistical_mistakes_are_repaired():
    result = _enrich(
        "Le ministre belge de la Justice a rencontré à Washington l'administratrice de "
        "l'Agence américaine de lutte contre la drogue (DEA). Les Américains et le Belge ont "
        "parlé de coopération contre le trafic de drogue."
    )
    names = {(e.canonical, e.type) for e in result.entities}
    assert ("Justice", EntityType.LOC) not in names
    assert not any(e.canonical in {"Américains", "Belge"} for e in result.entities)
    assert ("DEA", EntityType.ORG) in names
    assert "US" in result.countries and "BE" in result.countries


def test_titled_persons_are_found_without_a_statistical_model():
    result = _enrich(
        "Innenminister Gerhard Karner und Bundesinnenminister Alexander Dobrindt trafen sich "
        'in Wien. "Wir arbeiten zusammen", sagte Karner.'
    )
    persons = {e.canonical: e.count for e in result.entities if e.type == EntityType.PERSON}
    assert persons == {"Gerhard Karner": 2, "Alexander Dobrindt": 1}


def test_walking_skeleton_sample_keeps_its_persons(enriched):
    persons = {
        e.canonical
        for e in enriched["sample-fr-be-fr-police"].entities
        if e.type == EntityType.PERSON
    }
    assert {"Gérald Darmanin", "Annelies Verlinden"} <= persons


def test_topic_taxonomy_is_exactly_the_agreed_ids():
    assert set(TOPIC_IDS) == {
        "organized_crime", "drug_trafficking", "terrorism", "war_crimes", "cybercrime",
        "human_trafficking", "money_laundering", "corruption", "migration_border",
        "extradition_legal_assistance", "information_sharing", "arms_trafficking", "fraud",
        "law_enforcement",
    }  # fmt: skip


def test_language_files_share_one_shape_and_cover_every_topic():
    languages = available_languages()
    assert {"fr", "nl", "en", "de"} <= set(languages)
    shapes = {lang: set(load_data(lang)) for lang in [*languages, "mul"]}
    assert len({frozenset(s) for s in shapes.values()}) == 1, shapes
    for lang in languages:
        assert set(load_data(lang)["topics"]) == set(TOPIC_IDS), lang


def test_gazetteers_are_built_once_per_language():
    assert lexicon_for("fr") is lexicon_for("fr")
    assert lexicon_for("fr").places is lexicon_for("fr").places


def test_joint_action_of_two_police_forces_and_requests_between_justices_are_pairs():
    result = _enrich(
        "Des enquêteurs belges et néerlandais ont démantelé un laboratoire de drogue. "
        "La Belgique a signé avec le Maroc un accord contre le trafic de cocaïne. "
        "A la demande de la justice belge, la police espagnole a exécuté un mandat d'arrêt "
        "européen contre un trafiquant."
    )
    pairs = {p.countries for p in result.cooperation.pairs}
    assert pairs == {("BE", "NL"), ("BE", "MA"), ("BE", "ES")}


@pytest.mark.parametrize(
    "text",
    [
        "La France et l'Allemagne ont signé un match nul 1-1 samedi soir à Paris.",
        "Russia and Ukraine accused each other of war crimes on Tuesday.",
        "Les migrants venus de Syrie et d'Afghanistan ont été accueillis en Allemagne.",
        "Die Polizei in Berlin ermittelt gegen Drogenhändler aus den Niederlanden.",
        "De politie van Antwerpen heeft een drugsbende opgerold; 'We zijn het eens', zei de "
        "burgemeester.",
    ],
)
def test_co_mentioned_countries_without_cooperation_make_no_pair(text):
    assert _enrich(text).cooperation.pairs == []


def test_domestic_crime_news_has_no_cooperation_topics():
    result = _enrich(
        "La police de Charleroi a démantelé un réseau de trafic de drogue. Le parquet a ouvert "
        "une enquête. « Nous sommes d'accord avec les riverains », a dit le bourgmestre."
    )
    assert result.cooperation.score == 0.0 and result.cooperation.topics == []


def test_long_bodies_are_analysed_up_to_a_bound():
    from processors.enrichment.pipeline import full_text

    paragraph = "La police belge et la police française coopèrent contre la drogue.\n"
    body = paragraph * 40 + "Le Portugal est cité ici seulement."
    small = Enricher(analysis_max_chars=len(paragraph) * 10)
    article = RawArticle.model_validate({"text": body, "title": "Titre"})
    assert len(full_text(article, small.analysis_max_chars)) <= len(paragraph) * 10 + 7
    result = small.enrich(article)
    assert result.countries == ["BE", "FR"]  # the tail past the bound is not read
    assert [p.countries for p in result.cooperation.pairs] == [("BE", "FR")]
    assert "PT" in ENRICHER.enrich(article).countries


def test_an_officials_visit_pairs_the_officials_country_with_the_country_visited():
    result = _enrich(
        "Le ministre belge de la Justice a défendu jeudi son plan contre le trafic de drogue. "
        "Il s'est rendu ensuite aux Emirats arabes unis pour signer un traité d'extradition."
    )
    assert [p.countries for p in result.cooperation.pairs] == [("AE", "BE")]


def test_extradition_to_a_country_makes_it_a_party():
    result = _enrich("La Belgique a extradé vers les Pays-Bas un trafiquant de drogue présumé.")
    assert [p.countries for p in result.cooperation.pairs] == [("BE", "NL")]


def test_an_international_agency_makes_an_operation_cooperation():
    result = _enrich(
        "Europol et la police belge ont démantelé un réseau de traite d'êtres humains qui "
        "exploitait des femmes originaires du Nigeria et de Roumanie."
    )
    assert {t.id for t in result.cooperation.topics} == {"human_trafficking", "law_enforcement"}
    assert result.cooperation.pairs == []  # countries of origin are no parties
