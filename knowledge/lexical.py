"""BM25 over folded Vietnamese text, so unaccented questions match accented documents.

Terms of a text (see ``analyze``): the folded lemmas of underthesea/lexicon tokens
("ho_ngheo", "thu_tuc"), every folded syllable, and syllable bigrams. Syllables and
bigrams carry unaccented questions, which underthesea cannot segment; the compound
lemmas and lexicon terms add precision on well-written text.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Dict, List, Sequence, Tuple

import numpy as np

from vntext.lexicon import load_lexicon, underthesea_words
from vntext.normalise import fold, nfc

# Function words and polite particles that say nothing about the topic.
STOPWORDS = frozenset(
    """a ah a_a ak anh chi chu cho co cua da day de di duoc em gi ha hay hoi khi la lam
    luon ma minh moi mot nay neu nhe nhi nho o oi roi sao se thi thoi tôi toi va vay ve voi
    vui_long xin xin_hoi xin_chao a_oi chi_oi anh_oi em_oi ban the thi_sao nhu_the_nao
    ntn bac cac nhung""".split()
)


def skip_unused_underthesea_modules() -> None:
    """Keep underthesea from importing its translation pipeline (transformers and torch).

    ``import underthesea`` loads every optional pipeline, which costs 5–12 s on our CPUs
    and, through transformers and torch, about 600 MB of memory; BM25 needs only word
    segmentation. Commands and servers (the index builder, the answer check, the action
    server, the staff tools) call this before the first segmentation.
    """
    import sys

    if "underthesea" not in sys.modules:
        sys.modules.setdefault("underthesea.pipeline.translate", None)  # type: ignore[assignment]


@lru_cache(maxsize=4096)
def analyze(text: str) -> Tuple[str, ...]:
    """BM25 terms of a text (cached: FAQ questions and repeated queries recur)."""
    spans = load_lexicon().segment(nfc(text), underthesea_words)
    terms: List[str] = []
    syllables: List[str] = []
    for span in spans:
        lemma = span.folded
        if not any(ch.isalnum() for ch in lemma):
            continue
        parts = fold(span.normalized).split()
        if len(parts) > 1 and lemma not in STOPWORDS:
            terms.append(lemma)
        syllables.extend(parts)
    kept = [s for s in syllables if s not in STOPWORDS]
    terms.extend(kept)
    terms.extend(f"{a}_{b}" for a, b in zip(syllables, syllables[1:]) if not (a in STOPWORDS and b in STOPWORDS))
    return tuple(terms)


class BM25Index:
    """Okapi BM25 with an inverted index (fast for short queries over many documents)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.size = len(documents)
        # Weight of a term no document has, had it matched one average document once:
        # counted in max_score so a query full of unknown words cannot look covered.
        self._unseen_weight = math.log(1.0 + (self.size + 0.5) / 0.5) * (k1 + 1.0) / (1.0 + k1)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        average = float(lengths.mean()) if self.size else 1.0
        postings: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
        for doc_id, terms in enumerate(documents):
            for term, count in Counter(terms).items():
                postings[term].append((doc_id, count))
        self._postings: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        for term, items in postings.items():
            ids = np.fromiter((i for i, _ in items), dtype=np.int32, count=len(items))
            tf = np.fromiter((c for _, c in items), dtype=np.float32, count=len(items))
            idf = math.log(1.0 + (self.size - len(items) + 0.5) / (len(items) + 0.5))
            norm = k1 * (1.0 - b + b * lengths[ids] / max(average, 1e-9))
            self._postings[term] = (ids, (idf * tf * (k1 + 1.0) / (tf + norm)).astype(np.float32))

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query."""
        result = np.zeros(self.size, dtype=np.float32)
        for term in set(query_terms):
            posting = self._postings.get(term)
            if posting is not None:
                result[posting[0]] += posting[1]
        return result

    def max_score(self, query_terms: Sequence[str]) -> float:
        """Score a document containing every query term would get (for normalising)."""
        total = 0.0
        for term in set(query_terms):
            posting = self._postings.get(term)
            total += float(posting[1].max()) if posting is not None else self._unseen_weight
        return total
