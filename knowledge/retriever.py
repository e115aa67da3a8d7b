"""Hybrid retrieval: folded BM25 and e5 embeddings, fused by a weighted score sum.

Two scores are fused for each unit (FAQ entry, document passage): the cosine of the
query with the unit (best paraphrase for FAQ entries) and its BM25 score as a share of
the best possible for the query. Why both: e5 understands well-written paraphrases;
folded BM25 matches questions typed without diacritics. e5 understands those poorly,
so such questions are embedded after diacritic restoration (vntext/diacritics.py).
The fused score is also what the answerer's confidence thresholds apply to.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from vntext.normalise import nfc
from knowledge.paths import INDEX_DIR, current_index_dir
from knowledge.corpus import FaqEntry, Passage
from vntext.diacritics import DiacriticRestorer, needs_restoration
from knowledge.embedder import Embedder, load_settings
from knowledge.lexical import BM25Index, analyze

logger = logging.getLogger(__name__)

@dataclass
class Hit:
    """A ranked unit with the evidence behind its rank (shown to commune officers)."""

    kind: str  # "faq" | "passage"
    id: str
    fused: float  # dense_weight * dense + lexical_weight * lexical
    dense: float  # best cosine similarity
    lexical: float  # BM25 score / best possible for this query (0..1)
    faq: Optional[FaqEntry] = None
    passage: Optional[Passage] = None


@dataclass
class Retrieval:
    query: str
    embedded_as: str  # the query after diacritic restoration, as the model saw it
    faq: List[Hit]
    passages: List[Hit]


class LoadedIndex:
    """One built index in memory (immutable; swapped whole on rebuild)."""

    def __init__(self, folder: Path):
        import faiss

        self.folder = folder
        self.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        data: Dict[str, Any] = json.loads((folder / "corpus.json").read_text(encoding="utf-8"))
        self.faq = [FaqEntry(**raw) for raw in data["faq"]]
        self.faq_keys = np.asarray(data["faq_keys"], dtype=np.int64)
        self.passages = [Passage(**raw) for raw in data["passages"]]
        self.faq_dense = faiss.read_index(str(folder / "faq_keys.faiss"))
        self.passage_dense = faiss.read_index(str(folder / "passages.faiss"))
        self.faq_key_starts = _group_starts(self.faq_keys)
        self.faq_terms: List[List[str]] = data["faq_terms"]  # kept for the staff tools' what-if check
        self.faq_lexical = BM25Index(self.faq_terms)
        self.passage_lexical = BM25Index(data["passage_terms"])
        self.faq_by_id = {entry.id: entry for entry in self.faq}
        self.restorer = DiacriticRestorer(
            [q for entry in self.faq for q in entry.questions]
            + [entry.answer for entry in self.faq]
            + [p.text for p in self.passages]
        )


class Retriever:
    """Searches the current index; picks up a rebuilt index without a restart."""

    def __init__(self, embedder: Optional[Embedder] = None, index_dir: Path = INDEX_DIR,
                 settings: Optional[Dict[str, Any]] = None):
        self.settings = settings or load_settings()
        self.embedder = embedder or Embedder(self.settings)
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._index: Optional[LoadedIndex] = None
        self.refresh()

    @property
    def index(self) -> LoadedIndex:
        if self._index is None:
            raise RuntimeError("knowledge index is not built")
        return self._index

    @property
    def available(self) -> bool:
        return self._index is not None

    def refresh(self) -> bool:
        """Load the index ``current`` points to if it changed; True when swapped."""
        folder = current_index_dir(self.index_dir)
        if folder is None or (self._index is not None and self._index.folder == folder):
            return False
        try:
            loaded = LoadedIndex(folder)  # load fully before swapping: requests keep the old one
        except (OSError, ValueError, RuntimeError):
            if self._index is None:
                raise
            # A newer build replaced this folder while we read it: keep serving the
            # loaded index and pick the newer one up at the next refresh.
            logger.warning("index %s vanished while loading; keeping %s", folder.name, self._index.folder.name)
            return False
        with self._lock:
            self._index = loaded
        return True

    def search(self, query: str, top: int = 10, mode: str = "hybrid") -> Retrieval:
        """Rank FAQ entries and passages; ``mode`` "dense"/"lexical" is for benchmarks."""
        index = self.index
        fusion = self.settings["fusion"]
        dense_weight = 0.0 if mode == "lexical" else float(fusion["dense_weight"])
        lexical_weight = 0.0 if mode == "dense" else float(fusion["lexical_weight"])
        query = nfc(query)
        embedded_as = index.restorer.restore(query) if needs_restoration(query) else query
        terms = analyze(query)
        vector = self.embedder.encode_query(embedded_as).reshape(1, -1)

        faq_dense = np.zeros(len(index.faq), dtype=np.float32)
        if index.faq_dense.ntotal:  # an entry's similarity is its best question's
            similarities = similarities_to_all(index.faq_dense, vector[0])
            if index.faq_key_starts is not None:
                starts = index.faq_key_starts
                faq_dense[index.faq_keys[starts]] = np.maximum.reduceat(similarities, starts)
            else:
                np.maximum.at(faq_dense, index.faq_keys, similarities)
        passage_dense = np.zeros(len(index.passages), dtype=np.float32)
        if index.passage_dense.ntotal:
            passage_dense[:] = similarities_to_all(index.passage_dense, vector[0])

        faq_hits = fuse("faq", faq_dense, index.faq_lexical, terms, top, dense_weight, lexical_weight)
        passage_hits = fuse("passage", passage_dense, index.passage_lexical, terms, top,
                             dense_weight, lexical_weight)
        for hit in faq_hits:
            hit.faq = index.faq[int(hit.id)]
            hit.id = hit.faq.id
        for hit in passage_hits:
            hit.passage = index.passages[int(hit.id)]
            hit.id = hit.passage.id
        return Retrieval(query, embedded_as, faq_hits, passage_hits)


def similarities_to_all(index: Any, vector: np.ndarray) -> np.ndarray:
    """Inner product of one vector with every vector of a flat FAISS index, in index order.

    Fusion needs every unit's similarity. A FAISS search for all n neighbours also sorts
    them (17 ms at 10× the corpus, 144 ms at 100×), and numpy's product goes through a
    multi-threaded BLAS whose idle threads spin (7.6 ms of CPU a search at 1×); FAISS's
    own kernel on one thread takes 0.07 ms at 1×, 2.4 ms at 10×, 20 ms at 100× (measured).
    """
    import faiss

    query = np.ascontiguousarray(vector, dtype=np.float32)
    result = np.empty(index.ntotal, dtype=np.float32)
    faiss.fvec_inner_products_ny(faiss.swig_ptr(result), faiss.swig_ptr(query), index.get_xb(), index.d,
                                 index.ntotal)
    return result


def _group_starts(keys: np.ndarray) -> Optional[np.ndarray]:
    """Where each FAQ entry's run of questions starts, when the keys come grouped in order."""
    if not keys.size or np.any(keys[1:] < keys[:-1]):
        return None
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def fuse(kind: str, dense: np.ndarray, lexical_index: BM25Index, terms: Sequence[str], top: int,
          dense_weight: float, lexical_weight: float) -> List[Hit]:
    """The ``top`` units by weighted sum of cosine and normalised BM25."""
    lexical = lexical_index.scores(terms) / (lexical_index.max_score(terms) or 1.0)
    fused = dense_weight * dense + lexical_weight * lexical
    best = np.argsort(-fused, kind="stable")[:top]
    return [Hit(kind, str(int(i)), float(fused[i]), float(dense[i]), float(lexical[i])) for i in best]
