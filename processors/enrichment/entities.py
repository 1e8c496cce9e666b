"""Named entities from a spaCy Doc, folded into one record per entity per article."""

from __future__ import annotations

from collections import Counter, defaultdict

from spacy.tokens import Doc

from schemas import Entity, EntityType

# spaCy label sets differ per pipeline (WikiNER for fr/nl/de, OntoNotes for en).
LABELS: dict[str, EntityType] = {
    "PER": EntityType.PERSON,
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORG,
    "LOC": EntityType.LOC,
    "GPE": EntityType.LOC,
    "MISC": EntityType.MISC,
    "NORP": EntityType.MISC,
}


def entities_from_doc(doc: Doc) -> list[Entity]:
    surface: dict[tuple[EntityType, str], Counter[str]] = defaultdict(Counter)
    for ent in doc.ents:
        etype = LABELS.get(ent.label_)
        text = " ".join(ent.text.split())
        if etype is None or len(text) < 2:
            continue
        surface[(etype, text)][text] += 1
    return [
        Entity(
            text=forms.most_common(1)[0][0],
            type=etype,
            canonical=canonical,
            country=None,
            count=sum(forms.values()),
        )
        for (etype, canonical), forms in sorted(surface.items(), key=lambda kv: kv[0][1])
    ]
