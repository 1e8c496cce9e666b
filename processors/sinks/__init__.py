"""Where enriched articles are stored. One small interface (``base``), chosen by URL in
``factory.open_sink``: ``sqlite:///path`` (the embedded default) or ``postgresql://...``."""

from processors.sinks.base import Sink, SinkRejected, SinkUnavailable

__all__ = ["Sink", "SinkRejected", "SinkUnavailable"]
