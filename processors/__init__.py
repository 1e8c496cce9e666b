"""Enrichment (pure functions, no Kafka or Faust) and the Faust app that streams it."""
