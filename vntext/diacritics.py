"""Restore Vietnamese diacritics of an unaccented question from our own corpus.

The embedding model understands "lãi suất hộ cận nghèo" but not "lai suat ho can
ngheo". underthesea 9.5 has no restorer, so this is a small one: a syllable bigram
model learned from the knowledge base itself (FAQ, documents, NLU examples), decoded
with Viterbi. It only needs to know the words citizens use about this domain, and the
corpus is exactly that. Syllables it has never seen stay as typed.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Tuple

from vntext.normalise import fold, has_diacritics, nfc

_SYLLABLE_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
START = "<s>"


def syllables(text: str) -> List[str]:
    return [s.lower() for s in _SYLLABLE_RE.findall(nfc(text))]


class DiacriticRestorer:
    """Most likely accented spelling of each folded syllable, given its neighbours."""

    def __init__(self, texts: Iterable[str], smoothing: float = 0.1):
        self._unigrams: Counter = Counter()
        self._bigrams: Counter = Counter()
        self._candidates: Dict[str, Counter] = defaultdict(Counter)
        for text in texts:
            if not has_diacritics(text):
                continue  # unaccented examples would teach it to leave words bare
            previous = START
            for syllable in syllables(text):
                self._unigrams[syllable] += 1
                self._bigrams[(previous, syllable)] += 1
                self._candidates[fold(syllable)][syllable] += 1
                previous = syllable
        self._total = sum(self._unigrams.values()) or 1
        self._smoothing = smoothing

    def _log_probability(self, previous: str, syllable: str) -> float:
        unigram = (self._unigrams[syllable] + self._smoothing) / (self._total + self._smoothing)
        previous_count = self._unigrams[previous] if previous != START else self._total
        bigram = self._bigrams[(previous, syllable)] / previous_count if previous_count else 0.0
        return math.log(0.8 * bigram + 0.2 * unigram)

    def restore(self, text: str) -> str:
        """The text with diacritics restored where the corpus knows the syllables.

        Punctuation is dropped (the result feeds the embedding model, not a person).
        """
        words = syllables(text)
        if not words:
            return text
        # Syllables typed with marks are kept as typed; bare ones get candidates.
        lattice: List[List[str]] = [
            [c for c, _ in self._candidates[fold(w)].most_common(8)]
            if fold(w) == w and fold(w) in self._candidates else [w]
            for w in words
        ]
        # Viterbi over candidate spellings.
        best: Dict[str, Tuple[float, List[str]]] = {START: (0.0, [])}
        for options in lattice:
            step: Dict[str, Tuple[float, List[str]]] = {}
            for option in options:
                score, path = max(
                    ((s + self._log_probability(prev, option), p) for prev, (s, p) in best.items()),
                    key=lambda pair: pair[0],
                )
                step[option] = (score, path + [option])
            best = step
        return " ".join(max(best.values(), key=lambda pair: pair[0])[1])


def needs_restoration(text: str, threshold: float = 0.3) -> bool:
    """True for text typed (mostly) without diacritics.

    Well-written Vietnamese carries marks on most syllables; below ``threshold`` the
    text was typed bare or half-bare, as on Zalo.
    """
    words = syllables(text)
    if not words:
        return False
    marked = sum(1 for w in words if fold(w) != w)
    return marked / len(words) < threshold
