"""The NLU inference patches (bot/patches/direct_graph_call.py, sparse_feature_join.py) give exactly Rasa's results."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import tensorflow as tf

from bot import patches
from bot.patches.direct_graph_call import DirectGraphCall
from bot.patches.sparse_feature_join import hstack


@pytest.mark.parametrize("left_format, right_format", [("coo", "coo"), ("coo", "csr"), ("csr", "csr"), ("csc", "coo")])
@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float64), (np.int64, np.float32)])
def test_hstack_is_scipys(left_format, right_format, dtypes):
    rng = np.random.default_rng(7)
    left = sp.random(9, 300, density=0.05, format=left_format, dtype=dtypes[0], random_state=rng)
    right = sp.random(9, 41, density=0.2, format=right_format, dtype=dtypes[1], random_state=rng)
    ours, theirs = hstack(left, right), sp.hstack([left, right])
    assert ours.format == theirs.format and ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert (ours != theirs).nnz == 0
    if ours.format == "coo":  # same entries in the same order
        assert np.array_equal(ours.row, theirs.row) and np.array_equal(ours.col, theirs.col)
        assert ours.row.dtype == theirs.row.dtype and np.array_equal(ours.data, theirs.data)


def test_hstack_refuses_mismatched_rows_like_scipy():
    with pytest.raises(ValueError):
        hstack(sp.coo_matrix((2, 3)), sp.coo_matrix((3, 3)))


def _graph() -> tf.types.experimental.GenericFunction:
    weights = tf.constant([[1.0, 2.0], [3.0, 4.0]])

    def predict(batch):
        features, mask = batch
        return {"scores": tf.matmul(features, weights) * tf.cast(mask, tf.float32)[:, None], "n": tf.shape(mask)[0]}

    signature = [[tf.TensorSpec([None, 2], tf.float32), tf.TensorSpec([None], tf.int64)]]
    return tf.function(predict, input_signature=signature)


def test_direct_graph_call_returns_what_the_function_returns():
    function = _graph()
    direct = DirectGraphCall(function)
    for rows in (1, 3, 7):
        batch = (np.arange(rows * 2, dtype=np.float64).reshape(rows, 2), np.ones(rows, dtype=np.int64))
        ours, theirs = direct(batch), function(batch)
        assert ours.keys() == theirs.keys()
        assert np.array_equal(ours["scores"].numpy(), theirs["scores"].numpy())
        assert int(ours["n"]) == int(theirs["n"]) == rows


def test_an_input_outside_the_signature_gets_tensorflows_own_error():
    direct = DirectGraphCall(_graph())
    direct((np.zeros((1, 2)), np.ones(1, dtype=np.int64)))
    with pytest.raises((ValueError, TypeError)):
        direct((np.zeros((1, 3)), np.ones(1, dtype=np.int64)))  # 3 features, the graph takes 2


def test_diet_ranks_intents_exactly_as_through_tensorflows_call(monkeypatch):
    import asyncio

    from rasa.core.agent import Agent
    from rasa.utils.tensorflow.models import RasaModel

    from bot.train_if_changed import current_model

    model = current_model()
    if model is None:
        pytest.skip("no trained model (scripts/setup.sh trains one)")
    assert set(patches.apply(only=["direct_graph_call", "sparse_feature_join"], environ={}).values()) == {patches.APPLIED}
    agent = Agent.load(model)
    diet = next(node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
                if type(node._component).__name__ == "DIETClassifier")
    messages = ["lai suat ho ngheo bao nhieu", "Nhà tôi cận nghèo muốn vay nuôi bò", "chào bạn", "vay nang lai phai lam sao",
                "hộ mới thoát nghèo vay được bao nhiêu tiền?", "cho vay hssv can giay to gi", "ok cảm ơn nhé"]
    loop = asyncio.new_event_loop()

    def rankings():
        return [loop.run_until_complete(agent.parse_message(m))["intent_ranking"] for m in messages]

    direct = rankings()
    assert isinstance(diet.model._tf_predict_step, DirectGraphCall)
    monkeypatch.setattr(RasaModel, "_rasa_predict", RasaModel._rasa_predict.rasa)
    diet.model._tf_predict_step = diet.model._tf_predict_step.function
    assert rankings() == direct
