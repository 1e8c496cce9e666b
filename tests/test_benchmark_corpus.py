"""The benchmark's articles are deterministic and cover the length and language mix it claims."""

from benchmarks.corpus import generate, short_articles
from processors.enrichment.language import detect_language


def test_generation_is_deterministic_and_within_bounds():
    first, second = generate(60), generate(60)
    assert [a.model_dump() for a in first] == [a.model_dump() for a in second]
    lengths = [len(a.text) for a in first]
    assert min(lengths) >= 500 and max(lengths) <= 6000 + 400
    assert len({a.id for a in first}) == 60
    languages = {detect_language(a.title, a.text).code for a in first}
    assert languages == {"fr", "en", "nl", "de"}


def test_short_articles_are_short():
    assert max(len(a.text) for a in short_articles(30)) < 900
