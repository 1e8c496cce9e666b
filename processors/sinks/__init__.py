"""Where enriched articles are stored. One small interface, chosen by URL:
``sqlite:///path`` (the embedded default) or ``postgresql://...``."""

from processors.sinks.base import Sink, SinkUnavailable, open_sink

__all__ = ["Sink", "SinkUnavailable", "open_sink"]
