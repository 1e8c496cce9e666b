"""The benchmark's articles are deterministic and cover the length and language mix it claims."""

from collections import Counter

from benchmarks.corpus import LANGUAGE_MIX, generate, short_articles
from processors.enrichment.language import detect_language


def test_generation_is_deterministic_and_within_bounds():
    first, second = generate(60), generate(60)
    assert [a.model_dump() for a in first] == [a.model_dump() for a in second]
    lengths = [len(a.text) for a in first]
    assert min(lengths) >= 500 and max(lengths) <= 6000 + 400
    assert len({a.id for a in first}) == 60


def test_language_mix_looks_like_news_led_by_english_and_french():
    articles = generate(400)
    found = Counter(detect_language(a.title, a.text).code for a in articles)
    assert set(found) == {"en", "fr", "es", "de", "pt", "it", "nl"}
    assert [lang for lang, _ in found.most_common(2)] == ["en", "fr"]
    for lang, share in LANGUAGE_MIX.items():
        assert abs(found[lang] / len(articles) - share) < 0.05, (lang, found)


def test_short_articles_are_short():
    assert max(len(a.text) for a in short_articles(30)) < 900
