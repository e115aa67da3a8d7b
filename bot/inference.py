"""NLU inference without per-message overhead, with outputs identical to Rasa's.

Profiling a parse (cProfile over the fresh held-out messages) showed two costs around
DIET that do not depend on the model:

- every prediction goes through ``tf.function``'s argument handling (flatten, cast to
  the input signature, compute a type key, look the graph up) before the graph runs:
  more time than the graph itself. The graph never changes after the first call, so
  later calls convert the inputs to the signature's dtypes and call that graph
  directly; any input that does not fit the signature takes TensorFlow's own path.
- each message's sparse features from three featurizers are joined with
  ``scipy.sparse.hstack``, whose general block-matrix code is ~4× slower than joining
  two COO matrices directly; the joined matrix (entries, order, dtypes, format) is the
  same. Compressed (CSR/CSC) inputs keep scipy's own fast path.
"""

from __future__ import annotations

from typing import Any, List, Optional

import numpy as np


class DirectGraphCall:
    """Calls a ``tf.function`` with an input signature straight through its concrete graph."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self._concrete: Optional[Any] = None
        self._specs: List[Any] = []

    def __call__(self, batch_in: Any) -> Any:
        import tensorflow as tf
        from tensorflow.python.util import nest

        if self._concrete is None:
            self._concrete = self.function.get_concrete_function()
            self._specs = nest.flatten(self.function.input_signature, expand_composites=True)
        flat = nest.flatten(batch_in, expand_composites=True)
        if len(flat) != len(self._specs):
            return self.function(batch_in)
        arguments = []
        for value, spec in zip(flat, self._specs):
            if not spec.shape.is_compatible_with(np.shape(value)):
                return self.function(batch_in)  # TensorFlow's own checks and message
            arguments.append(tf.convert_to_tensor(value, dtype=spec.dtype))
        return self._concrete._call_flat(arguments, self._concrete.captured_inputs)


def call_prediction_graphs_directly() -> None:
    """Rasa models (DIET, TED) predict through ``DirectGraphCall`` after their first prediction."""
    from rasa.utils.tensorflow.models import RasaModel

    rasa_predict = RasaModel._rasa_predict
    if getattr(rasa_predict, "direct", False):
        return

    def _rasa_predict(self: RasaModel, batch_in: Any) -> Any:
        step = self._tf_predict_step
        if step is not None and not isinstance(step, DirectGraphCall):
            self._tf_predict_step = DirectGraphCall(step)
        return rasa_predict(self, batch_in)

    _rasa_predict.direct = True  # type: ignore[attr-defined]
    _rasa_predict.rasa = rasa_predict  # type: ignore[attr-defined]
    RasaModel._rasa_predict = _rasa_predict


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


def join_sparse_features_directly() -> None:
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
