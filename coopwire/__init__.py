"""coopwire: news articles in, enriched cooperation events out."""

__version__ = "0.1.0"
