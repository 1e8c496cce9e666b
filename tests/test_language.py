"""Language identification: deterministic, 'und' on too little text, bounded work."""

from __future__ import annotations

import pytest

from processors.enrichment.language import UNDETERMINED, _sample, detect_language
from tests.labelled_samples import labelled


@pytest.mark.parametrize("sample", labelled(), ids=lambda o: o["id"])
def test_samples_get_their_labelled_language(sample):
    assert detect_language(sample.get("title"), sample["text"]).code == sample["labels"]["lang"]


def test_same_text_same_answer_every_time():
    text = "De politie van beide landen werkt samen tegen drugssmokkel in de haven."
    answers = {detect_language(None, text).model_dump_json() for _ in range(5)}
    assert len(answers) == 1


@pytest.mark.parametrize("text", ["FBI et DEA", "12 34 56", "OK", "Europol."])
def test_too_short_is_undetermined(text):
    assert detect_language(None, text).code == UNDETERMINED


def test_title_counts_when_text_is_short():
    lang = detect_language("La police belge et la police française unissent leurs forces", "Lille.")
    assert lang.code == "fr"


def test_long_text_reads_a_bounded_sample_with_the_same_answer():
    paragraph = labelled()[0]["text"]
    long_text = (paragraph + "\n\n") * 60  # about 70 KB
    sample = _sample(None, long_text, 2000)
    assert len(sample) <= 2000
    assert detect_language(None, long_text) == detect_language(None, paragraph)
