"""Measure the enrichment against labelled articles (``coopwire eval``).

A labelled article is an article line with a ``labels`` object: ``lang``, ``countries``,
``cooperation_pairs``, ``topics``, ``persons``, ``organizations``. The same ``Enricher`` as the
worker runs on the articles; language is scored by accuracy, every other field by micro
precision, recall and F1 over all articles. Names are compared case- and accent-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from processors.enrichment import Enricher
from processors.enrichment.text import fold_key
from producers.jsonl import Rejected, read_articles
from schemas import EnrichedArticle, EntityType, RawArticle

FIELDS = ("countries", "pairs", "topics", "persons", "organizations")


@dataclass(frozen=True)
class Labels:
    lang: str
    countries: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    topics: frozenset[str]
    persons: frozenset[str]
    organizations: frozenset[str]

    @classmethod
    def from_json(cls, labels: dict) -> Labels:
        return cls(
            lang=labels["lang"],
            countries=frozenset(labels.get("countries", [])),
            pairs=frozenset(tuple(sorted(p)) for p in labels.get("cooperation_pairs", [])),
            topics=frozenset(labels.get("topics", [])),
            persons=frozenset(fold_key(p) for p in labels.get("persons", [])),
            organizations=frozenset(fold_key(o) for o in labels.get("organizations", [])),
        )

    @classmethod
    def predicted(cls, article: EnrichedArticle, gold: Labels | None = None) -> Labels:
        def names(etype: EntityType) -> frozenset[str]:
            # An entity is right for every labelled name it carries, canonical, surface or alias
            # ("Bundeskriminalamt (BKA)" labelled as both); unmatched, it is one false positive.
            wanted = set()
            if gold is not None:
                wanted = gold.persons if etype == EntityType.PERSON else gold.organizations
            found = set()
            for e in article.entities:
                if e.type != etype:
                    continue
                carried = {fold_key(n) for n in (e.canonical, e.text, *e.aliases)}
                found.update(carried & wanted or {fold_key(e.canonical)})
            return frozenset(found)

        return cls(
            lang=article.language.code,
            countries=frozenset(article.countries),
            pairs=frozenset(p.countries for p in article.cooperation.pairs),
            topics=frozenset(t.id for t in article.cooperation.topics),
            persons=names(EntityType.PERSON),
            organizations=names(EntityType.ORG),
        )


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: frozenset, predicted: frozenset) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class ArticleResult:
    id: str
    gold: Labels
    predicted: Labels


@dataclass
class LanguageScore:
    articles: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.articles if self.articles else 0.0


@dataclass
class Report:
    articles: int = 0
    language_correct: int = 0
    negatives: int = 0
    negatives_with_pairs: int = 0
    languages: dict[str, LanguageScore] = field(default_factory=dict)
    fields: dict[str, Counts] = field(default_factory=lambda: {f: Counts() for f in FIELDS})
    by_language: dict[str, dict[str, Counts]] = field(default_factory=dict)
    bad_lines: list[Rejected] = field(default_factory=list)
    results: list[ArticleResult] = field(default_factory=list)

    @property
    def language_accuracy(self) -> float:
        return self.language_correct / self.articles if self.articles else 0.0

    def add(self, article_id: str, gold: Labels, predicted: Labels) -> None:
        self.articles += 1
        self.language_correct += gold.lang == predicted.lang
        score = self.languages.setdefault(gold.lang, LanguageScore())
        score.articles += 1
        score.correct += gold.lang == predicted.lang
        if not gold.pairs and not gold.topics:
            self.negatives += 1
            self.negatives_with_pairs += bool(predicted.pairs)
        per_lang = self.by_language.setdefault(gold.lang, {f: Counts() for f in FIELDS})
        for name in FIELDS:
            self.fields[name].add(getattr(gold, name), getattr(predicted, name))
            per_lang[name].add(getattr(gold, name), getattr(predicted, name))
        self.results.append(ArticleResult(article_id, gold, predicted))

    def as_dict(self) -> dict:
        def metrics(counts: Counts) -> dict:
            return {
                "precision": round(counts.precision, 4),
                "recall": round(counts.recall, 4),
                "f1": round(counts.f1, 4),
                "tp": counts.tp,
                "fp": counts.fp,
                "fn": counts.fn,
            }

        return {
            "articles": self.articles,
            "language_accuracy": round(self.language_accuracy, 4),
            "negatives": self.negatives,
            "negatives_with_pairs": self.negatives_with_pairs,
            "fields": {name: metrics(c) for name, c in self.fields.items()},
            "by_language": {
                lang: {
                    "articles": self.languages[lang].articles,
                    "language_accuracy": round(self.languages[lang].accuracy, 4),
                    **{name: metrics(c) for name, c in fields.items()},
                }
                for lang, fields in sorted(self.by_language.items())
            },
            "bad_lines": [str(b) for b in self.bad_lines],
        }


def labelled_files(paths: Iterable[str]) -> list[Path]:
    """Files named, and the ``*.jsonl`` files of folders named, in a stable order."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    return files


def read_labelled(
    path: Path, split: str | None = None
) -> Iterator[tuple[RawArticle, Labels] | Rejected]:
    """Articles with their labels; a bad line (JSON, article or labels) is reported by number.
    With ``split``, only lines whose ``split`` field is that one ("dev", "test")."""
    for number, obj, item in read_articles(str(path)):
        if isinstance(item, Rejected):
            yield item
            continue
        if split is not None and obj.get("split") != split:
            continue
        labels = obj.get("labels")
        if not isinstance(labels, dict) or "lang" not in labels:
            yield Rejected(str(path), number, "no 'labels' object with at least 'lang'")
            continue
        try:
            yield item, Labels.from_json(labels)
        except (ValueError, TypeError, KeyError) as exc:
            yield Rejected(str(path), number, f"labels: {str(exc).splitlines()[0]}")


def evaluate(
    paths: Iterable[str], enricher: Enricher | None = None, split: str | None = None
) -> Report:
    enricher = enricher or Enricher()
    report = Report()
    for path in labelled_files(paths):
        batch: list[tuple[RawArticle, Labels]] = []
        for item in read_labelled(path, split):
            if isinstance(item, Rejected):
                report.bad_lines.append(item)
            else:
                batch.append(item)
        enriched = enricher.enrich_many([article for article, _ in batch])
        for (article, gold), result in zip(batch, enriched, strict=True):
            report.add(article.id, gold, Labels.predicted(result, gold))
    return report
