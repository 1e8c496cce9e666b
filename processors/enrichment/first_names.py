"""Given names of many countries, for finding persons where no statistical pipeline is
installed (Spanish, Portuguese, Italian, Dutch, German here).

The list is gender-guesser's (about 48,000 given names of 54 countries, from Jörg Michael's
name dictionary): a maintained data set is better than a hand-typed one. Names that are also
common words ("Paz", "Will", "Mayo", "Angel") are removed per language through the data files'
``not_first_names`` and the language's own function words.
"""

from __future__ import annotations

from functools import cache

from processors.enrichment.text import fold_key


@cache
def first_names() -> frozenset[str]:
    """Folded, lower-case given names (loaded once per process, about 0.2 s)."""
    from gender_guesser.detector import Detector

    names = Detector(case_sensitive=False).names
    return frozenset(fold_key(name) for name in names if len(name) >= 3 and " " not in name)
