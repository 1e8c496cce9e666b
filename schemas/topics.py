"""Default topic names. Deployments may rename them through settings; these are the defaults
every document and example refers to."""

from enum import StrEnum


class TopicName(StrEnum):
    RAW = "articles.raw"
    ENRICHED = "articles.enriched"
    DLQ = "articles.dlq"
    COOPERATION_EVENTS = "cooperation.events"


TOPICS: dict[str, str] = {
    TopicName.RAW.value: "RawArticle, key = article id (UTF-8)",
    TopicName.ENRICHED.value: "EnrichedArticle, key = article id (UTF-8)",
    TopicName.DLQ.value: "DeadLetter, key = original key (UTF-8, or base64 when not UTF-8)",
    TopicName.COOPERATION_EVENTS.value: "CooperationEvent, key = '<article id>:<A>-<B>'",
}
