"""Dense similarities to every indexed vector, grouped per FAQ entry."""

from __future__ import annotations

import faiss
import numpy as np

from knowledge.retriever import _group_starts, similarities_to_all


def test_similarities_to_all_match_a_faiss_search_in_index_order():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    index = faiss.IndexFlatIP(8)
    index.add(vectors)
    query = rng.normal(size=8).astype(np.float32)
    similarities = similarities_to_all(index, query)
    assert np.allclose(similarities, vectors @ query, atol=1e-5)
    found, ids = index.search(query.reshape(1, -1), index.ntotal)
    assert np.allclose(similarities[ids[0]], found[0], atol=1e-5)


def test_questions_are_grouped_by_entry_only_when_in_order():
    starts = _group_starts(np.array([0, 0, 1, 2, 2, 2]))
    assert starts is not None and starts.tolist() == [0, 2, 3]
    similarities = np.array([0.1, 0.5, 0.3, 0.2, 0.9, 0.4], dtype=np.float32)
    assert np.maximum.reduceat(similarities, starts).tolist() == np.array([0.5, 0.3, 0.9], np.float32).tolist()
    assert _group_starts(np.array([1, 0, 1])) is None  # out of order: the search falls back to maximum.at
    assert _group_starts(np.array([], dtype=np.int64)) is None
