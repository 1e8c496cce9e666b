"""Pure enrichment: RawArticle in, EnrichedArticle out.

Nothing in this package imports Kafka or Faust, so the same code runs offline
(``coopwire enrich``, ``coopwire eval``) and inside the stream worker, with identical output.
"""

from processors.enrichment.pipeline import PIPELINE_VERSION, Enricher, enrich, enrich_many

__all__ = ["PIPELINE_VERSION", "Enricher", "enrich", "enrich_many"]
