"""The coopwire contract: message models, topic names and their JSON encoding.

Everything another system needs to read or write coopwire topics is defined here, and the
JSON Schema files next to this module are generated from these models.
"""

from schemas.codec import decode_json, encode
from schemas.models import (
    SCHEMA_VERSION,
    Cooperation,
    CooperationEvent,
    CooperationPair,
    CooperationTopic,
    DeadLetter,
    EnrichedArticle,
    Entity,
    EntityType,
    ErrorDetail,
    Language,
    Processing,
    RawArticle,
    Tension,
    TensionKind,
)
from schemas.topics import TOPICS, TopicName

__all__ = [
    "SCHEMA_VERSION",
    "TOPICS",
    "Cooperation",
    "CooperationEvent",
    "CooperationPair",
    "CooperationTopic",
    "DeadLetter",
    "EnrichedArticle",
    "Entity",
    "EntityType",
    "ErrorDetail",
    "Language",
    "Processing",
    "RawArticle",
    "Tension",
    "TensionKind",
    "TopicName",
    "decode_json",
    "encode",
]
