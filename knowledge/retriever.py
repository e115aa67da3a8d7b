"""Hybrid retrieval: folded BM25 and e5 embeddings, fused by weighted reciprocal rank.

Two rankings are fused for each kind of unit (FAQ entry, document passage). Why both:
e5 understands well-written Vietnamese paraphrases; folded BM25 understands questions
typed without diacritics, which e5 handles poorly. Unaccented questions therefore give
the lexical ranking more weight (settings/retrieval.yml).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from bot.vietnamese import has_diacritics
from knowledge.build_index import INDEX_DIR, current_index_dir
from knowledge.corpus import FaqEntry, Passage
from knowledge.embedder import Embedder, load_settings
from knowledge.lexical import BM25Index, analyze


@dataclass
class Hit:
    """A ranked unit with the evidence behind its rank (shown to commune officers)."""

    kind: str  # "faq" | "passage"
    id: str
    fused: float
    dense: float  # best cosine similarity
    lexical: float  # BM25 score / best possible for this query (0..1)
    dense_rank: Optional[int]
    lexical_rank: Optional[int]
    faq: Optional[FaqEntry] = None
    passage: Optional[Passage] = None


@dataclass
class Retrieval:
    query: str
    accented: bool
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
        self.faq_lexical = BM25Index(data["faq_terms"])
        self.passage_lexical = BM25Index(data["passage_terms"])
        self.faq_by_id = {entry.id: entry for entry in self.faq}


def _ranks(scores: np.ndarray, top: int) -> Dict[int, int]:
    """Rank (1-based) of the best ``top`` items with a positive score."""
    if scores.size == 0:
        return {}
    order = np.argsort(-scores, kind="stable")[:top]
    return {int(i): r + 1 for r, i in enumerate(order) if scores[i] > 0}


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
        loaded = LoadedIndex(folder)  # load fully before swapping: requests keep the old one
        with self._lock:
            self._index = loaded
        return True

    def search(self, query: str, top: int = 10, mode: str = "hybrid") -> Retrieval:
        """Rank FAQ entries and passages; ``mode`` "dense"/"lexical" is for benchmarks."""
        index = self.index
        fusion = self.settings["fusion"]
        accented = has_diacritics(query)
        lexical_weight = float(fusion["lexical_weight" if accented else "lexical_weight_unaccented"])
        dense_weight = float(fusion["dense_weight"])
        if mode == "dense":
            lexical_weight = 0.0
        elif mode == "lexical":
            dense_weight = 0.0
        terms = analyze(query)
        vector = self.embedder.encode_query(query).reshape(1, -1)
        depth = max(top * 5, 50)

        faq_dense = np.zeros(len(index.faq), dtype=np.float32)
        if index.faq_dense.ntotal:
            similarities, key_ids = index.faq_dense.search(vector, min(depth * 4, index.faq_dense.ntotal))
            for similarity, key_id in zip(similarities[0], key_ids[0]):
                if key_id >= 0:
                    entry = index.faq_keys[key_id]
                    faq_dense[entry] = max(faq_dense[entry], similarity)
        passage_dense = np.zeros(len(index.passages), dtype=np.float32)
        if index.passage_dense.ntotal:
            similarities, ids = index.passage_dense.search(vector, min(depth, index.passage_dense.ntotal))
            passage_dense[ids[0][ids[0] >= 0]] = similarities[0][ids[0] >= 0]

        faq_hits = self._fuse("faq", faq_dense, index.faq_lexical, terms, top, depth,
                              dense_weight, lexical_weight)
        passage_hits = self._fuse("passage", passage_dense, index.passage_lexical, terms, top, depth,
                                  dense_weight, lexical_weight)
        for hit in faq_hits:
            hit.faq = index.faq[int(hit.id)]
            hit.id = hit.faq.id
        for hit in passage_hits:
            hit.passage = index.passages[int(hit.id)]
            hit.id = hit.passage.id
        return Retrieval(query, accented, faq_hits, passage_hits)

    def _fuse(self, kind: str, dense: np.ndarray, lexical_index: BM25Index, terms: Sequence[str],
              top: int, depth: int, dense_weight: float, lexical_weight: float) -> List[Hit]:
        k = float(self.settings["fusion"]["rrf_k"])
        lexical = lexical_index.scores(terms)
        best_possible = lexical_index.max_score(terms) or 1.0
        dense_ranks = _ranks(dense, depth)
        lexical_ranks = _ranks(lexical, depth)
        fused: Dict[int, float] = {}
        for weight, ranks in ((dense_weight, dense_ranks), (lexical_weight, lexical_ranks)):
            if weight > 0:
                for item, rank in ranks.items():
                    fused[item] = fused.get(item, 0.0) + weight / (k + rank)
        best = sorted(fused.items(), key=lambda pair: -pair[1])[:top]
        return [
            Hit(kind, str(item), score, float(dense[item]), float(lexical[item]) / best_possible,
                dense_ranks.get(item), lexical_ranks.get(item))
            for item, score in best
        ]
