"""Benchmarks: the in-process enrichment limit, coopwire end to end, and its peers."""
