"""The sequential graph runner (bot/patches/graph_without_dask.py) predicts exactly what Rasa's dask runner predicts."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.engine import loader
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.patches.graph_without_dask import SequentialGraphRunner
from bot.train_if_changed import current_model

MESSAGES = ["lai suat ho ngheo bao nhieu", "Nhà tôi cận nghèo muốn vay nuôi bò", "chào bạn",
            "bị vay nặng lãi 30%/tháng phải làm sao", "asdfgh", "hộ mới thoát nghèo vay được bao nhiêu tiền?"]


@pytest.fixture(scope="module")
def runners():
    model = current_model()
    if model is None:
        pytest.skip("no trained model (scripts/setup.sh trains one)")
    loaded = {}
    for runner_class in (DaskGraphRunner, SequentialGraphRunner):
        with tempfile.TemporaryDirectory() as storage:
            loaded[runner_class] = loader.load_predict_graph_runner(
                Path(storage), Path(model), LocalModelStorage, runner_class)
    return loaded[DaskGraphRunner], loaded[SequentialGraphRunner]


def parse(loaded, text: str) -> dict:
    """As ``MessageProcessor._parse_message_with_graph`` does."""
    metadata, runner = loaded
    output = runner.run(inputs={"__message__": [UserMessage(text)]}, targets=[metadata.nlu_target])
    return output[metadata.nlu_target][0].as_dict(only_output_properties=True)


def test_same_parse_for_every_message(runners):
    dask_runner, sequential_runner = runners
    for text in MESSAGES:
        theirs, ours = parse(dask_runner, text), parse(sequential_runner, text)
        assert ours["intent"] == theirs["intent"], text
        assert ours["intent_ranking"] == theirs["intent_ranking"], text
        assert ours.get("entities") == theirs.get("entities"), text


def test_same_next_action_prediction(runners):
    dask_runner, sequential_runner = runners
    metadata = dask_runner[0]
    for text in MESSAGES:
        parsed = parse(dask_runner, text)
        tracker = DialogueStateTracker.from_events("t", [
            ActionExecuted("action_listen"), UserUttered(text, parsed["intent"], parsed.get("entities", []))],
            metadata.domain.slots)
        predictions = [runner.run(inputs={"__tracker__": tracker}, targets=[metadata.core_target])[metadata.core_target]
                       for _, runner in (dask_runner, sequential_runner)]
        theirs, ours = (p[0] if isinstance(p, tuple) else p for p in predictions)
        assert ours.max_confidence_index == theirs.max_confidence_index, text
        assert ours.probabilities == theirs.probabilities, text
        assert ours.policy_name == theirs.policy_name, text


def test_an_input_named_like_a_node_is_refused(runners):
    _, (_, sequential_runner) = runners
    node = next(iter(sequential_runner._graph_schema.nodes))
    with pytest.raises(GraphRunError):
        sequential_runner.run(inputs={"__message__": node})
