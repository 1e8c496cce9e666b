"""The seven first-class languages: every cooperation rule shown in the language it serves.

Each case is a short text in the style of real reporting; the checks are on the public
contract (pairs, tensions, entities), so a rule that stops working in one language fails here.
"""

from __future__ import annotations

import pytest

from processors.enrichment import Enricher
from processors.enrichment.lexicon import available_languages
from schemas import EntityType, RawArticle

ENRICHER = Enricher()
LANGUAGES = ("fr", "en", "es", "pt", "de", "it", "nl")


def _enrich(text: str):
    return ENRICHER.enrich(RawArticle.model_validate({"text": text}))


def _pairs(result) -> set[tuple[str, str]]:
    return {tuple(p.countries) for p in result.cooperation.pairs}


def _persons(result) -> set[str]:
    return {e.canonical for e in result.entities if e.type == EntityType.PERSON}


def _organisations(text: str) -> set[str]:
    return {e.canonical for e in _enrich(text).entities if e.type == EntityType.ORG}


def test_every_first_class_language_has_its_data_file():
    assert set(LANGUAGES) <= set(available_languages())


HANDOVERS = {
    "fr": "Un trafiquant de drogue français détenu en Belgique a été extradé vendredi vers la "
    "France, où un juge d'instruction l'a interrogé sur un trafic de cocaïne.",
    "en": "A former leader of the Gulf Cartel held in Mexico was extradited to the United States "
    "on Monday to face drug trafficking charges, the Justice Department said.",
    "es": "El Gobierno de México extraditó a España a un narcotraficante acusado de "
    "transportar cocaína oculta en contenedores de piña hasta puertos españoles.",
    "pt": "O traficante preso pela Polícia Federal no Brasil foi extraditado para Portugal, onde "
    "responde por tráfico de cocaína e lavagem de dinheiro.",
    "de": "Der in Spanien festgenommene Mann wurde aufgrund eines Europäischen Haftbefehls an "
    "Deutschland ausgeliefert, teilte die Staatsanwaltschaft Dortmund mit.",
    "it": "Il latitante arrestato in Cile è stato estradato in Italia, dove deve scontare una "
    "condanna per traffico internazionale di cocaina.",
    "nl": "De man die in Duitsland werd opgepakt, is op basis van een Europees "
    "aanhoudingsbevel uitgeleverd aan Nederland wegens terrorisme.",
}
HANDOVER_PAIRS = {
    "fr": ("BE", "FR"),
    "en": ("MX", "US"),
    "es": ("ES", "MX"),
    "pt": ("BR", "PT"),
    "de": ("DE", "ES"),
    "it": ("CL", "IT"),
    "nl": ("DE", "NL"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_hand_over_pairs_the_holding_and_the_requesting_country(lang):
    result = _enrich(HANDOVERS[lang])
    assert result.language.code == lang
    assert HANDOVER_PAIRS[lang] in _pairs(result)
    assert "extradition_legal_assistance" in {t.id for t in result.cooperation.topics}


MULTILATERAL = {
    "fr": "L'opération a été menée en coopération avec les autorités policières et judiciaires "
    "de la France, du Royaume-Uni, de l'Allemagne et des Pays-Bas contre un réseau de "
    "rançongiciels.",
    "en": "The coordinated police raids against the ransomware gang took place in Germany, the "
    "Netherlands, France and Denmark, Europol said.",
    "es": "En la operación policial contra el fraude intervinieron autoridades de Canadá, "
    "Dinamarca, Francia y Alemania, según Europol.",
    "pt": "A operação conjunta contra o tráfico de droga envolveu as polícias de Espanha, "
    "França, Itália e Portugal, com o apoio da Europol.",
    "de": "An der Aktion gegen die Schleuserbande beteiligten sich Polizeibehörden aus "
    "Frankreich, Belgien, Polen und Deutschland, teilte Eurojust mit.",
    "it": "L'operazione congiunta contro il traffico di droga ha coinvolto le polizie di "
    "Spagna, Francia, Germania e Italia, con il coordinamento di Eurojust.",
    "nl": "Bij de gezamenlijke actie tegen mensensmokkel werkte de politie samen met diensten "
    "in Frankrijk, België, Duitsland en Spanje, meldt Europol.",
}
MULTILATERAL_COUNTRIES = {
    "fr": {"FR", "GB", "DE", "NL"},
    "en": {"DE", "NL", "FR", "DK"},
    "es": {"CA", "DK", "FR", "DE"},
    "pt": {"ES", "FR", "IT", "PT"},
    "de": {"FR", "BE", "PL", "DE"},
    "it": {"ES", "FR", "DE", "IT"},
    "nl": {"FR", "BE", "DE", "ES"},
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_multilateral_operation_gives_every_pair(lang):
    result = _enrich(MULTILATERAL[lang])
    countries = sorted(MULTILATERAL_COUNTRIES[lang])
    expected = {(a, b) for i, a in enumerate(countries) for b in countries[i + 1 :]}
    assert expected <= _pairs(result), expected - _pairs(result)


REFUSALS = {
    "fr": "Le Maroc a suspendu sa coopération judiciaire avec la France après la convocation de "
    "son chef du renseignement par un juge parisien.",
    "en": "Pakistan has suspended its intelligence cooperation with the United States on "
    "counter-terrorism after the raid.",
    "es": "Argelia suspendió el tratado de cooperación con España y llamó a consultas a su "
    "embajador en Madrid.",
    "pt": "O Brasil recusou o pedido de extradição apresentado por Portugal contra o empresário "
    "acusado de corrupção.",
    "de": "Die Schweiz hat die Rechtshilfe an Russland in Strafsachen ausgesetzt.",
    "it": "La Francia ha rifiutato l'estradizione in Italia degli ex brigatisti condannati per "
    "terrorismo.",
    "nl": "Nederland heeft de samenwerking met Turkije bij uitleveringen opgeschort.",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_refused_or_suspended_cooperation_is_a_tension_not_a_pair(lang):
    result = _enrich(REFUSALS[lang])
    assert result.cooperation.pairs == []
    assert result.cooperation.topics == []
    assert result.cooperation.tensions, "the refusal is recorded for consumers"
    tension = result.cooperation.tensions[0]
    assert len(tension.countries) >= 1
    assert result.text[tension.evidence_start : tension.evidence_end] == tension.evidence


RULE_PERSONS = {
    "es": (
        "La detención de Carlos Alberto Murillo Torres fue anunciada por la policía.",
        "Carlos Alberto Murillo Torres",
    ),
    "pt": (
        "A prisão de João Carlos Ferreira foi anunciada pela polícia em Lisboa.",
        "João Carlos Ferreira",
    ),
    "it": (
        "L'arresto di Giuseppe Rossi è stato annunciato dalla polizia di Napoli.",
        "Giuseppe Rossi",
    ),
    "de": (
        "Die Festnahme von Michael Schneider wurde am Montag von der Polizei gemeldet.",
        "Michael Schneider",
    ),
    "nl": (
        "De aanhouding van Pieter de Vries werd maandag door de politie bekendgemaakt.",
        "Pieter de Vries",
    ),
}


@pytest.mark.parametrize("lang", sorted(RULE_PERSONS))
def test_languages_without_a_statistical_pipeline_still_find_named_persons(lang):
    text, name = RULE_PERSONS[lang]
    result = _enrich(text + " " + text.replace(name, "").replace("  ", " "))
    assert name in _persons(result)


PERSON_COUNTRIES = {
    "fr": (
        "Le ministre français de l'Intérieur Gérald Darmanin a rencontré ses homologues.",
        "Gérald Darmanin",
        "FR",
    ),
    "es": (
        "La ministra belga de Justicia Annelies Verlinden firmó el acuerdo en Rabat.",
        "Annelies Verlinden",
        "BE",
    ),
    "de": (
        "Die österreichische Justizministerin Alma Zadić traf ihren Amtskollegen in Berlin.",
        "Alma Zadić",
        "AT",
    ),
}


@pytest.mark.parametrize("lang", sorted(PERSON_COUNTRIES))
def test_a_person_gets_the_country_the_text_gives(lang):
    text, name, country = PERSON_COUNTRIES[lang]
    result = _enrich(text)
    persons = {e.canonical: e.country for e in result.entities if e.type == EntityType.PERSON}
    assert persons.get(name) == country


def test_countries_only_as_route_or_nationality_are_no_partners():
    result = _enrich(
        "La policía española detuvo en Algeciras a tres ciudadanos de Colombia, Ecuador y "
        "Perú con una tonelada de cocaína llegada de Ecuador."
    )
    assert not any("CO" in p or "PE" in p for p in _pairs(result))


def test_trade_cooperation_gives_no_pair():
    result = _enrich(
        "Deutschland und Katar wollen in Energiefragen dauerhaft zusammenarbeiten und haben "
        "ein Abkommen über Flüssiggas unterzeichnet."
    )
    assert result.cooperation.pairs == []


def test_evidence_offsets_point_into_the_text():
    result = ENRICHER.enrich(
        RawArticle.model_validate(
            {
                "title": "Belgique et France unies contre la drogue",
                "text": "Le sport d'abord. La Belgique et la France renforcent leur "
                "coopération policière contre le trafic de cocaïne.",
            }
        )
    )
    assert result.cooperation.pairs
    for finding in [*result.cooperation.pairs, *result.cooperation.topics]:
        if finding.evidence_start is None:
            assert finding.evidence in result.title
        else:
            assert result.text[finding.evidence_start : finding.evidence_end] == finding.evidence


PARTICIPANTS = {
    "fr": "Une opération de police contre un réseau de trafic de cocaïne a été coordonnée par "
    "Europol. Ont participé à l'action la Belgique, l'Espagne et les Pays-Bas.",
    "en": "Europol coordinated a police operation against a cocaine network. The arrests were "
    "made in Romania, Germany and Belgium.",
    "es": "Europol coordinó una operación policial contra el tráfico de cocaína. En la acción "
    "intervinieron autoridades de Canadá, Dinamarca y Francia.",
    "pt": "A Europol coordenou uma operação policial contra o tráfico de cocaína. Participaram "
    "na operação Portugal, Espanha e França.",
    "de": "Europol hat gemeinsam mit nationalen Polizeibehörden einen Schlag gegen den "
    "Drogenhandel geführt. Beteiligt waren auch die Schweiz, die USA und Kolumbien.",
    "it": "Europol ha coordinato un'operazione di polizia contro il traffico di cocaina. Hanno "
    "partecipato all'operazione Italia, Spagna e Francia.",
    "nl": "Europol coördineerde een politieactie tegen cocaïnesmokkel. De operatie werd "
    "uitgevoerd door diensten uit Nederland, Duitsland en Frankrijk.",
}
PARTICIPANT_COUNTRIES = {
    "fr": {"BE", "ES", "NL"},
    "en": {"RO", "DE", "BE"},
    "es": {"CA", "DK", "FR"},
    "pt": {"PT", "ES", "FR"},
    "de": {"CH", "US", "CO"},
    "it": {"IT", "ES", "FR"},
    "nl": {"NL", "DE", "FR"},
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_countries_said_to_take_part_in_a_police_operation_all_pair(lang):
    """The list sits in its own sentence, with no cooperation word of its own."""
    result = _enrich(PARTICIPANTS[lang])
    assert result.language.code == lang
    countries = sorted(PARTICIPANT_COUNTRIES[lang])
    expected = {(a, b) for i, a in enumerate(countries) for b in countries[i + 1 :]}
    assert _pairs(result) == expected


@pytest.mark.parametrize(
    "text",
    [
        # supply routes in an Italian police story: "partivano da", "transitava per"
        "La Gendarmeria francese e i Carabinieri hanno arrestato 46 persone in un'operazione "
        "congiunta. Secondo gli investigatori, i canali di rifornimento partivano da Belgio, "
        "Spagna e Paesi Bassi.",
        "La Guardia di Finanza e la polizia francese hanno collaborato nell'indagine. La cocaina "
        "transitava per il Costa Rica, Panama e la Repubblica Dominicana.",
    ],
)
def test_a_list_of_origins_or_transit_countries_takes_no_part(text):
    assert _pairs(_enrich(text)) == {("FR", "IT")}


def test_a_german_refusal_written_as_a_separable_verb_is_a_tension():
    result = _enrich(
        "Das Auswärtige Amt stimmt der Überstellung deutscher IS-Anhänger in die USA nicht zu. "
        "Die USA hatten Deutschland um Zustimmung zur Auslieferung gebeten."
    )
    assert _pairs(result) == set()
    assert {k for t in result.cooperation.tensions for k in t.countries} >= {"DE", "US"}


def test_german_agency_names_run_on_to_their_place_and_common_nouns_are_no_names():
    result = _enrich(
        "Die Ermittlungen führten das Landeskriminalamt Tirol und die "
        "Generalstaatsanwaltschaft Frankfurt am Main. Das Polizeipräsidium Köln und "
        "Spezialkräfte nahmen ihn fest, der Zoll fand Kokain. Das Bundesamt für Polizei "
        "teilte mit, die Staatsanwaltschaft ermittle. Die Staatsanwaltschaft Hamburg am Montag "
        "schwieg."
    )
    organizations = [e for e in result.entities if e.type == EntityType.ORG]
    assert {e.text for e in organizations} == {
        "Landeskriminalamt Tirol",
        "Generalstaatsanwaltschaft Frankfurt am Main",
        "Polizeipräsidium Köln",
        "Bundesamt für Polizei",
        "Staatsanwaltschaft Hamburg",
    }


def test_an_acronym_beside_its_full_name_is_one_entity_with_both_names():
    result = _enrich(
        "Wie das Bundeskriminalamt (BKA) mitteilte, arbeitete das BKA mit Europol zusammen."
    )
    bka = [e for e in result.entities if e.canonical == "Bundeskriminalamt"]
    assert len(bka) == 1
    assert {bka[0].canonical, bka[0].text, *bka[0].aliases} == {"Bundeskriminalamt", "BKA"}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "The Kremlin said it would not comment on the talks with Washington."),
        ("it", "Il Cremlino ha respinto le accuse di Washington sulla guerra."),
        ("de", "Der Kreml wies die Vorwürfe aus Washington zurück."),
    ],
)
def test_the_kremlin_stands_for_russia_and_is_no_organisation(lang, text):
    result = _enrich(text)
    assert "RU" in result.countries
    assert not [e for e in result.entities if e.type == EntityType.ORG]


def test_a_surname_tagged_as_an_organisation_is_the_person():
    result = _enrich(
        "France, winners of the 2018 tournament, crushed Kazakhstan 8-0 on Saturday night. "
        "Kylian Mbappe scored a hat-trick before half-time, and after the break Karim Benzema "
        "added two more while Adrien Rabiot, Antoine Griezmann and Mbappe once again completed "
        "the rout for Didier Deschamps' side."
    )
    organizations = {e.canonical for e in result.entities if e.type == EntityType.ORG}
    assert "Mbappe" not in organizations
    assert "Kylian Mbappe" in _persons(result)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "British and Spanish police dismantled a trafficking network. Large sums of cash "
            "were seized in the raids, the National Crime Agency and the Guardia Civil said.",
        ),
        (
            "de",
            "Deutsche und österreichische Ermittler haben ein Schleppernetzwerk zerschlagen. "
            "Dabei wurde Bargeld sichergestellt.",
        ),
        (
            "pt",
            "A Polícia Judiciária e a Guardia Civil desmantelaram uma rede de tráfico de droga. "
            "Foi apreendido dinheiro em numerário.",
        ),
    ],
)
def test_a_network_is_organised_crime_and_seized_cash_is_money_laundering(lang, text):
    topics = {t.id for t in _enrich(text).cooperation.topics}
    assert {"organized_crime", "money_laundering"} <= topics


def test_a_foreign_intelligence_tip_pairs_the_two_countries_and_a_suspects_trip_does_not():
    result = _enrich(
        "Die Polizei hat in Dinslaken einen Deutschen festgenommen, teilte der "
        "Generalbundesanwalt mit. Er sei 2013 nach Syrien gereist. Amerikanische Geheimdienste "
        "sollen Hinweise auf mögliche Anschläge in Deutschland übermittelt haben."
    )
    assert _pairs(result) == {("DE", "US")}
    assert "information_sharing" in {t.id for t in result.cooperation.topics}


def test_a_court_stopping_an_extradition_is_a_tension_of_its_own_country():
    result = _enrich(
        "Gericht stoppt Auslieferung nach Rumänien. Ein in Deutschland festgenommener Mann wird "
        "nicht an Rumänien ausgeliefert. Das Oberlandesgericht Stuttgart hat die Auslieferung "
        "für unzulässig erklärt; die rumänische Justiz hatte einen Europäischen Haftbefehl "
        "übermittelt."
    )
    assert _pairs(result) == set()
    assert any(set(t.countries) == {"DE", "RO"} for t in result.cooperation.tensions)


@pytest.mark.parametrize(
    "text, codes",
    [
        ("Die Festnahmen erfolgten in den Niederlanden und in Belgien.", {"NL", "BE"}),
        ("Die US-Behörden hatten die Auslieferung beantragt.", {"US"}),
        ("Das Gericht in London lieferte ihn an die Vereinigten Staaten aus.", {"US"}),
    ],
)
def test_german_inflected_and_compound_country_names_are_countries(text, codes):
    assert codes <= set(_enrich(text).countries)


def test_a_count_before_each_country_keeps_the_list_together():
    result = _enrich(
        "Europol et Eurojust ont coordonné une opération internationale contre un réseau de "
        "trafic de drogue. Les arrestations se répartissent ainsi : neuf en République "
        "tchèque, neuf en France, sept en Lituanie et deux en Norvège."
    )
    assert _pairs(result) >= {("CZ", "FR"), ("CZ", "LT"), ("FR", "NO"), ("LT", "NO")}


@pytest.mark.parametrize(
    "text, pairs, refused",
    [
        (
            "Si è chiuso un caso di cooperazione internazionale di polizia: un pregiudicato, di "
            "cui non sono state diffuse le generalità, è stato estradato in Italia dalla "
            "Germania su mandato d'arresto europeo.",
            {("DE", "IT")},
            False,
        ),
        (
            "La Corte d'appello ha deciso che il cittadino tunisino non sarà estradato in "
            "Tunisia: l'Italia respinge la richiesta.",
            set(),
            True,
        ),
        (
            "L'uomo ucciso era stato bruciato in un deposito di rifiuti; il presunto autore è "
            "stato estradato in Italia dalla Francia su mandato d'arresto europeo.",
            {("FR", "IT")},
            False,
        ),
    ],
)
def test_a_negation_counts_only_next_to_the_extradition_and_waste_is_no_refusal(
    text, pairs, refused
):
    result = _enrich(text)
    assert _pairs(result) == pairs
    assert bool(result.cooperation.tensions) == refused


def test_a_hand_over_has_the_articles_own_authorities_at_its_other_end():
    result = _enrich(
        "De Verenigde Staten hebben een 49-jarige Nederlander uitgeleverd die wordt gezien als "
        "de hoofdverdachte in een groot witwasonderzoek. De man is zaterdag aangekomen, meldt "
        "het Openbaar Ministerie."
    )
    assert _pairs(result) == {("NL", "US")}


def test_where_a_network_has_branches_is_no_list_of_participants():
    result = _enrich(
        "La Policía Nacional, en una operación conjunta con la Policía Nacional francesa y el "
        "respaldo de Europol, ha desarticulado una red de tráfico de migrantes con "
        "ramificaciones en España, Francia, Bélgica y Reino Unido."
    )
    assert _pairs(result) == {("ES", "FR")}


def test_both_countries_are_the_two_the_article_names():
    result = _enrich(
        "Die spanische Nationalpolizei hat auf Mallorca einen gesuchten Deutschen festgenommen. "
        "In Deutschland drohen ihm 15 Jahre Haft. Europol brachte die Polizeibehörden beider "
        "Länder zusammen."
    )
    assert _pairs(result) == {("DE", "ES")}


def test_a_separable_verb_of_working_together_is_a_cooperation_cue():
    result = _enrich(
        "Deutschland und Polen arbeiten beim Kampf gegen Drogenschmuggel enger zusammen."
    )
    assert _pairs(result) == {("DE", "PL")}


@pytest.mark.parametrize(
    "text, names",
    [
        (
            "Innenministerin Nancy Faeser (SPD) sagte dem Spiegel, die CDU blockiere die Reform.",
            {"SPD", "CDU"},
        ),
    ],
)
def test_parties_media_and_companies_are_organisations(text, names):
    orgs = _organisations(text)
    assert names <= orgs, orgs


@pytest.mark.parametrize(
    "lang, text",
    [
        (
            "de",
            "Das Bayerische Landeskriminalamt hat mit dem FBI eine Erpressergruppe zerschlagen. "
            "Die meisten Geschädigten saßen in den USA; im Lauf der Ermittlungen kamen 43 "
            "weitere Firmen hinzu, unter anderem in Argentinien, Australien, Belgien, Brasilien "
            "und Kanada.",
        ),
        (
            "es",
            "La Policía Nacional y la Policía de Rumanía han desarticulado con Europol una red "
            "de estafas. Según la investigación de la Policía Nacional, detrás había una "
            "estructura de unos 30 ciberdelincuentes que actuaba en Alemania, España, Suiza, "
            "Portugal y Grecia.",
        ),
    ],
)
def test_a_list_of_where_victims_or_a_gang_were_is_no_list_of_participants(lang, text):
    pairs = _pairs(_enrich(text))
    assert pairs and all("AR" not in p and "CH" not in p for p in pairs)


def test_the_clause_of_a_list_names_its_police_work():
    result = _enrich(
        "Europol hat eine internationale Operation gegen Drogenhändler koordiniert. Im Rahmen "
        "der Polizeiaktion wurden in der Nacht zum Freitag in Deutschland, Spanien und den "
        "Niederlanden fünf Verdächtige festgenommen."
    )
    assert _pairs(result) == {("DE", "ES"), ("DE", "NL"), ("ES", "NL")}


def test_a_gangs_nationality_is_no_authority():
    result = _enrich(
        "La Audiencia de Huesca ha impuesto 36 años de prisión a los seis integrantes de la "
        "banda albanesa que la Guardia Civil desarticuló en 2018."
    )
    assert _pairs(result) == set()


def test_spying_for_another_country_is_no_cooperation():
    result = _enrich(
        "A Moscow military court jailed a retired colonel for 13 years for spying for "
        "British intelligence, prosecutors said."
    )
    assert _pairs(result) == set()


def test_a_german_refusal_to_hand_over_written_around_the_verb_is_a_tension():
    result = _enrich(
        "Polen liefert Verdächtigen nicht an Deutschland aus. Der Mann war in Polen "
        "festgenommen worden, weil Deutschland ihn mit einem Europäischen Haftbefehl suchte."
    )
    assert _pairs(result) == set()
    assert result.cooperation.tensions


@pytest.mark.parametrize(
    "text, pair",
    [
        (
            "Sri Lanka has begun transferring nine Indian prisoners serving life sentences back "
            "to India to finish their sentences at home, a prisons official said.",
            ("IN", "LK"),
        ),
        (
            "Nederland heeft de terreurverdachte overgedragen aan Frankrijk. Hij werd in maart in "
            "Rotterdam aangehouden.",
            ("FR", "NL"),
        ),
    ],
)
def test_prisoner_transfers_and_surrenders_are_hand_overs(text, pair):
    result = _enrich(text)
    assert pair in _pairs(result)
    assert "extradition_legal_assistance" in {t.id for t in result.cooperation.topics}


def test_a_dutch_separable_hand_over_and_an_objection_to_an_extradition():
    handed = _enrich(
        "De Nederlandse politie heeft in Schiedam een Belgische terreurverdachte aangehouden. De "
        "Belgische justitie heeft Nederland inmiddels gevraagd hem over te leveren."
    )
    assert _pairs(handed) == {("BE", "NL")}
    objected = _enrich(
        "Nederland heeft bezwaar gemaakt tegen de uitlevering van een Nederlander die in Spanje "
        "werd opgepakt op verzoek van Marokko."
    )
    assert ("MA", "NL") not in _pairs(objected)
    assert objected.cooperation.tensions


@pytest.mark.parametrize(
    "lang, text, size",
    [
        (
            "de",
            "Europol hat eine Operation gegen Kinderpornografie koordiniert. Die Zugriffe "
            "erfolgten bereits Ende März in 15 Ländern, unter ihnen Argentinien, Mexiko, "
            "Kolumbien, Peru, Deutschland und Spanien.",
            6,
        ),
        (
            "en",
            "Europol coordinated an operation against migrant smugglers. The action brought "
            "together officers from Austria, Bulgaria, Croatia, the former Yugoslav Republic of "
            "Macedonia, Germany and Hungary.",
            6,
        ),
        (
            "fr",
            "Europol a coordonné l'opération contre le trafic de drogue. Baptisée DarkHunTOR, "
            "l'opération a pris la forme d'une série d'actions distinctes mais complémentaires "
            "conduites en Australie, en Bulgarie, en France, en Allemagne et en Italie.",
            5,
        ),
    ],
)
def test_an_operations_action_days_in_listed_countries_pair_them_all(lang, text, size):
    pairs = _pairs(_enrich(text))
    assert len(pairs) == size * (size - 1) // 2, pairs


def test_a_numbered_court_keeps_its_number():
    orgs = _organisations(
        "El Juzgado Central de Instrucción número 6 de la Audiencia Nacional ordenó su "
        "ingreso en prisión; el Juzgado de lo Penal número 3 de Huelva lo había condenado."
    )
    assert "Juzgado Central de Instrucción número 6" in orgs
    assert "Juzgado de lo Penal número 3 de Huelva" in orgs


def test_a_local_unit_is_named_with_its_place_and_a_national_force_is_not():
    orgs = _organisations(
        "Gli agenti della Squadra Mobile della Questura di Bolzano e la Polizia di Stato di "
        "Trento hanno arrestato tre uomini; la Procura della Repubblica presso il Tribunale di "
        "Roma e la Corte d'Appello di Milano hanno chiesto la convalida, il ROS dei Carabinieri "
        "e la DIGOS della Polizia di Stato hanno perquisito le loro case."
    )
    assert "Squadra Mobile della Questura di Bolzano" in orgs
    assert "Procura della Repubblica presso il Tribunale di Roma" in orgs
    assert "Corte d'Appello di Milano" in orgs
    assert "Polizia di Stato" in orgs and "Polizia di Stato di Trento" not in orgs
    assert "ROS dei Carabinieri" in orgs  # Italian units are named with their corps
    assert "DIGOS" in orgs and "DIGOS della Polizia di Stato" not in orgs  # two bodies


@pytest.mark.parametrize(
    "text",
    [
        "A York pensioner has won his fight against being extradited from the UK to Spain, where "
        "prosecutors accuse him of fraud; the Spanish police arrested his partner in 2018.",
        "La Audiencia Nacional dejará sin efecto las euroórdenes de Alemania. La policía "
        "española había detenido a los reclamados por la justicia alemana.",
        "Niente estradizione in Turchia per un trafficante: la polizia italiana lo aveva "
        "arrestato su richiesta delle autorità turche.",
        "Keine Auslieferung an die Türkei: die deutsche Polizei hatte den Mann auf Ersuchen der "
        "türkischen Behörden festgenommen.",
    ],
)
def test_a_headline_refusal_leaves_the_whole_article_without_that_pair(text):
    result = _enrich(text)
    assert result.cooperation.pairs == [], result.cooperation.pairs
    assert result.cooperation.tensions


def test_a_demonym_or_city_beside_an_agency_gives_its_country_for_the_whole_article():
    result = _enrich(
        "Das österreichische Bundeskriminalamt hat eng mit der italienischen Polizei "
        "zusammengearbeitet. Das Bundeskriminalamt und das Landeskriminalamt Wien nahmen den "
        "Mann gemeinsam mit den italienischen Ermittlern fest."
    )
    assert _pairs(result) == {("AT", "IT")}


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("La squadra investigativa comune italo-tedesca ha arrestato tre uomini.", ("DE", "IT")),
        ("Une équipe commune d'enquête franco-belge a arrêté trois hommes.", ("BE", "FR")),
        ("El equipo conjunto hispano-marroquí detuvo a tres hombres.", ("ES", "MA")),
    ],
)
def test_two_nationalities_joined_in_one_adjective_of_a_joint_team_are_a_pair(text, pair):
    assert _pairs(_enrich(text)) == {pair}


def test_two_joined_nationalities_of_a_person_or_a_border_are_no_pair():
    result = _enrich(
        "Les policiers ont arrêté le milliardaire russo-canadien à la frontière franco-espagnole."
    )
    assert {"CA", "ES", "FR", "RU"} <= set(result.countries)
    assert _pairs(result) == set()


def test_a_country_short_name_before_a_body_is_part_of_its_name():
    result = _enrich(
        "He was charged in U.S. District Court in Miami after U.S. Customs and Border "
        "Protection officers stopped him; Britain asked for his extradition."
    )
    orgs = {e.text for e in result.entities if e.type == EntityType.ORG}
    assert {"U.S. District Court", "U.S. Customs and Border Protection"} <= orgs
    assert "US" in result.countries


def test_an_office_named_by_its_place_is_an_organisation():
    result = _enrich(
        "The Paris prosecutor's office said the Public Prosecutor's Office in Marseille had "
        "asked the DIICOT prosecutor's office in Romania for help; the prosecutor's office "
        "declined to comment."
    )
    orgs = {e.text for e in result.entities if e.type == EntityType.ORG}
    assert {"Paris prosecutor's office", "Public Prosecutor's Office in Marseille"} <= orgs
    assert "DIICOT" in orgs and "prosecutor's office" not in orgs


def test_a_body_two_countries_name_alike_is_the_one_the_article_names():
    vienna = _enrich(
        "Das Bundeskriminalamt hat in Wien gemeinsam mit der lettischen Polizei ein "
        "Betrugsnetzwerk zerschlagen; in Österreich und Lettland gab es Festnahmen."
    )
    assert _pairs(vienna) == {("AT", "LV")}
    berlin = _enrich(
        "Das Bundeskriminalamt hat gemeinsam mit der lettischen Polizei ein Betrugsnetzwerk "
        "zerschlagen; in Deutschland und Lettland gab es Festnahmen."
    )
    assert _pairs(berlin) == {("DE", "LV")}


@pytest.mark.parametrize(
    "text",
    [
        "Vito Rizzuto extradé aux États-Unis. La Cour suprême du Canada a refusé d'examiner son "
        "dernier appel, et la police l'a remis aux autorités américaines.",
        "The High Court rejected his appeal against extradition, and Spain's police flew him "
        "from London to Madrid on a European arrest warrant.",
    ],
)
def test_a_court_turning_down_the_defendant_is_no_refusal_between_countries(text):
    result = _enrich(text)
    assert _pairs(result), result.cooperation
    assert result.cooperation.tensions == []


@pytest.mark.parametrize(
    "text",
    [
        "On the action day, police in Spain and Portugal arrested five suspects together, and "
        "assets worth 10 million euros were frozen.",
        "Die spanische und die portugiesische Polizei nahmen gemeinsam fünf Verdächtige fest; "
        "Vermögen von zehn Millionen Euro wurde eingefroren.",
    ],
)
def test_frozen_assets_are_no_frozen_cooperation(text):
    result = _enrich(text)
    assert _pairs(result) == {("ES", "PT")}
    assert result.cooperation.tensions == []


def test_a_list_goes_on_after_but_also():
    result = _enrich(
        "Lors de la journée d'action coordonnée par Eurojust, des perquisitions ont été menées "
        "en Espagne et au Portugal, mais aussi en Italie, en Roumanie et en Bulgarie."
    )
    assert {"BG", "ES", "IT", "PT", "RO"} <= {c for p in _pairs(result) for c in p}


def test_an_official_named_apart_from_his_counterparts_list_leads_it():
    result = _enrich(
        "España y otros países europeos refuerzan la cooperación policial. El ministro del "
        "Interior, Antonio Camacho, firmó el martes en Bruselas, junto a sus homólogos de "
        "Alemania, Austria, Bélgica y Francia, un tratado contra el terrorismo. Tras la firma, "
        "el ministro español destacó la importancia del acuerdo."
    )
    assert {("AT", "ES"), ("BE", "ES"), ("DE", "ES"), ("ES", "FR")} <= _pairs(result)


def test_swiss_german_spelling_without_eszett_names_the_same_country():
    result = _enrich(
        "An der Aktion gegen die Schadsoftware beteiligt waren Strafverfolgungsbehörden aus "
        "Deutschland, Frankreich, Grossbritannien und Österreich."
    )
    assert "GB" in result.countries
    assert ("DE", "GB") in _pairs(result)


def test_a_list_of_where_cartels_sit_is_no_list_of_participants():
    result = _enrich(
        "In einer von Europol koordinierten Aktion nahmen deutsche und belgische Ermittler 100 "
        "Personen fest. "
        "Nach Erkenntnissen der Fahnder pflegten die Clans Kontakte zu einflussreichen "
        "Drogenkartellen in Kolumbien, Panama und Brasilien."
    )
    assert not {c for pair in _pairs(result) for c in pair} & {"BR", "CO", "PA"}


@pytest.mark.parametrize(
    "text",
    [
        "C'est la coopération des services d'enquête français avec leurs homologues américains, "
        "colombiens et espagnols qui a permis d'arrêter onze trafiquants.",
        "La cooperación de los investigadores franceses con sus homólogos estadounidenses, "
        "colombianos y españoles permitió detener a once narcotraficantes.",
    ],
)
def test_investigators_and_their_several_counterparts_all_cooperate(text):
    assert _pairs(_enrich(text)) == {
        ("CO", "ES"),
        ("CO", "FR"),
        ("CO", "US"),
        ("ES", "FR"),
        ("ES", "US"),
        ("FR", "US"),
    }


def test_an_agency_of_a_named_country_is_that_countrys_body():
    result = _enrich(
        "A Polícia Judiciária de Cabo Verde apreendeu 2,2 toneladas de cocaína num veleiro. "
        "A investigação contou também com a cooperação da Polícia Federal do Brasil."
    )
    assert _pairs(result) == {("BR", "CV")}


def test_two_hand_overs_in_one_sentence_pair_each_with_the_country_that_sends():
    result = _enrich(
        "Dos prófugos detenidos en la Argentina abandonaron el país tras un operativo de "
        "traslado: uno fue extraditado a Uruguay por narcotráfico y el otro a Chile."
    )
    assert _pairs(result) == {("AR", "CL"), ("AR", "UY")}


def test_a_demonym_beside_an_unknown_acronym_is_that_countrys_body():
    result = _enrich(
        "Operación Nanga-Parbat: la Guardia Civil y la NAPTIP nigeriana golpean a una red de "
        "trata de seres humanos con la coordinación de Europol."
    )
    assert ("ES", "NG") in _pairs(result)


@pytest.mark.parametrize(
    "text",
    [
        "Belgische en Nederlandse autoriteiten werkten bij de operatie samen; in België zijn vijf "
        "verdachten aangehouden.",
        "Belgian and Dutch authorities worked together on the operation; five suspects were "
        "arrested in Belgium.",
    ],
)
def test_suspects_arrested_make_a_joint_operation_police_work(text):
    assert _pairs(_enrich(text)) == {("BE", "NL")}


def test_english_knows_the_demonym_and_capital_of_every_state():
    result = _enrich(
        "The Hawks arrested a lawyer wanted by the Namibian authorities, who asked South Africa "
        "to extradite him. Officials in Kingston said eight Jamaicans were handed to the US. "
        "New South Wales Police took part."
    )
    assert {"JM", "NA", "ZA"} <= set(result.countries)
    assert "GB" not in result.countries


@pytest.mark.parametrize(
    "text",
    [
        "When he flew to Thailand he was refused entry because of the Red Notice and was "
        "extradited to India.",
        "Il a été refusé à l'entrée en Thaïlande à cause de la notice rouge et extradé vers "
        "l'Inde.",
    ],
)
def test_a_person_refused_entry_is_no_refusal_between_countries(text):
    result = _enrich(text)
    assert not result.cooperation.tensions
    assert ("IN", "TH") in _pairs(result)


def test_raids_in_listed_countries_are_not_a_route_because_durch_begins_the_word():
    result = _enrich(
        "Razzia in fünf EU-Staaten gegen gefälschte Arzneimittel, koordiniert von Eurojust. Bei "
        "Durchsuchungen in Österreich, Belgien, Großbritannien, Ungarn und Zypern wurden zwölf "
        "Verdächtige festgenommen."
    )
    assert len(_pairs(result)) == 10


def test_a_days_ordinal_before_a_month_does_not_end_the_sentence():
    from processors.enrichment.text import sentences

    texts = [s.text for s in sentences("Die Polizei schlug am Morgen des 1. April zu. Dann nicht.")]
    assert texts == ["Die Polizei schlug am Morgen des 1. April zu.", "Dann nicht."]
    texts = [s.text for s in sentences("They were arrested on Sept. 30, 2009, and extradited.")]
    assert len(texts) == 1


def test_warrants_executed_in_listed_countries_pair_them_all():
    result = _enrich(
        "A Polícia Federal lançou uma operação contra o tráfico internacional de cocaína. A "
        "Receita Federal, que participa da ação, informou que há mandados sendo cumpridos "
        "também na Espanha, na Colômbia, em Portugal e nos Emirados Árabes Unidos."
    )
    assert {("CO", "ES"), ("ES", "PT"), ("AE", "PT"), ("BR", "ES")} <= _pairs(result)


def test_countries_a_route_crosses_are_no_partners_and_a_foreign_border_police_is_foreign():
    result = _enrich(
        "Europol ha coordinato l'operazione. La rete faceva arrivare i migranti dalla Turchia "
        "fino in Germania, lungo un itinerario che attraversava Bulgaria, Romania, Ungheria e "
        "Repubblica Ceca. Hanno collaborato la Polizia di frontiera romena e la Polizia "
        "federale tedesca."
    )
    assert _pairs(result) == {("DE", "RO")}


def test_a_hand_over_from_one_named_country_goes_to_the_articles_own_authorities():
    result = _enrich(
        "Landgericht Weiden: Nach Auslieferung aus Rumänien stehen mutmaßliche Schleuser vor "
        "Gericht. Ermittelt hatte die Bundespolizei, die Staatsanwaltschaft Weiden wirft ihnen "
        "vor, Migranten nach Bayern geschleust zu haben."
    )
    assert _pairs(result) == {("DE", "RO")}


def test_where_the_person_was_held_can_be_told_in_the_next_sentence():
    result = _enrich(
        "No domingo, a Polícia Federal conduziu a extradição para o Brasil do traficante "
        "Rodrigo Paredes. Preso no Paraguai desde março do ano passado, ele é suspeito de chefiar "
        "uma organização criminosa."
    )
    assert _pairs(result) == {("BR", "PY")}


def test_a_refusal_naming_only_the_other_side_is_the_refusal_of_the_articles_officials():
    result = _enrich(
        "Wiener Landesgericht lehnt Auslieferung an Kasachstan ab. Schon früher hatte die "
        "österreichische Justiz ein Begehren zurückgewiesen. Die Staatsanwaltschaft habe sich "
        "selbst gegen die Auslieferung nach Kasachstan ausgesprochen."
    )
    assert not _pairs(result)
    assert result.cooperation.tensions


def test_an_organisation_name_does_not_run_over_the_end_of_a_sentence():
    assert "Gericht. Die Staatsanwaltschaft Weiden" not in _organisations(
        "Nach Auslieferung stehen mutmaßliche Schleuser vor Gericht. Die Staatsanwaltschaft "
        "Weiden wirft ihnen Schleusung vor."
    )


def test_countries_a_fugitive_passed_through_are_no_parties_to_his_hand_over():
    result = _enrich(
        "Francês com difusão vermelha da Interpol é preso pela PF no Galeão após passar por "
        "Bélgica, Senegal e Dubai. A prisão foi feita com base num mandado de prisão para fins "
        "de extradição expedido pela Justiça da França."
    )
    assert _pairs(result) == {("BR", "FR")}


def test_a_country_said_to_take_part_joins_the_listed_operation():
    result = _enrich(
        "Police forces arrested 70 people during a week-long operation against child "
        "trafficking, Europol said. Britain led the operation. The other countries involved "
        "were Austria, Belgium, Bulgaria and Croatia."
    )
    pairs = _pairs(result)
    assert {("AT", "BE"), ("BG", "HR"), ("AT", "GB"), ("GB", "HR")} <= pairs


def test_suspects_apprehended_in_listed_countries_pair_them():
    result = _enrich(
        "Une vaste opération contre les vendeurs du dark web a été coordonnée par Europol. Les "
        "autres suspects ont été appréhendés en Allemagne, au Royaume-Uni, aux Pays-Bas, en "
        "Autriche et en Suède."
    )
    assert len(_pairs(result)) == 10


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        (
            "Die thailändische Polizei hat einen Deutschen festgenommen, der mit internationalem "
            "Haftbefehl gesucht wurde; er soll nach Deutschland ausgeliefert werden.",
            ("DE", "TH"),
        ),
        (
            "La police burkinabè et les enquêteurs nigériens ont démantelé ensemble un réseau "
            "de trafiquants d'armes.",
            ("BF", "NE"),
        ),
        (
            "De Boliviaanse politie en de Nederlandse douane werkten samen bij de inbeslagname "
            "van cocaïne.",
            ("BO", "NL"),
        ),
    ],
)
def test_demonyms_of_less_reported_countries(text, pair):
    assert pair in _pairs(_enrich(text))


def test_a_countrys_forces_lead_the_listed_operation():
    result = _enrich(
        "Europol und Eurojust koordinierten die Aktion gegen Schleuser. Neben den deutschen "
        "Kräften waren auch Polizisten in Großbritannien, Belgien, Frankreich und den "
        "Niederlanden an dem grenzüberschreitenden Einsatz beteiligt."
    )
    assert {("BE", "DE"), ("DE", "FR"), ("DE", "GB"), ("DE", "NL")} <= _pairs(result)


def test_every_list_of_a_sentence_about_taking_part_takes_part():
    result = _enrich(
        "Europol coördineerde de internationale actie tegen de malware. Aan de actie deden naast "
        "Nederland, België en de Verenigde Staten ook politiediensten uit Groot-Brittannië, "
        "Portugal en Australië mee."
    )
    assert len(_pairs(result)) == 15


@pytest.mark.parametrize(
    "text",
    [
        "Une vaste opération contre la 'Ndrangheta a été coordonnée par Eurojust. La France, la "
        "Roumanie et la Slovénie ont également pris part aux opérations.",
        "Un'operazione contro la 'ndrangheta è stata coordinata da Eurojust. Anche Francia, "
        "Romania e Slovenia hanno poi preso parte alle operazioni.",
    ],
)
def test_taking_part_with_a_word_between_the_verb_and_its_object(text):
    assert _pairs(_enrich(text)) == {("FR", "RO"), ("FR", "SI"), ("RO", "SI")}


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        (
            "Bij een onderzoek naar gijzelsoftware vielen speurders binnen in woningen. "
            "Politiediensten uit acht landen werkten aan de operatie mee. Het ging om Noorwegen, "
            "Frankrijk en Nederland, en verder om Oekraïne, het Verenigd Koninkrijk en Duitsland. "
            "Ook Zwitserland en de Verenigde Staten waren betrokken. Europol coördineerde de "
            "actie.",
            28,
        ),
        (
            "Police from five countries took part in the operation against the ransomware gang. "
            "Officers in Germany, France and Spain searched homes. Italy and Poland also arrested "
            "suspects. Europol coordinated the action.",
            10,
        ),
    ],
)
def test_a_count_of_countries_is_followed_by_the_sentences_that_name_them(text, pairs):
    assert len(_pairs(_enrich(text))) == pairs


def test_the_sentences_after_a_count_of_countries_stop_at_a_list_of_its_own():
    result = _enrich(
        "Policías y fiscales de siete países europeos han desmantelado una red de tráfico de "
        "migrantes. En la ofensiva participaron las autoridades de Austria, Francia y Alemania. "
        "La organización trasladaba a grandes grupos de personas a través de varios países "
        "hasta sus destinos finales, que eran principalmente Suiza, Italia, Francia y Alemania. "
        "Europol coordinó la operación."
    )
    assert {("AT", "DE"), ("AT", "FR"), ("DE", "FR")} <= _pairs(result)
    assert not {("AT", "CH"), ("AT", "IT")} & _pairs(result)


@pytest.mark.parametrize(
    "text",
    [
        "The National Crime Agency arrested seven people. Investigators say the group, which had "
        "contacts in France, Germany, the Netherlands and Poland, moved people into Britain.",
        "All'alba è scattata l'ordinanza di custodia cautelare nei confronti di diciannove "
        "persone, residenti tra Italia, Svizzera, Germania e Turchia, legate alla rete del boss "
        "arrestato dalla polizia.",
    ],
)
def test_countries_of_contacts_or_residence_are_no_partners(text):
    assert _pairs(_enrich(text)) == set()


def test_countries_of_a_wanted_list_each_pair_with_the_country_that_holds_the_fugitives():
    result = _enrich(
        "La policía boliviana aprovechó la jornada electoral para capturar a nueve prófugos con "
        "notificación roja, cinco de ellos reclamados por Argentina, Chile y España. Los "
        "detenidos cumplen detención preventiva con fines de extradición."
    )
    assert _pairs(result) == {("AR", "BO"), ("BO", "CL"), ("BO", "ES")}


def test_a_language_files_own_agency_wins_over_the_shared_one_of_the_same_folded_name():
    result = _enrich(
        "A polícia angolana deteve três namibianos que roubaram uma carrinha no seu país. A "
        "operação foi conduzida com o Serviço de Investigação Criminal, em parceria com a "
        "Polícia Nacional nos Gambos, e a viatura será devolvida à Namíbia através da Interpol."
    )
    assert ("AO", "ES") not in _pairs(result)
    assert "Policía Nacional" not in {e.canonical for e in result.entities}


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        (
            "La Guardia di Finanza ha sequestrato a Trieste circa 800 fucili a pompa, "
            "fabbricati in Turchia e destinati a Germania, Olanda e Belgio, durante un controllo "
            "della polizia.",
            set(),
        ),
        (
            "Ungarisch-slowakisches Ermittlerteam fasst Waffenhändler: Waffen tauchten in "
            "Schweden, Spanien und Südafrika auf, die Polizei nahm drei Männer fest.",
            {("HU", "SK")},
        ),
        (
            "Hennepkwekers wijken uit. Dat komt naar voren uit politieonderzoeken in de "
            "grensstreek met België en Duitsland.",
            set(),
        ),
    ],
)
def test_countries_goods_are_bound_for_or_a_border_region_borders_are_no_partners(text, pairs):
    assert _pairs(_enrich(text)) == pairs


def test_a_department_of_justice_is_the_us_only_where_the_article_names_the_us():
    result = _enrich(
        "South Africa and the United Arab Emirates have signed treaties on extradition and "
        "mutual legal assistance in criminal matters, the Department of Justice said."
    )
    assert _pairs(result) == {("AE", "ZA")}


def test_cooperation_broken_off_is_a_tension_not_a_pair():
    result = _enrich(
        "The US Federal Bureau of Investigation has broken off cooperation with the "
        "Philippines' National Bureau of Investigation after a breach of trust."
    )
    assert _pairs(result) == set()
    assert [t.kind.value for t in result.cooperation.tensions] == ["suspended"]


def test_a_list_of_demonyms_reads_as_its_first_however_far_it_runs():
    result = _enrich(
        "La investigación la dirigió la policía lituana, que contó con sus homólogos checos, "
        "letones, franceses, alemanes, polacos, noruegos, eslovacos y húngaros. Eurojust "
        "coordinó el trabajo conjunto."
    )
    assert {("LT", "NO"), ("LT", "SK"), ("HU", "LT"), ("NO", "SK")} <= _pairs(result)


def test_a_body_of_a_country_with_a_word_between_its_role_and_the_country():
    result = _enrich(
        "La investigación la dirigieron la Fiscalía General de Lituania y la Guardia Civil "
        "española. Eurojust coordinó el trabajo conjunto."
    )
    assert _pairs(result) == {("ES", "LT")}


def test_a_surrender_to_a_country_of_a_person_arrested_in_another_pairs_them():
    result = _enrich(
        "Le magistrat belge Luc Monin, arrêté en France, sera bien remis à la Belgique : la Cour "
        "de cassation a rejeté son pourvoi."
    )
    assert _pairs(result) == {("BE", "FR")}


def test_french_courts_written_in_lower_case_are_organisations():
    result = _enrich(
        "La cour d'appel de Bordeaux a autorisé la remise à l'Espagne. Le tribunal correctionnel "
        "de Paris avait condamné six prévenus, et la cour d’assises spéciale de Rennes un autre."
    )
    names = {e.text for e in result.entities if e.type.value == "ORG"}
    assert {
        "cour d'appel de Bordeaux",
        "tribunal correctionnel de Paris",
        "cour d’assises spéciale de Rennes",
    } <= names


def test_bodies_said_to_take_part_join_the_articles_own_authorities():
    result = _enrich(
        "Agentes de la Policía Nacional abordaron al oeste de Canarias un pesquero con 3.300 "
        "kilos de cocaína. La operación internacional contó con la participación de la DEA "
        "estadounidense, de la Policía Judiciária de Portugal y de la Policía Federal de Brasil."
    )
    assert {("BR", "ES"), ("ES", "PT"), ("ES", "US"), ("BR", "PT")} <= _pairs(result)


def test_a_country_named_like_a_person_counts_inside_a_list_of_countries_only():
    result = _enrich(
        "Interpol said the raids were carried out at the same time in Chad, Mali, Mauritania, "
        "Niger and Senegal. Chad Smith, a spokesman, said the police worked together."
    )
    assert ("ML", "TD") in _pairs(result)
    assert "TD" in result.countries
    alone = _enrich("Chad Smith, a police spokesman in Ohio, said the gang was dismantled.")
    assert "TD" not in alone.countries


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        (
            "De kustwachten van Nederland en Venezuela gaan intensief samenwerken om de smokkel "
            "van drugs tegen te gaan.",
            ("NL", "VE"),
        ),
        (
            "De Colombiaanse marine heeft samen met Nederland 9700 kilo cocaïne onderschept.",
            ("CO", "NL"),
        ),
    ],
)
def test_coast_guards_and_navies_act_for_their_country(text, pair):
    assert pair in _pairs(_enrich(text))


def test_one_country_after_door_hands_over_and_a_list_after_door_is_a_route():
    handed = _enrich("De verdachte wordt door Tsjechië aan Hongarije overgedragen.")
    assert ("CZ", "HU") in _pairs(handed)
    route = _enrich(
        "De Nederlandse politie pakte de smokkelaars op, die door België, Duitsland en "
        "Frankrijk reden, in samenwerking met Europol."
    )
    assert not {("BE", "DE"), ("BE", "FR"), ("DE", "FR")} & _pairs(route)


@pytest.mark.parametrize(
    ("text", "person"),
    [
        (
            "Police spokesperson Captain Yolisa Mgolodela said the container was searched.",
            "Yolisa Mgolodela",
        ),
        (
            "De Chinese minister van Handel Gao Hucheng ontving de delegatie in Peking.",
            "Gao Hucheng",
        ),
        (
            "Secondo Yury Ushakov, consigliere del Cremlino, l'incontro non è previsto.",
            "Yury Ushakov",
        ),
    ],
)
def test_ranks_departments_and_function_words_are_not_part_of_a_name(text, person):
    persons = {e.text for e in _enrich(text).entities if e.type.value == "PERSON"}
    assert person in persons


def test_a_time_of_the_month_is_no_person():
    result = _enrich("Der Mann wurde Ende August in Neapel festgenommen und nach Zürich gebracht.")
    assert not [e for e in result.entities if e.type.value == "PERSON"]


def test_portugals_republican_guard_written_in_spanish_is_portugals():
    result = _enrich(
        "La Guardia Civil y la Guardia Nacional Republicana estrechan su colaboración contra "
        "la delincuencia itinerante en la frontera."
    )
    assert _pairs(result) == {("ES", "PT")}


def test_a_doj_is_the_us_only_where_the_article_names_the_us():
    result = _enrich(
        "The Philippine Bureau of Immigration deported 47 South Korean fugitives, the DOJ "
        "said. On landing in Seoul they were turned over to the South Korean police."
    )
    assert "US" not in {c for pair in _pairs(result) for c in pair}


def test_a_moroccan_dgsn_and_saint_vincent_and_the_grenadines_are_known():
    moroccan = _enrich(
        "La police judiciaire de Rabat a interpellé un ressortissant français. Le Bureau central "
        "national Interpol, rattaché à la DGSN, a informé son homologue français en vue de son "
        "extradition."
    )
    assert ("FR", "MA") in _pairs(moroccan)
    assert (
        "VC" in _enrich("A Vincentian man was deported to St Vincent and the Grenadines.").countries
    )


def test_a_german_zu_infinitive_of_extradite_is_a_hand_over():
    result = _enrich(
        "Die Staatsanwaltschaft Frauenfeld hat die ungarischen Behörden ersucht, den Mann in die "
        "Schweiz auszuliefern."
    )
    assert _pairs(result) == {("CH", "HU")}


def test_counterparts_dealing_with_another_countrys_authorities_are_cooperation():
    result = _enrich(
        "Zielfahnder des Bayerischen Landeskriminalamtes haben einen Mann festgenommen. Mit "
        "diesen Erkenntnissen wandten sich die ungarischen Kollegen über die "
        "Zielfahndungskoordinierungsstelle des Bundeskriminalamtes an das Bayerische "
        "Landeskriminalamt."
    )
    assert _pairs(result) == {("DE", "HU")}


def test_a_body_named_by_the_country_it_works_in_joins_a_listed_operation():
    result = _enrich(
        "Europol und Eurojust stellten den Kontakt zu Ermittlern in den Niederlanden, "
        "Frankreich, Lettland und Tschechien her. Auch Ermittler in Großbritannien wirkten mit."
    )
    assert ("CZ", "GB") in _pairs(result) and ("FR", "GB") in _pairs(result)
    # Outside a sentence of bodies taking part, "police in X" stays a place.
    placed = _enrich(
        "Europol und Eurojust stellten den Kontakt zu Ermittlern in den Niederlanden, "
        "Frankreich, Lettland und Tschechien her. Ermittler in Großbritannien fanden das Geld."
    )
    assert not any("GB" in pair for pair in _pairs(placed))


@pytest.mark.parametrize(
    "text",
    [
        "La ministre canadienne des Affaires étrangères et son homologue mexicain n'ont pas "
        "avancé de date pour la levée par les États-Unis des droits de douane sur l'acier.",
        "The Canadian foreign minister and her Mexican counterpart gave no date for the end of "
        "the customs duties the United States imposed on steel.",
    ],
)
def test_tariffs_are_trade_not_customs_officers(text):
    assert _pairs(_enrich(text)) == set()


def test_a_list_of_where_goods_were_bound_is_no_hand_over():
    result = _enrich(
        "Sobre ele pesava um alerta de difusão vermelha emitido a pedido da Argentina, onde é "
        "acusado de quatro envios de cocaína com destino à Índia (Déli), à França (Paris), à "
        "Tailândia (Bangkok) e à Holanda (Roterdã)."
    )
    assert not {"FR", "NL", "TH", "IN"} & {c for pair in _pairs(result) for c in pair}
    # One country alone after the same words stays where the fugitive went and was held.
    alone = _enrich(
        "Mais tarde, conseguiu escapar e atravessou para o Uruguai, onde ficou detido até que o "
        "processo de extradição para o Brasil fosse concluído."
    )
    assert _pairs(alone) == {("BR", "UY")}


def test_a_country_that_asks_for_the_arrest_is_where_the_person_goes():
    result = _enrich(
        "Gli agenti della Polizia di Frontiera lo hanno arrestato all'aeroporto di Pescara. Gli "
        "accertamenti hanno chiarito che a febbraio la Germania aveva chiesto il suo arresto "
        "con un mandato europeo."
    )
    assert _pairs(result) == {("DE", "IT")}


def test_a_demonym_after_an_indefinite_article_is_a_person():
    result = _enrich(
        "Detenido en París, con ayuda de la Policía española, un marroquí de Almería vinculado "
        "a la célula del ataque del tren Thalys."
    )
    assert not any("MA" in pair for pair in _pairs(result))
    # A role after it keeps the country: "a British Royal Navy frigate" acts for Britain.
    frigate = _enrich(
        "Acting on a tip-off from the US Drug Enforcement Administration, a British Royal Navy "
        "frigate seized cocaine worth £100m in the Caribbean."
    )
    assert _pairs(frigate) == {("GB", "US")}


def test_where_a_group_is_based_is_no_party_to_a_hand_over():
    result = _enrich(
        "An alleged member of the Pakistan-based militant group Lashkar-e-Taiba who was the "
        "subject of an Interpol Red Notice was extradited from Rwanda to India on Thursday."
    )
    assert _pairs(result) == {("IN", "RW")}


@pytest.mark.parametrize(
    "text",
    [
        "Britain and Egypt have signed a memorandum committing Home Office officials and their "
        "Egyptian counterparts to a regular dialogue on terrorism. The British government "
        "suspended all flights between Britain and Sharm el-Sheikh airport.",
        "La France et le Maroc ont signé un accord de coopération policière contre le "
        "terrorisme. Le gouvernement français a suspendu les vols entre la France et Marrakech.",
    ],
)
def test_suspended_flights_are_no_suspended_cooperation(text):
    result = _enrich(text)
    assert len(_pairs(result)) == 1 and not result.cooperation.tensions


def test_frances_central_police_offices_are_french_agencies():
    result = _enrich(
        "L'Office central de lutte contre la criminalité liée aux technologies de l'information "
        "et de la communication (OCLTIC) a travaillé avec la police ivoirienne."
    )
    organizations = {e.canonical for e in result.entities if e.type.value == "ORG"}
    assert "OCLTIC" in organizations
    assert _pairs(result) == {("CI", "FR")}


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        (
            "Dutch police worked with British officers on the cocaine case. In Britain, one man "
            "received two years, six months of it suspended.",
            ("GB", "NL"),
        ),
        (
            "La policía española y la policía francesa colaboraron en la operación contra el "
            "terrorismo. En la rueda de prensa que puso fin a la cumbre franco-española, Zapatero "
            "habló del pacto.",
            ("ES", "FR"),
        ),
        (
            "De Spaanse justitie werkt samen met de Nederlandse politie. 'Door de feestdagen liep "
            "het in Spanje vertraging op', zegt hij.",
            ("ES", "NL"),
        ),
        (
            "El detenido fue arrestado por la Guardia Civil a petición de Estados Unidos y se "
            "opone a ser extraditado a Estados Unidos.",
            ("ES", "US"),
        ),
        (
            "As polícias de Angola e da Namíbia criaram uma equipa conjunta de investigação para "
            "pôr fim ao contrabando de armas através da fronteira.",
            ("AO", "NA"),
        ),
    ],
)
def test_words_that_only_look_like_a_suspension_or_refusal_are_none(text, pair):
    result = _enrich(text)
    assert pair in _pairs(result)
    assert not result.cooperation.tensions


def test_hong_kong_and_macau_police_are_parties():
    result = _enrich(
        "The operation brought together agencies from Hong Kong, Malaysia, Singapore and "
        "Thailand as well as Macau, Macau's Judiciary Police said."
    )
    assert {("HK", "MO"), ("HK", "SG"), ("MO", "TH")} <= _pairs(result)


def test_a_dateline_is_where_the_news_was_filed_not_a_party():
    result = _enrich(
        "LA HAYA.- Una operación internacional en la que participaron Francia, Alemania y "
        "España se ha saldado con 44 detenidos, anunciaron Europol y Eurojust."
    )
    assert _pairs(result) == {("DE", "ES"), ("DE", "FR"), ("ES", "FR")}


@pytest.mark.parametrize(
    "text",
    [
        "Le Ministère public de la Confédération a réclamé des peines de douze ans contre deux "
        "frères de nationalité nigériane jugés devant le Tribunal pénal fédéral.",
        "A Polícia Federal localizou e prendeu na terça-feira, em São Paulo, um cidadão de "
        "Bangladesh cujo nome constava da difusão vermelha da Interpol.",
    ],
)
def test_a_nationality_word_before_a_country_or_demonym_makes_it_no_party(text):
    pairs = _pairs(_enrich(text))
    assert not any(c in ("NG", "BD") for pair in pairs for c in pair)


def test_one_security_word_in_an_energy_story_makes_no_cooperation():
    result = _enrich(
        "ASHGABAT — India, Turkmenistan, Afghanistan and Pakistan on Saturday signed two "
        "agreements on the TAPI gas pipeline. The governments put their names to an "
        "inter-governmental agreement on the pipeline. Afghan President Hamid Karzai said "
        "Afghanistan would guarantee security for the construction, and Pakistani President "
        "Asif Ali Zardari said the gas would also help in the fight against terrorism."
    )
    assert _pairs(result) == set()
    # A hand-over alone is cooperation enough.
    handover = _enrich("Belize extradited the suspect to Guatemala on Friday.")
    assert _pairs(handover) == {("BZ", "GT")}
