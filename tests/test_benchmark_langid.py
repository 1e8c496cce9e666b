"""``coopwire bench langid``: the labelled set it claims, and every identifier really runs
(the fastText peer on its bundled model, with no network)."""

from collections import Counter

from benchmarks.langid import GROUPS, fasttext_identifier, labelled_texts, measure
from tests.labelled_samples import SAMPLES


def test_labelled_set_has_whole_articles_long_and_short_windows_in_every_language():
    texts = labelled_texts()
    groups = Counter(t.group for t in texts)
    corpus = SAMPLES.parent.parent / "corpus"
    labelled_lines = sum(
        1
        for path in (*(corpus / "news").glob("*.jsonl"), corpus / "seed.jsonl", SAMPLES)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    assert set(groups) == set(GROUPS) and groups["article"] == labelled_lines
    assert min(len(t.text) for t in texts if t.group == "long") >= 200
    assert max(len(t.text) for t in texts if t.group == "short") < 120
    assert {t.lang for t in texts} == {"fr", "en", "es", "pt", "de", "it", "nl"}
    assert len({t.id for t in texts}) == len(texts)


def test_fasttext_peer_reads_its_bundled_model():
    identify = fasttext_identifier()
    assert identify(None, "La police belge et la police française unissent leurs forces.") == "fr"
    assert identify(None, "Europol.") == "und"


def test_measure_reports_every_identifier_per_group():
    texts = labelled_texts()
    chosen = [t for t in texts if t.id.startswith("news-pt-0")]
    results = measure(chosen, rounds=1)
    for group in GROUPS:
        row = results[group]
        assert row["texts"] == sum(t.group == group for t in chosen)
        for name in ("langdetect", "coopwire", "fasttext"):
            assert 0.0 <= row[f"{name}_accuracy"] <= 1.0 and row[f"{name}_ms"] > 0
        assert row["speedup"] > 0
    assert results["article"]["coopwire_agreement"] == 1.0
    assert all(" -> " in change for change in results["disagreements"].values())
