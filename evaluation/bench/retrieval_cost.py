"""Retrieval alone, and how index build and retrieval cost grow with the content.

Retrieval latency is measured in process (no HTTP, no Rasa) with the query-vector
cache cleared before each question, on the real index, which is only read.

Growth: the 1× index is built for real by ``knowledge.build.index.build`` into a
temporary folder with an empty temporary build cache, timing its two per-text stages
(embedding, BM25 analysis). The 10× and 100× corpora are the same FAQ entries and
documents duplicated under new ids and go through the same ``build`` with that build
cache, which holds every text's vector and terms: an hour of both cores to embed 100×
would tell nothing new, since those stages cost the same per text. Their time is added
as measured per copy × copies, and the report says so; writing, loading and searching
the big index are measured for real. The project's own build cache is never touched.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence

import numpy as np

import knowledge.build.index as build_index
from knowledge.embedder import Embedder
from knowledge.lexical import analyze
from knowledge.retriever import Retriever


def latency_ms(retriever: Retriever, questions: Sequence[str], cached: bool = False) -> Dict[str, float]:
    """Per-question retrieval time (embed, search both indexes, fuse), in ms."""
    times = []
    for question in questions:
        if cached:
            retriever.search(question)  # the timed search below finds its vector cached
        else:
            retriever.embedder.clear_cache()
        started = time.perf_counter()
        retriever.search(question)
        times.append((time.perf_counter() - started) * 1000.0)
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "p99_ms": round(float(np.percentile(times, 99)), 2),
        "mean_ms": round(statistics.fmean(times), 2),
    }


class _Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.texts = 0

    def timed(self, function: Callable, count: Callable[[Any], int]) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = function(*args, **kwargs)
            self.seconds += time.perf_counter() - started
            self.texts += count(args)
            return result
        return wrapper


@contextmanager
def _patched(module: Any, **replacements: Any) -> Iterator[None]:
    originals = {name: getattr(module, name) for name in replacements}
    for name, value in replacements.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in originals.items():
            setattr(module, name, value)


def _build_1x(folder: Path, cache: Path) -> Dict[str, float]:
    """The real build from an empty build cache, timing its per-text stages."""
    embed, lexical = _Stopwatch(), _Stopwatch()

    class TimedEmbedder(Embedder):
        def _encode(self, texts: List[str], prompt_name: str) -> np.ndarray:
            return embed.timed(super()._encode, lambda args: len(args[0]))(texts, prompt_name)

    analyze("khởi động")  # load underthesea first: a one-off, not a per-text cost
    analyze.cache_clear()
    started = time.perf_counter()
    with _patched(build_index, Embedder=TimedEmbedder, analyze=lexical.timed(analyze, lambda _: 1),
                  BUILD_CACHE_PATH=cache):
        build_index.build(index_dir=folder, force=True)
    return {
        "build_s": round(time.perf_counter() - started, 2),
        "embed_s": round(embed.seconds, 2), "embedded_texts": embed.texts,
        "analyze_s": round(lexical.seconds, 2), "analyzed_texts": lexical.texts,
    }


def _build_scaled(folder: Path, factor: int, cache: Path) -> float:
    """``build`` over the corpus duplicated ``factor`` times, from the 1× build's cache; seconds."""
    faq = build_index.load_faq()
    documents = build_index.load_documents()
    scaled_faq = [dataclasses.replace(e, id=f"{e.id}~{k}") for k in range(factor) for e in faq]
    scaled_documents = [dataclasses.replace(d, id=f"{d.id}~{k}") for k in range(factor) for d in documents]
    started = time.perf_counter()
    with _patched(build_index, load_faq=lambda: scaled_faq, load_documents=lambda: scaled_documents,
                  BUILD_CACHE_PATH=cache):
        build_index.build(index_dir=folder, force=True)
    return time.perf_counter() - started


def scale_report(factors: Sequence[int], questions: Sequence[str], embedder: Embedder) -> List[Dict[str, Any]]:
    """Build time, load time and retrieval latency at each corpus size factor."""
    rows: List[Dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-index-") as temporary:
        cache = Path(temporary) / "build-cache.sqlite"
        base = _build_1x(Path(temporary) / "x1", cache)
        per_copy = base["embed_s"] + base["analyze_s"]  # the per-text stages of one corpus copy
        for factor in factors:
            folder = Path(temporary) / f"x{factor}"
            if factor == 1:
                measured, extrapolated = base["build_s"], 0.0
            else:
                measured = _build_scaled(folder, factor, cache)
                extrapolated = per_copy * factor
            started = time.perf_counter()
            retriever = Retriever(embedder=embedder, index_dir=folder)
            load_s = time.perf_counter() - started
            counts = retriever.index.manifest["counts"]
            rows.append({
                "factor": factor, **counts,
                "build_s": round(measured + extrapolated, 1),
                "build_measured_s": round(measured, 1),
                "build_extrapolated_s": round(extrapolated, 1),
                "load_s": round(load_s, 2),
                "retrieval": latency_ms(retriever, questions),
                "index_mb": round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1),
            })
            print(f"[bench] index {factor}x: {rows[-1]}", flush=True)
            del retriever
        rows[0]["stages_1x"] = base
    return rows
