"""The one policy for large articles, the same offline and in the stream.

An article whose message is larger than ``COOPWIRE_MAX_MESSAGE_BYTES`` is refused, whole:
``coopwire produce`` and ``coopwire enrich`` reject its line, and the worker dead-letters such a
message (``too_large``). Cutting the text would make the enrichment depend on where a message
came from; refusing says, in one place, which setting to raise. The broker has a limit of its
own (``message.max.bytes``, about 1 MB by default; it applies to the compressed batch), so a
larger setting needs the broker's (or the topic's ``max.message.bytes``) raised too.
"""

from __future__ import annotations

SETTING = "COOPWIRE_MAX_MESSAGE_BYTES"


def oversize_reason(size: int, limit: int) -> str | None:
    """Why a message of ``size`` bytes is refused, or None when it fits."""
    if size <= limit:
        return None
    return (
        f"article too large: {size:,} bytes, over {SETTING}={limit}; to accept it, raise"
        f" {SETTING} (and the broker's message.max.bytes when it is lower)"
    )
