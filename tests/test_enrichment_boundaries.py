"""The enrichment package stays pure (no Kafka, no Faust), and the offline command gives
exactly what ``Enricher.enrich_many`` gives."""

from __future__ import annotations

import subprocess
import sys

import orjson

from coopwire_core.settings import Settings
from processors.enrichment import Enricher
from schemas import RawArticle
from tests.labelled_samples import SAMPLES, labelled


def test_enrichment_imports_neither_kafka_nor_faust():
    code = (
        "import sys, processors.enrichment, processors.evaluation;"
        "from processors.enrichment import Enricher;"
        "Enricher().enrich_many([]);"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'kafka', 'faust', 'aiokafka'});"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == ""


def _without_processing(article: dict) -> dict:
    return {k: v for k, v in article.items() if k != "processing"}


def test_offline_enrich_command_equals_enrich_many():
    run = subprocess.run(
        [sys.executable, "-m", "coopwire.cli", "enrich", str(SAMPLES)],
        capture_output=True,
        check=True,
        timeout=600,
    )
    offline = [orjson.loads(line) for line in run.stdout.splitlines() if line.strip()]
    settings = Settings()
    enricher = Enricher(
        language_max_chars=settings.language_max_chars, batch_size=settings.worker_batch_size
    )
    direct = enricher.enrich_many([RawArticle.model_validate(o) for o in labelled()])
    assert len(offline) == len(direct) == len(labelled())
    assert [_without_processing(o) for o in offline] == [
        _without_processing(a.model_dump(mode="json")) for a in direct
    ]
