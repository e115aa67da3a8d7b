"""The query path of the ONNX model in a small memory: the word-embedding table and the
tokenizer's vocabulary kept out of the heap.

Why (issue 18, a 1.5 GB server): in the exported model, 384 of its 400 MB are the
word-embedding table (250,037 × 384 floats, read with one Gather), and the ``tokenizers``
library holds XLM-R's 250,002-piece Unigram vocabulary in about 280 MB of tries. A query
reads a few dozen rows of that table and a few hundred vocabulary entries. So set-up
splits the model once (``split``):

- ``word_embeddings.npy``: the table, left on disk: the rows a batch needs are read with
  ``pread`` (a query's few dozen rows take microseconds, from the page cache once read).
  Not memory-mapped: random reads through a mapping map the kernel's read-ahead and
  fault-around pages too, and after a thousand questions 286 MB of the table were
  resident in the action server (measured); read rows cost nothing after use. When every
  row is exactly 4-bit blocks (the default model: knowledge/embedding/q4.py) it is stored
  so, 60 MB instead of 384 MB (uint8 rows: the blocks' float32 scales, then the packed
  codes), and a row is decoded to the same float32 values when read; otherwise float32.
- ``model_body.onnx``: the same graph and weights with the Gather replaced by an input,
  so the encoder feeds it the rows it looked up itself: the same numbers as the whole
  exported model, so the index need not be rebuilt.
- ``unigram_pieces.txt`` / ``unigram_scores.npy`` / ``unigram_frame.json``: the
  vocabulary as a plain dictionary (~55 MB), and the tokenizer's normaliser and
  pre-tokeniser (NFC, XLM-R's precompiled character map, Metaspace), which still come
  from the ``tokenizers`` library, with a four-piece model.

``UnigramTokenizer`` is the Viterbi segmentation of the ``tokenizers`` library's Unigram
model (``encode_optimized``: best total score, ties to the first candidate, one unknown
piece per uncovered character at the lowest score minus 10, adjacent unknowns fused);
``tests/unit/test_embedding_serving.py`` checks that it gives the library's ids on every
text of the knowledge base and the test sets, and that the embeddings match
sentence-transformers'.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

BODY_FILE = "model_body.onnx"
TABLE_FILE = "word_embeddings.npy"
PIECES_FILE = "unigram_pieces.txt"
SCORES_FILE = "unigram_scores.npy"
FRAME_FILE = "unigram_frame.json"
RECORD_FILE = "serving.json"
SPLIT_FORMAT = 2  # 2: the table stored as 4-bit blocks when exact
TABLE_INITIALIZER = "model.embeddings.word_embeddings.weight"
EMBEDDED_INPUT = "word_embeddings"  # the graph input that replaces the Gather's output
UNKNOWN_PENALTY = 10.0  # tokenizers' K_UNK_PENALTY
MAX_TOKENS = 512
WORD_CACHE_SIZE = 20000  # words (pre-tokens) whose segmentation is kept: ~3 MB


def _files(onnx_dir: Path) -> Tuple[Path, ...]:
    return tuple(onnx_dir / name for name in (BODY_FILE, TABLE_FILE, PIECES_FILE, SCORES_FILE, FRAME_FILE))


def is_split(onnx_dir: Path, source_stamp: str) -> bool:
    record = onnx_dir / RECORD_FILE
    return (all(path.exists() for path in _files(onnx_dir)) and record.exists()
            and json.loads(record.read_text()) == {"source": source_stamp, "format": SPLIT_FORMAT})


def split(exported: Path, tokenizer_json: Path, source_stamp: str) -> None:
    """Write the serving files beside the ``exported`` model (no-op when they are up to date)."""
    onnx_dir = exported.parent
    if is_split(onnx_dir, source_stamp):
        return
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(exported))
    graph = model.graph
    table = next(t for t in graph.initializer if t.name == TABLE_INITIALIZER)
    gather = next(n for n in graph.node if n.op_type == "Gather" and n.input[0] == TABLE_INITIALIZER)
    _write_atomically(onnx_dir / TABLE_FILE, lambda path: np.save(path, _table_rows(numpy_helper.to_array(table))))
    graph.node.remove(gather)
    graph.initializer.remove(table)
    for node in graph.node:  # the Gather's readers read the new input instead
        for index, name in enumerate(node.input):
            if name == gather.output[0]:
                node.input[index] = EMBEDDED_INPUT
    graph.input.append(helper.make_tensor_value_info(
        EMBEDDED_INPUT, TensorProto.FLOAT, ["batch", "tokens", int(table.dims[1])]))
    _write_atomically(onnx_dir / BODY_FILE, lambda path: onnx.save(model, str(path)))

    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    vocabulary = spec["model"]["vocab"]
    pieces = [piece for piece, _ in vocabulary]
    if any("\n" in piece for piece in pieces):
        raise ValueError("a vocabulary piece contains a line break")
    _write_atomically(onnx_dir / PIECES_FILE, lambda path: path.write_text("\n".join(pieces), encoding="utf-8"))
    _write_atomically(onnx_dir / SCORES_FILE,
                      lambda path: np.save(path, np.array([score for _, score in vocabulary], dtype=np.float64)))
    # <s> <pad> </s> <unk>: a valid model for the normaliser and pre-tokeniser to travel in
    frame = dict(spec, model={**spec["model"], "vocab": vocabulary[:4]},
                 added_tokens=[t for t in spec["added_tokens"] if t["id"] < 4])
    _write_atomically(onnx_dir / FRAME_FILE, lambda path: path.write_text(json.dumps(frame), encoding="utf-8"))
    (onnx_dir / RECORD_FILE).write_text(json.dumps({"source": source_stamp, "format": SPLIT_FORMAT}))


def _table_rows(table: np.ndarray) -> np.ndarray:
    """The table as stored: 4-bit rows (scales, then codes) when that is exact, else float32."""
    from knowledge.embedding import q4

    packed = q4.blocks(np.ascontiguousarray(table, dtype=np.float32))
    if packed is None:
        return table
    codes, scales = packed
    return np.concatenate([scales.view(np.uint8).reshape(len(table), -1), codes.reshape(len(table), -1)], axis=1)


def _write_atomically(path: Path, write: Any) -> None:
    partial = path.with_name(path.name + ".partial" + path.suffix)
    write(partial)
    os.replace(partial, path)


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system.

    Why: glibc keeps freed memory for reuse, so a process that dropped a model (the staff
    tools' retriever when idle) would still hold its pages and its PSS would not fall.
    """
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused by this process
        pass


class UnigramTokenizer:
    """XLM-R's Unigram tokenization with the vocabulary in a dictionary (see the module doc)."""

    def __init__(self, onnx_dir: Path, full_tokenizer: Path):
        from tokenizers import Tokenizer

        frame = Tokenizer.from_file(str(onnx_dir / FRAME_FILE))
        self._normalizer, self._pre_tokenizer = frame.normalizer, frame.pre_tokenizer
        pieces = (onnx_dir / PIECES_FILE).read_text(encoding="utf-8").split("\n")
        self._ids: Dict[str, int] = {piece: index for index, piece in enumerate(pieces)}
        self._longest = max(len(piece) for piece in pieces)
        scores = np.load(onnx_dir / SCORES_FILE)
        self._scores: List[float] = scores.tolist()
        spec = json.loads((onnx_dir / FRAME_FILE).read_text(encoding="utf-8"))
        self._unknown_id = int(spec["model"]["unk_id"])
        self._unknown_score = float(scores.min()) - UNKNOWN_PENALTY
        self._specials = [t["content"] for t in spec["added_tokens"]] + ["<mask>"]
        self.bos_id, self.eos_id = self._ids["<s>"], self._ids["</s>"]
        self.pad_id = self._ids["<pad>"]
        self._full_path = full_tokenizer
        self._full: Optional[Any] = None
        self._word_cache: Dict[str, Tuple[int, ...]] = {}

    def ids(self, text: str) -> List[int]:
        """Token ids of one text with ``<s>`` and ``</s>``, cut at 512 tokens."""
        if any(special in text for special in self._specials):
            return self._full_tokenizer().encode(text).ids  # special tokens in the text: the library's rules
        normalized = self._normalizer.normalize_str(text)
        body: List[int] = []
        for word, _ in self._pre_tokenizer.pre_tokenize_str(normalized):
            ids = self._word_cache.get(word)
            if ids is None:  # the same few thousand syllables recur: segment each once
                ids = self._word_ids(word)
                if len(self._word_cache) >= WORD_CACHE_SIZE:
                    self._word_cache.clear()
                self._word_cache[word] = ids
            body.extend(ids)
        return [self.bos_id, *body[:MAX_TOKENS - 2], self.eos_id]

    def _word_ids(self, word: str) -> Tuple[int, ...]:
        """Best-scoring segmentation of one pre-token (tokenizers' Unigram ``encode_optimized``)."""
        size = len(word)
        best = [0.0] * (size + 1)
        start_of: List[int] = [-1] * (size + 1)
        id_of = [0] * (size + 1)
        ids, scores = self._ids, self._scores
        for start in range(size):
            base = best[start]
            single = False
            for end in range(start + 1, min(size, start + self._longest) + 1):
                piece = ids.get(word[start:end])
                if piece is None:
                    continue
                single = single or end == start + 1
                score = base + scores[piece]
                if start_of[end] < 0 or score > best[end]:
                    best[end], start_of[end], id_of[end] = score, start, piece
            if not single:
                score = base + self._unknown_score
                if start_of[start + 1] < 0 or score > best[start + 1]:
                    best[start + 1], start_of[start + 1], id_of[start + 1] = score, start, self._unknown_id
        result: List[int] = []
        end = size
        while end > 0:
            piece = id_of[end]
            if not (piece == self._unknown_id and result and result[-1] == self._unknown_id):
                result.append(piece)  # adjacent unknown pieces are fused into one
            end = start_of[end]
        result.reverse()
        return tuple(result)

    def _full_tokenizer(self) -> Any:
        if self._full is None:
            from tokenizers import Tokenizer

            self._full = Tokenizer.from_file(str(self._full_path))
            self._full.enable_truncation(MAX_TOKENS)
        return self._full


class TableRows:
    """Rows of a 2-D ``.npy`` table read from disk on demand (see the module doc)."""

    def __init__(self, path: Path):
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(handle)
            offset = handle.tell()
        if fortran or len(shape) != 2:
            raise ValueError(f"{path}: expected a C-ordered 2-D table")
        self.shape, self.dtype, self._offset = shape, np.dtype(dtype), offset
        self._row_bytes = shape[1] * self.dtype.itemsize
        # uint8 rows are 4-bit blocks: per block of 32 values a float32 scale (4 bytes, all
        # first) and 16 bytes of codes, 20 bytes a block
        self._blocks = shape[1] // 20 if self.dtype == np.uint8 else 0
        if self._blocks and shape[1] != 20 * self._blocks:
            raise ValueError(f"{path}: a 4-bit row must be 20 bytes a block of 32")
        self.width = 32 * self._blocks if self._blocks else shape[1]
        self._fd = os.open(path, os.O_RDONLY)

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        """The rows of ``ids`` (any shape) as float32, shaped ``ids.shape + (width,)``."""
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = np.empty((len(unique), self.shape[1]), dtype=self.dtype)
        for index, row in enumerate(unique.tolist()):
            if not 0 <= row < self.shape[0]:
                raise IndexError(f"token id {row} outside the table")
            rows[index] = np.frombuffer(os.pread(self._fd, self._row_bytes, self._offset + row * self._row_bytes),
                                        dtype=self.dtype)
        if self._blocks:
            from knowledge.embedding import q4

            scales = rows[:, :4 * self._blocks].copy().view(np.float32)
            rows = q4.decode(rows[:, 4 * self._blocks:].reshape(len(rows), self._blocks, 16), scales)
        return rows[inverse.reshape(ids.shape)].astype(np.float32, copy=False)

    def __del__(self) -> None:
        try:
            os.close(self._fd)
        except (OSError, AttributeError):
            pass


class SplitModel:
    """The split model: ids -> rows of the table on disk -> the ONNX body."""

    def __init__(self, onnx_dir: Path, session_options: Any, full_tokenizer: Path):
        import onnxruntime

        self.tokenizer = UnigramTokenizer(onnx_dir, full_tokenizer)
        self._table = TableRows(onnx_dir / TABLE_FILE)
        self._session = onnxruntime.InferenceSession(
            str(onnx_dir / BODY_FILE), session_options, providers=["CPUExecutionProvider"])

    def hidden_states(self, texts: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
        """Last hidden states and the attention mask of a batch (padded with ``<pad>``)."""
        rows = [self.tokenizer.ids(text) for text in texts]
        width = max(len(row) for row in rows)
        ids = np.full((len(rows), width), self.tokenizer.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for index, row in enumerate(rows):
            ids[index, :len(row)] = row
            mask[index, :len(row)] = 1
        embedded = self._table[ids]
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask, EMBEDDED_INPUT: embedded})[0]
        return hidden, mask
