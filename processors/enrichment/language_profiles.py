"""langdetect's own language profiles as arrays, and a text's n-grams scored against all of them
at once.

langdetect reads a text's 1-, 2- and 3-grams and then multiplies their per-language
probabilities in seven random walks of up to 1,000 draws each, in pure Python: 5 to 20 ms per
news article. The walks estimate the naive-Bayes answer that one sum gives exactly: the log of
``p(n-gram | language) + alpha / BASE_FREQ`` added over every n-gram of the text. Here the
profiles become one matrix (n-grams x languages) of those logs, a text becomes a vector of
n-gram keys (numpy, no per-character Python), and the scores are one look-up, one gather and
one sum.

The n-grams are langdetect's, character for character: the same URL and e-mail removal, the
same Vietnamese and per-character normalisation (``NGram.normalize``, tabulated once), the same
Latin-script cleaning, the same word boundaries and the same skipping of n-grams inside an
all-capitals word. What differs is only that every n-gram counts once instead of being drawn at
random.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.utils.ngram import NGram

# A code point needs 21 bits, so an n-gram of up to three is one 63-bit key. Keys of different
# lengths never collide: the first code point of a 2- or 3-gram is never 0 (NUL normalises to a
# space), so its key is above every 1-gram's. No n-gram has key 0, the key of an empty slot.
_BITS = 21
_SPACE = 32
_EMPTY = 0
# langdetect's smoothing: every n-gram adds alpha / BASE_FREQ to each language's probability,
# so an n-gram a profile lacks costs a fixed penalty instead of ruling the language out.
SMOOTHING = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
MAX_TEXT_LENGTH = 10_000  # a Detector's default max_text_length: it reads no further
# Cuckoo hashing: every known n-gram sits in one of two tables of 2^17 slots, at a slot given by
# its own multiplicative hash per table, so a look-up is two array reads and no loop. The
# tables (1 MB) and the rows of frequent n-grams (stored first) stay in the processor cache.
_SLOT_BITS = 17
_MULTIPLIERS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_SHIFT = np.uint64(64 - _SLOT_BITS)
_MAX_KICKS = 1000


@dataclass(frozen=True)
class Profiles:
    """The n-gram table of every langdetect profile, ready for vectorised look-ups."""

    languages: tuple[str, ...]
    log_probs: np.ndarray  # float32 (n-grams, languages): log(p + SMOOTHING), frequent first
    keys: np.ndarray  # uint64 per row of log_probs (and one more, 0, for an empty slot)
    slots: tuple[np.ndarray, np.ndarray]  # int32 per slot of each table: a row, or the last
    normalised: np.ndarray  # int32 per code point: NGram.normalize of it
    upper: np.ndarray  # bool per code point: str.isupper

    def score(self, text: str) -> np.ndarray | None:
        """Summed log-probability of ``text``'s n-grams per language, or None without any
        n-gram the profiles know (langdetect's "no features in text")."""
        rows = self.rows(text)
        if rows.size == 0:
            return None
        # One matrix-vector product (BLAS): a summing reduction over rows of float32 is several
        # times slower. float32 sums of a thousand terms are off by far less than the margins
        # that decide between languages, and the same inputs give the same sum.
        return np.ones(rows.size, dtype=np.float32) @ self.log_probs[rows]

    def rows(self, text: str) -> np.ndarray:
        """Row of ``log_probs`` of each known n-gram of ``text``, repeats included."""
        keys = ngram_keys(self.code_points(text), self.upper).view(np.uint64)
        first, second = self.slots
        rows = first[(keys * _MULTIPLIERS[0]) >> _SHIFT]
        found = self.keys[rows] == keys
        if found.all():
            return rows
        rest = keys[~found]  # in the second table, or in no profile at all
        others = second[(rest * _MULTIPLIERS[1]) >> _SHIFT]
        return np.concatenate((rows[found], others[self.keys[others] == rest]))

    def code_points(self, text: str) -> np.ndarray:
        """The text as langdetect's Detector reads it, normalised, as code points."""
        if "http" in text:
            text = Detector.URL_RE.sub(" ", text)
        if "@" in text:
            text = Detector.MAIL_RE.sub(" ", text)
        if any(mark in text for mark in NGram.DMARK_CLASS):
            text = NGram.normalize_vi(text)
        points = np.frombuffer(text[:MAX_TEXT_LENGTH].encode("utf-32-le"), dtype=np.uint32)
        return self.normalised[_without_latin_in_other_scripts(points)]


def _without_latin_in_other_scripts(points: np.ndarray) -> np.ndarray:
    """langdetect's ``cleaning_text``: in a text mostly in another script, Latin letters go."""
    high = points >= 0x300
    if not high.any():
        return points
    latin = np.count_nonzero((points >= ord("A")) & (points <= ord("z")))
    if latin * 2 >= np.count_nonzero(high):  # Latin Extended Additional is not "other"
        return points
    other = np.count_nonzero(high & ((points < 0x1E00) | (points > 0x1EFF)))
    if latin * 2 < other:
        return points[(points < ord("A")) | (points > ord("z"))]
    return points


def ngram_keys(points: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Keys (int64) of the 1-, 2- and 3-grams langdetect's ``NGram`` yields for normalised
    code points.

    Runs of spaces count as one, and the text starts after a space. A 1-gram is any non-space,
    a 2-gram any pair, a 3-gram any triple whose middle is not a space (a word boundary starts
    a new window). Nothing is yielded at a capital that follows a capital.
    """
    spaces = points == _SPACE
    repeated = np.empty(points.size, dtype=bool)
    if points.size:
        repeated[0] = spaces[0]
        np.logical_and(spaces[1:], spaces[:-1], out=repeated[1:])
    s = np.concatenate(([_SPACE], points[~repeated]), dtype=np.int64)
    if s.size < 2:
        return np.empty(0, dtype=np.int64)
    up = upper[s]
    read = ~(up[1:] & up[:-1])  # read[i - 1]: the n-grams ending at s[i] count
    head, tail = s[:-1], s[1:]
    ones = tail[read & (tail != _SPACE)]
    twos = ((head << _BITS) | tail)[read]
    middle = s[1:-1]
    threes = ((s[:-2] << (2 * _BITS)) | (middle << _BITS) | s[2:])[read[1:] & (middle != _SPACE)]
    return np.concatenate((ones, twos, threes))


def _key(gram: str) -> int:
    key = 0
    for ch in gram:
        key = (key << _BITS) | ord(ch)
    return key


def _cuckoo(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two slot tables holding each key's row at one of its two slots (classic cuckoo
    insertion: take the slot in the first table, move its occupant to its slot in the other
    table, and so on). Rare keys go in first, so frequent ones end in the first table and most
    look-ups stop there."""
    empty = len(keys)
    tables = [[empty] * (1 << _SLOT_BITS), [empty] * (1 << _SLOT_BITS)]
    slots = [((keys * m) >> _SHIFT).tolist() for m in _MULTIPLIERS]
    for row in reversed(range(len(keys))):
        moving, side = row, 0
        for _ in range(_MAX_KICKS):
            slot = slots[side][moving]
            moving, tables[side][slot] = tables[side][slot], moving
            if moving == empty:
                break
            side ^= 1
        else:
            raise RuntimeError("n-gram hash tables too full; raise _SLOT_BITS")
    return np.array(tables[0], dtype=np.int32), np.array(tables[1], dtype=np.int32)


@cache
def profiles() -> Profiles:
    """Read langdetect's profile files once per process (about 1 s; 25 MB of arrays, less than
    langdetect's own tables).

    Files are read in name order, so the language order (and so any tie) is the same on every
    machine; langdetect itself takes them in directory order.
    """
    directory = Path(PROFILES_DIRECTORY)
    languages: list[str] = []
    rows: dict[int, int] = {}
    cells: tuple[list[int], list[int], list[float]] = ([], [], [])
    for column, path in enumerate(sorted(p for p in directory.iterdir() if p.is_file())):
        profile = json.loads(path.read_text(encoding="utf-8"))
        languages.append(profile["name"])
        totals = profile["n_words"]
        for gram, count in profile["freq"].items():
            if 1 <= len(gram) <= 3:
                cells[0].append(rows.setdefault(_key(gram), len(rows)))
                cells[1].append(column)
                cells[2].append(count / totals[len(gram) - 1])
    probs = np.zeros((len(rows), len(languages)), dtype=np.float64)
    probs[cells[0], cells[1]] = cells[2]
    keys = np.array(list(rows), dtype=np.uint64)
    frequent_first = np.argsort(-probs.sum(axis=1), kind="stable")
    probs, keys = probs[frequent_first], keys[frequent_first]
    normalised = np.arange(sys.maxunicode + 1, dtype=np.int32)
    normalised[:0x10000] = [ord(NGram.normalize(chr(c))) for c in range(0x10000)]
    upper = np.array([chr(c).isupper() for c in range(sys.maxunicode + 1)], dtype=bool)
    return Profiles(
        languages=tuple(languages),
        log_probs=np.log(probs + SMOOTHING).astype(np.float32),
        keys=np.append(keys, np.uint64(_EMPTY)),
        slots=_cuckoo(keys),
        normalised=normalised,
        upper=upper,
    )
