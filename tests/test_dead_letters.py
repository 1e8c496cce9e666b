"""Validation and dead letters without a broker: every kind of bad input becomes a DeadLetter
that says why and keeps the original payload; the batch goes on around it."""

from __future__ import annotations

import base64

import orjson
import pytest
from hypothesis import given
from hypothesis import settings as hsettings

from processors.batch import BatchProcessor
from processors.dead_letters import Record, decode_record, fit_dead_letter
from processors.enrichment import Enricher
from processors.sinks.factory import open_sink
from schemas import DeadLetter, RawArticle, encode
from tests.bad_messages import BAD_MESSAGES, MAX_BYTES, BadMessage, bad_payloads


def _record(value: bytes | None, offset: int = 7, key: bytes | None = b"k1") -> Record:
    return Record("t.articles.raw", 3, offset, key, value)


def _original(letter: DeadLetter) -> bytes:
    if letter.payload_encoding == "base64":
        return base64.b64decode(letter.payload)
    return letter.payload.encode("utf-8")


def test_there_are_at_least_twelve_kinds_of_bad_input():
    assert len({m.name for m in BAD_MESSAGES}) >= 12


@pytest.mark.parametrize("bad", BAD_MESSAGES, ids=lambda m: m.name)
def test_each_kind_of_bad_input_is_dead_lettered_with_its_reason(bad: BadMessage):
    letter = decode_record(_record(bad.value), MAX_BYTES)

    assert isinstance(letter, DeadLetter), letter
    assert letter.reason == bad.reason, letter.errors
    assert letter.errors and all(e.msg for e in letter.errors)
    assert (letter.source_topic, letter.partition, letter.offset) == ("t.articles.raw", 3, 7)
    assert letter.key == "k1"
    assert _original(letter) == (bad.value or b"")
    if bad.value is not None and b"\xff" in bad.value:
        assert letter.payload_encoding == "base64"
    if bad.loc is not None:
        assert bad.loc in [tuple(e.loc) for e in letter.errors], letter.errors
    # The dead letter is itself valid contract JSON.
    assert DeadLetter.model_validate_json(encode(letter)) == letter


def _derived_id(value: dict) -> str:
    article = decode_record(_record(orjson.dumps(value)), MAX_BYTES)
    assert isinstance(article, RawArticle), article
    assert article.id, "an article without id gets one"
    return article.id


def test_an_article_without_id_gets_one_that_names_the_same_article_only():
    text = {"text": "La police belge."}
    assert _derived_id(text) == _derived_id(dict(text))  # sent again: same id
    assert _derived_id(text) != _derived_id({"text": "La police française."})
    assert _derived_id(text) != _derived_id({**text, "title": "Police"})  # title counts too
    # With a URL, the URL is the article: other text or title, same id; other URL, other id.
    url = "https://news.example/2025/03/police"
    by_url = _derived_id({**text, "url": url})
    assert by_url == _derived_id({"text": "Mise à jour.", "title": "Nouveau", "url": url})
    assert by_url == _derived_id({**text, "url": f"  {url} "})
    assert by_url != _derived_id({**text, "url": url + "-2"})
    assert by_url != _derived_id(text)
    # An empty id is no id; a given id is kept as it is.
    assert _derived_id({**text, "id": ""}) == _derived_id(text)
    assert _derived_id({**text, "id": "mine", "url": url}) == "mine"


def test_a_key_that_is_not_utf8_is_kept_as_base64():
    letter = decode_record(_record(b"{", key=b"\xff\x00"), MAX_BYTES)
    assert isinstance(letter, DeadLetter)
    assert base64.b64decode(letter.key or "") == b"\xff\x00"


@hsettings(max_examples=300, deadline=None)
@given(bad_payloads)
def test_generated_bad_input_is_always_a_dead_letter_never_an_exception(payload):
    value, reason = payload
    letter = decode_record(_record(value), MAX_BYTES)
    assert isinstance(letter, DeadLetter)
    assert letter.reason == reason, (value, letter.errors)
    assert _original(letter) == value


def test_a_dead_letter_too_big_for_the_topic_is_cut_and_says_so():
    value = b'{"text": "' + b"\\u0001" * 3000 + b'"}'
    letter = decode_record(_record(value), max_bytes=len(value) - 1)
    assert isinstance(letter, DeadLetter) and letter.reason == "too_large"
    fitted = fit_dead_letter(letter, 4096)
    assert len(encode(fitted)) <= 4096
    assert fitted.errors[-1].type == "payload_truncated"
    assert value.decode().startswith(fitted.payload)
    assert fit_dead_letter(fitted, 4096) == fitted


class _FailsOn(Enricher):
    """An enricher that breaks on one marked article (unit test only)."""

    def enrich_many(self, articles):
        if any("BOOM" in a.text for a in articles):
            raise RuntimeError("entity extraction exploded")
        return super().enrich_many(articles)


def test_an_enrichment_exception_dead_letters_that_article_only(tmp_path):
    processor = BatchProcessor(
        _FailsOn(), open_sink(f"sqlite:///{tmp_path / 's.db'}"), max_message_bytes=MAX_BYTES
    )
    records = [
        _record(b'{"id": "ok-1", "text": "La police belge a saisi de la drogue."}', offset=1),
        _record(b'{"id": "bad-1", "text": "BOOM la police."}', offset=2),
        _record(b"not json", offset=3),
        _record(b'{"id": "ok-2", "text": "Le parquet de Paris enquete."}', offset=4),
    ]
    outcome = processor.enrich(records)

    assert [a.id for a in outcome.enriched] == ["ok-1", "ok-2"]
    reasons = {letter.offset: letter.reason for letter in outcome.dead_letters}
    assert reasons == {2: "enrichment_error", 3: "invalid_json"}
    failure = next(x for x in outcome.dead_letters if x.offset == 2)
    assert "entity extraction exploded" in failure.errors[0].msg
    assert failure.traceback and "RuntimeError" in failure.traceback
    assert len(failure.traceback) <= 4000
    processor.store(outcome)
    assert processor.sink.query("SELECT id FROM articles ORDER BY id") == [("ok-1",), ("ok-2",)]
