"""Quality gates on the real-news test split (``corpus/news``, split "test"): paraphrased real
reporting in seven languages, labelled by hand and never used to tune the rules.

Each gate sits just below the figure measured when it was set (README, Quality), so a
regression fails the suite; raise a gate when the figure rises.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from processors.evaluation import Report, evaluate

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "news"
SEED = Path(__file__).resolve().parents[1] / "corpus" / "seed.jsonl"
LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pt")


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate([str(CORPUS)], split="test")


def test_the_test_split_covers_seven_languages(report):
    assert set(report.languages) == set(LANGUAGES)
    assert all(report.languages[lang].articles >= 10 for lang in LANGUAGES)


def test_language_is_identified_and_romance_languages_are_told_apart(report):
    assert report.language_accuracy >= 0.98
    for lang in ("es", "pt", "it", "fr"):
        assert report.languages[lang].accuracy == 1.0, lang


def test_overall_gates(report):
    fields = report.fields
    assert fields["countries"].f1 >= 0.97
    assert fields["pairs"].f1 >= 0.63
    assert fields["topics"].f1 >= 0.80
    assert fields["persons"].f1 >= 0.91
    assert fields["organizations"].f1 >= 0.70
    assert report.negatives_with_pairs <= 2


@pytest.mark.parametrize(
    ("lang", "pairs_f1", "persons_recall", "organizations_recall"),
    [
        ("de", 0.15, 0.95, 0.55),
        ("en", 0.55, 0.90, 0.50),
        ("es", 0.88, 0.95, 0.75),
        ("fr", 0.80, 0.95, 0.65),
        ("it", 0.95, 0.90, 0.52),
        ("nl", 0.58, 0.85, 0.68),
        ("pt", 0.90, 0.90, 0.78),
    ],
)
def test_per_language_gates(report, lang, pairs_f1, persons_recall, organizations_recall):
    fields = report.by_language[lang]
    assert fields["pairs"].f1 >= pairs_f1
    assert fields["persons"].recall >= persons_recall
    assert fields["organizations"].recall >= organizations_recall
    assert fields["countries"].f1 >= 0.95


def test_the_seed_article_still_gives_belgium_and_the_united_states():
    seed = evaluate([str(SEED)])
    result = seed.results[0]
    assert result.predicted.pairs == frozenset({("BE", "US")})
    assert result.predicted.topics >= {"organized_crime", "drug_trafficking", "terrorism"}


def test_dev_split_gates():
    """The dev split (the articles the rules were tuned on, README's dev figures): tuning for
    one round of news must not undo what earlier rounds taught. Set on 1,049 dev articles, the
    last round (15) not yet tuned on; organisations lowered to 0.73 when rounds 16 to 18 (162
    articles, organisation F1 0.67 before tuning) came in. With rounds 16 to 21 in (1,373
    articles): pairs 0.907, topics 0.853, countries 0.972, organisations 0.739, 28 of 478
    negatives with a pair, Dutch pairs 0.83 the lowest. With rounds 22 to 24 in (1,535
    articles, pipeline 0.9.0): pairs 0.907, topics 0.851, countries 0.972, organisations 0.734,
    28 of 534, Dutch pairs 0.82 the lowest. A new round of unseen news can lower a figure
    without any rule changing."""
    dev = evaluate([str(CORPUS)], split="dev")
    assert dev.fields["pairs"].f1 >= 0.88
    assert dev.fields["topics"].f1 >= 0.85
    assert dev.fields["countries"].f1 >= 0.96
    assert dev.fields["organizations"].f1 >= 0.73
    assert dev.negatives_with_pairs <= 0.07 * dev.negatives  # 24 of 366 when set
    for lang in LANGUAGES:
        assert dev.by_language[lang]["pairs"].f1 >= 0.80, lang
