"""Dense similarities as one matrix product over the flat index, grouped per FAQ entry."""

from __future__ import annotations

import faiss
import numpy as np

from knowledge.retriever import _group_starts, _stored_vectors


def test_stored_vectors_are_the_indexed_ones_and_score_like_a_faiss_search():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    index = faiss.IndexFlatIP(8)
    index.add(vectors)
    query = rng.normal(size=(1, 8)).astype(np.float32)
    stored = _stored_vectors(index)
    assert np.array_equal(stored, vectors)
    similarities, ids = index.search(query, index.ntotal)
    assert np.allclose((stored @ query[0])[ids[0]], similarities[0], atol=1e-5)
    assert _stored_vectors(faiss.IndexFlatIP(8)).shape == (0, 8)


def test_questions_are_grouped_by_entry_only_when_in_order():
    starts = _group_starts(np.array([0, 0, 1, 2, 2, 2]))
    assert starts is not None and starts.tolist() == [0, 2, 3]
    similarities = np.array([0.1, 0.5, 0.3, 0.2, 0.9, 0.4], dtype=np.float32)
    assert np.maximum.reduceat(similarities, starts).tolist() == np.array([0.5, 0.3, 0.9], np.float32).tolist()
    assert _group_starts(np.array([1, 0, 1])) is None  # out of order: the search falls back to maximum.at
    assert _group_starts(np.array([], dtype=np.int64)) is None
