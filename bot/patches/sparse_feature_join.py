"""A message's sparse features joined without scipy's general block-matrix code.

Each message's sparse features from three featurizers are joined with
``scipy.sparse.hstack``, whose general block-matrix code is ~4x slower than joining two
COO matrices directly. The joined matrix (entries, order, dtypes, format) is the same;
compressed (CSR/CSC) inputs keep scipy's own fast path. Uses scipy's private
``_sputils`` for the index dtype scipy itself would choose.
"""

from __future__ import annotations

from typing import Any

import numpy as np

REASON = "scipy.sparse.hstack's general block-matrix code dominated joining a message's sparse features"
GAIN = "~4x faster join than scipy.sparse.hstack; with the other two parse patches a parse 9.6 -> 5.7 ms CPU"
REPLACES = "rasa.shared.nlu.training_data.features.Features._combine_sparse_features (uses scipy.sparse._sputils)"
TESTED_ON = {"rasa": "3.6.21", "scipy": "1.10.1"}


def hstack(left: Any, right: Any) -> Any:
    """``scipy.sparse.hstack([left, right])``, the same matrix, built directly for COO input."""
    import scipy.sparse as sp
    from scipy.sparse._sputils import get_index_dtype, upcast

    if left.format == right.format and left.format in ("csr", "csc"):
        return sp.hstack([left, right])
    left, right = left.tocoo(), right.tocoo()
    if left.shape[0] != right.shape[0]:
        return sp.hstack([left, right])  # scipy's error message
    shape = (left.shape[0], left.shape[1] + right.shape[1])
    index_dtype = get_index_dtype(maxval=max(shape))
    data = np.concatenate([left.data, right.data]).astype(upcast(left.dtype, right.dtype), copy=False)
    rows = np.concatenate([left.row, right.row]).astype(index_dtype, copy=False)
    columns = np.concatenate([left.col.astype(index_dtype), right.col.astype(index_dtype) + index_dtype(left.shape[1])])
    return sp.coo_matrix((data, (rows, columns)), shape=shape)


def apply() -> None:
    """Rasa's ``Features`` join sparse features with ``hstack`` above."""
    from rasa.shared.nlu.training_data.features import Features

    rasa_combine = Features._combine_sparse_features
    if getattr(rasa_combine, "direct", False):
        return

    def _combine_sparse_features(self: Features, additional_features: Features) -> None:
        if self.features.shape[0] != additional_features.features.shape[0]:
            rasa_combine(self, additional_features)  # raises Rasa's error
            return
        self.features = hstack(self.features, additional_features.features)
        self._cached_fingerprint = None

    _combine_sparse_features.direct = True  # type: ignore[attr-defined]
    Features._combine_sparse_features = _combine_sparse_features
