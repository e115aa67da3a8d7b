"""Build the retrieval index: dense (FAISS) and lexical (BM25) over FAQ and documents.

Run ``python -m knowledge.build.index`` from the project root (set-up does it). It
rebuilds only when an input changed (FAQ, documents, tables, lexicon, model, code),
writes the new index into its own folder and then swaps the ``current`` link
atomically, so a running action server never reads a half-written index.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List

import numpy as np

from knowledge.build.cache import BuildCache, files_digest
from knowledge.corpus import (
    DOCUMENTS_DIR, FAQ_DIR, KNOWLEDGE_DIR, chunk_document, file_fingerprint, load_documents, load_faq,
)
from knowledge.embedder import ONNX_BACKENDS, Embedder, embedder_name, ensure_default_model, load_settings, model_location
from knowledge.lexical import analyze, skip_unused_underthesea_modules
from knowledge.paths import BUILD_CACHE_PATH, CODE_DIR, CURRENT_LINK, INDEX_DIR, PROJECT_DIR, current_index_dir

INDEX_FORMAT = 1
EMBED_BATCH = 64
# What BM25 terms depend on besides the text: the analyser, the lexicon, the folding.
ANALYZER_FILES = (
    CODE_DIR / "lexical.py", PROJECT_DIR / "vntext" / "lexicon.py", PROJECT_DIR / "vntext" / "lexicon.yml",
    PROJECT_DIR / "vntext" / "normalise.py",
)


def input_files() -> List[Path]:
    """Every file whose change must trigger a rebuild."""
    code = [CODE_DIR / n for n in ("build/index.py", "corpus.py", "lexical.py")]
    return [
        *FAQ_DIR.glob("*.yml"), *DOCUMENTS_DIR.glob("*.md"), KNOWLEDGE_DIR / "facts.yml",
        KNOWLEDGE_DIR / "programmes.yml", CODE_DIR / "retrieval.yml",
        PROJECT_DIR / "vntext" / "lexicon.yml", *code,
    ]


def _model_stamp(model_id: str) -> str:
    """Short hash of the model's own record, so a different model forces a rebuild."""
    record = Path(model_id) / "conversion.json"
    data = record.read_bytes() if record.exists() else model_id.encode()
    return hashlib.sha256(data).hexdigest()[:8]


def _vector_namespace(settings: Dict[str, Any], model_id: str) -> str:
    """Cache namespace of embeddings: model, its conversion and export, backend."""
    embedding = settings["embedding"]
    stamp = _model_stamp(model_id)
    backend = str(embedding.get("backend", "torch"))
    if backend in ONNX_BACKENDS:
        from knowledge.embedding.onnx_export import model_path

        exported = model_path(Path(model_id), backend)
        stamp += f"-{exported.stat().st_size}-{exported.stat().st_mtime_ns}" if exported.exists() else ""
    return f"{embedding['model']}|{embedding.get('backend', 'torch')}|{stamp}"


def _analyzer_namespace() -> str:
    from importlib.metadata import version

    return files_digest(ANALYZER_FILES, extra=version("underthesea"))


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (staff saves, set-up and tests may overlap)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _progress(items: List[str], description: str):
    from tqdm import tqdm

    return tqdm(items, desc=description, unit="text", file=sys.stderr, leave=False)


def _write_faiss(vectors: np.ndarray, path: Path) -> None:
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    faiss.write_index(index, str(path))


def build(index_dir: Path = INDEX_DIR, force: bool = False) -> Path:
    """Build (if needed) and return the folder of the current index."""
    with _build_lock(index_dir):
        return _build(index_dir, force)


def _build(index_dir: Path, force: bool) -> Path:
    settings = load_settings()
    ensure_default_model(settings)
    model_id = model_location(settings)
    fingerprint = file_fingerprint(input_files())[:16] + "-" + _model_stamp(model_id)
    current = current_index_dir(index_dir)
    if current is not None and not force:
        manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("fingerprint") == fingerprint and manifest.get("format") == INDEX_FORMAT:
            print(f"[index] up to date ({manifest['counts']})", file=sys.stderr)
            return current

    started = time.time()
    faq = load_faq()
    passages = [p for document in load_documents() for p in chunk_document(document)]
    keys = [(position, text) for position, entry in enumerate(faq) for text in entry.questions]
    passage_texts = [f"{p.document_title}. {p.heading}. {p.text}" for p in passages]

    # The model loads only when some text is new: a retired entry needs no embedding.
    embedders: List[Embedder] = []

    def embedder() -> Embedder:
        if not embedders:
            embedders.append(Embedder(settings, for_build=True))
        return embedders[0]

    def encoder(prompt: str):
        def encode(texts: List[str]) -> np.ndarray:
            method = embedder().encode_queries if prompt == "query" else embedder().encode_passages
            batches = range(0, len(texts), EMBED_BATCH)
            return np.concatenate([method(texts[i:i + EMBED_BATCH]) for i in _progress(list(batches), prompt)])
        return encode

    cache = BuildCache(BUILD_CACHE_PATH)
    namespace = _vector_namespace(settings, model_id)
    print(f"[index] {len(keys)} FAQ questions and {len(passages)} passages", file=sys.stderr)
    key_vectors = cache.vectors(f"{namespace}|query", [text for _, text in keys], encoder("query"),
                                lambda: embedder().dimension)
    passage_vectors = cache.vectors(f"{namespace}|passage", passage_texts, encoder("passage"),
                                    lambda: embedder().dimension)
    terms_namespace = _analyzer_namespace()
    faq_terms = cache.terms(terms_namespace, [" . ".join([*entry.questions, *entry.tags]) for entry in faq], analyze)
    passage_terms = cache.terms(terms_namespace, passage_texts, analyze)
    dimension = int(key_vectors.shape[1] if len(key_vectors) else passage_vectors.shape[1])

    index_dir.mkdir(parents=True, exist_ok=True)
    target = index_dir / f"build-{fingerprint}"
    staging = index_dir / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    _write_faiss(key_vectors, staging / "faq_keys.faiss")
    _write_faiss(passage_vectors, staging / "passages.faiss")
    data: Dict[str, Any] = {
        "faq": [entry.__dict__ for entry in faq],
        "faq_keys": [position for position, _ in keys],
        "faq_terms": faq_terms,
        "passages": [p.__dict__ for p in passages],
        "passage_terms": passage_terms,
    }
    (staging / "corpus.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    manifest = {
        "format": INDEX_FORMAT,
        "fingerprint": fingerprint,
        "model": embedder_name(settings),
        "dimension": dimension,
        "counts": {"faq_entries": len(faq), "faq_questions": len(keys), "passages": len(passages)},
        "embedded": {"new": cache.misses, "cached": cache.hits},
        "build_seconds": round(time.time() - started, 1),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    _swap_current(index_dir, target)
    print(f"[index] built {manifest['counts']} in {manifest['build_seconds']} s "
          f"({cache.misses} texts embedded, {cache.hits} from the cache)", file=sys.stderr)
    return target


def _swap_current(index_dir: Path, target: Path) -> None:
    """Point ``current`` at ``target`` atomically, then delete older builds."""
    temporary = index_dir / f".link-{os.getpid()}"
    if temporary.is_symlink():
        temporary.unlink()
    temporary.symlink_to(target.name)
    os.replace(temporary, index_dir / CURRENT_LINK)
    for old in index_dir.glob("build-*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    args = parser.parse_args()
    skip_unused_underthesea_modules()
    build(force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
