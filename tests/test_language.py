"""Language identification: deterministic, 'und' on too little text, bounded work."""

from __future__ import annotations

import pytest

from processors.enrichment.language import UNDETERMINED, detect_language
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


def _all_text(lang: str) -> str:
    return "\n\n".join(o["text"] for o in labelled() if o["labels"]["lang"] == lang)


def test_a_long_text_is_judged_on_its_opening_only():
    """Bounded work: only the opening (2,000 characters) is read, however long the text. A
    French opening of 3,000 characters followed by 100 KB of English is French, with the very
    answer the opening alone gets; an English opening before French is English."""
    french, english = _all_text("fr")[:3000], (_all_text("en") + "\n\n") * 2
    assert detect_language(None, english).code == "en"  # the tail alone would say English

    french_then_english = f"{french}\n\n" + english * 25
    assert len(french_then_english) > 100_000
    assert detect_language(None, french_then_english) == detect_language(None, french)
    assert detect_language(None, french).code == "fr"

    english_then_french = english[:3000] + "\n\n" + french * 30
    assert detect_language(None, english_then_french).code == "en"
