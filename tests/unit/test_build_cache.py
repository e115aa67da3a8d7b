"""The build cache: a rebuild embeds and analyses only texts it has not seen under the same model."""

from __future__ import annotations

from typing import List

import numpy as np

from knowledge.build.cache import BuildCache


def test_only_new_texts_are_encoded_and_vectors_come_back_in_order(tmp_path):
    cache = BuildCache(tmp_path / "cache.sqlite")
    encoded: List[List[str]] = []

    def encode(texts: List[str]) -> np.ndarray:
        encoded.append(list(texts))
        return np.array([[len(t), t.count("a")] for t in texts], dtype=np.float32)

    first = cache.vectors("model-A|query", ["a", "bb", "a"], encode, lambda: 2)
    second = cache.vectors("model-A|query", ["bb", "ccc", "a"], encode, lambda: 2)
    assert encoded == [["a", "bb"], ["ccc"]]  # each text once; "bb" and "a" from the cache
    assert first.tolist() == [[1, 1], [2, 0], [1, 1]] and second.tolist() == [[2, 0], [3, 0], [1, 1]]
    cache.vectors("model-B|query", ["a"], encode, lambda: 2)
    assert encoded[-1] == ["a"]  # another model never reuses a vector
    assert cache.vectors("model-A|query", [], encode, lambda: 2).shape == (0, 2)


def test_terms_are_cached_by_analyser_version(tmp_path):
    cache = BuildCache(tmp_path / "cache.sqlite")
    calls: List[str] = []

    def analyze(text: str) -> List[str]:
        calls.append(text)
        return text.split()

    assert cache.terms("v1", ["hộ nghèo", ""], analyze) == [["hộ", "nghèo"], []]
    assert cache.terms("v1", ["hộ nghèo", ""], analyze) == [["hộ", "nghèo"], []]
    cache.terms("v2", ["hộ nghèo"], analyze)
    assert calls == ["hộ nghèo", "", "hộ nghèo"]
