"""A served DIET model built with one prediction instead of one step of training.

Rasa's ``RasaModel.load`` creates the weights by fitting the model on one example,
which traces the whole training graph and creates the optimizer's slots, then
overwrites the weights from the file. A prediction creates every variable a prediction
reads, the file's values are then restored into them (its optimizer state is left
unread), and the prediction graph is traced as Rasa does after loading.
``tests/rasa/test_fast_model_load.py`` checks that both give the same parse.
Fine-tuning and models loaded without a prediction example still go through Rasa's own
load. ``RASA_FAST_LOAD=0`` leaves this patch out (as ``RASA_SKIP_PATCHES=fast_model_load``).
"""

from __future__ import annotations

from typing import Any

REASON = "Rasa's load fits one training step (training graph, optimizer slots) before restoring the weights"
GAIN = "~110 MB less per Rasa process, faster cold start (issue 18)"
REPLACES = "rasa.utils.tensorflow.models.RasaModel.load"
TESTED_ON = {"rasa": "3.6.21", "tensorflow": "2.12.0"}


def apply() -> None:
    from rasa.utils.tensorflow.models import RasaModel

    rasa_load = RasaModel.load.__func__  # type: ignore[attr-defined]
    if getattr(rasa_load, "for_prediction", False):
        return

    def load(cls: Any, model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        if finetune_mode or predict_data_example is None:
            return rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                             *args, **kwargs)
        model = cls(*args, **kwargs)
        model.run_inference(predict_data_example)  # creates the variables
        model.load_weights(model_file_name).expect_partial()
        # What prediction precomputed from the initial weights (DIET: every label's
        # embedding, captured by the traced function) is computed again, then traced.
        model.prepare_for_predict()
        model._tf_predict_step = None
        model.run_inference(predict_data_example)
        return model

    load.for_prediction = True  # type: ignore[attr-defined]
    RasaModel.load = classmethod(load)  # type: ignore[method-assign]
