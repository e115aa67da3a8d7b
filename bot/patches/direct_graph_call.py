"""DIET and TED predict through their traced graph directly after their first prediction.

Every prediction went through ``tf.function``'s argument handling (flatten, cast to the
input signature, compute a type key, look the graph up) before the graph ran: more
time than the graph itself. The graph never changes after the first call, so later
calls convert the inputs to the signature's dtypes and call that concrete graph
directly (TensorFlow's private ``_call_flat``); any input that does not fit the
signature takes TensorFlow's own path, with its checks and messages. A NumPy input
becomes a tensor through ``convert_to_eager_tensor``, what ``tf.convert_to_tensor`` ends
in after its dispatch and registry layers (15 against 33 us a tensor, 8 tensors a
parse; the same values and dtypes).
"""

from __future__ import annotations

from typing import Any, List, Optional

import numpy as np

REASON = "tf.function's argument handling cost more than DIET's graph itself on every prediction"
GAIN = "with graph_without_dask and sparse_feature_join: a parse 9.6 -> 5.7 ms CPU (patch_gains benchmark); alone within noise"
REPLACES = "rasa.utils.tensorflow.models.RasaModel._rasa_predict (TensorFlow's ConcreteFunction._call_flat)"
TESTED_ON = {"rasa": "3.6.21", "tensorflow": "2.12.0"}


class DirectGraphCall:
    """Calls a ``tf.function`` with an input signature straight through its concrete graph."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self._concrete: Optional[Any] = None
        self._specs: List[Any] = []

    def __call__(self, batch_in: Any) -> Any:
        import tensorflow as tf
        from tensorflow.python.eager import context
        from tensorflow.python.framework.constant_op import convert_to_eager_tensor
        from tensorflow.python.util import nest

        if self._concrete is None:
            self._concrete = self.function.get_concrete_function()
            self._specs = nest.flatten(self.function.input_signature, expand_composites=True)
        flat = nest.flatten(batch_in, expand_composites=True)
        if len(flat) != len(self._specs):
            return self.function(batch_in)
        arguments = []
        eager = context.context()
        for value, spec in zip(flat, self._specs):
            if not spec.shape.is_compatible_with(np.shape(value)):
                return self.function(batch_in)  # TensorFlow's own checks and message
            if isinstance(value, np.ndarray):
                arguments.append(convert_to_eager_tensor(value, eager, spec.dtype))
            else:
                arguments.append(tf.convert_to_tensor(value, dtype=spec.dtype))
        return self._concrete._call_flat(arguments, self._concrete.captured_inputs)


def apply() -> None:
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
