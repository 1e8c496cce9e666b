"""Where enriched articles are stored. One small interface, chosen by URL:
``sqlite:///path`` (the embedded default) or ``postgresql://...``."""

from processors.sinks.base import Sink, SinkRejected, SinkUnavailable, open_sink

__all__ = ["Sink", "SinkRejected", "SinkUnavailable", "open_sink"]
