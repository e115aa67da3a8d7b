"""Rasa's prediction graph run node by node in a fixed order, without dask.

Rasa runs its model graph (tokenizer, featurizers, DIET, policies) through dask's
synchronous scheduler for every message parse and every action prediction: each run
first recomputes which nodes the targets need (a recursive walk that lists nodes many
times over) and then lets dask order and dispatch them. Under load that bookkeeping
was about a tenth of the Rasa server's CPU (py-spy, 10 users), for a graph that is the
same on every call. This runner computes each target set's node order once and calls
the very same graph nodes in that order; inputs, outputs and errors are those of
Rasa's ``DaskGraphRunner``. Training keeps Rasa's runner.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

REASON = "dask recomputed which nodes a prediction needs and scheduled them on every parse and action prediction"
GAIN = "about a tenth of the Rasa server's CPU under load (py-spy, 10 users)"
REPLACES = "rasa.core.processor.DaskGraphRunner (the name the processor loads models with)"
TESTED_ON = {"rasa": "3.6.21", "dask": "2022.10.2"}

Plan = List[Tuple[Text, Tuple[Text, ...]]]


class SequentialGraphRunner(DaskGraphRunner):
    """``DaskGraphRunner`` with a cached execution order and no scheduler."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: Dict[Tuple[Text, ...], Plan] = {}

    def _plan(self, targets: Tuple[Text, ...]) -> Plan:
        """Every node the targets need, each after the nodes it needs (computed once)."""
        plan = self._plans.get(targets)
        if plan is None:
            nodes = self._graph_schema.nodes
            plan, placed = [], set()

            def place(name: Text, path: Tuple[Text, ...] = ()) -> None:
                if name in placed or name not in nodes:  # done, or an input placeholder
                    return
                if name in path:
                    raise GraphRunError(f"The graph has a cycle through '{name}'.")
                needs = tuple(nodes[name].needs.values())
                for needed in needs:
                    place(needed, path + (name,))
                placed.add(name)
                plan.append((name, needs))

            for target in targets:
                place(target)
            self._plans[targets] = plan
        return plan

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        """Runs the graph (see ``GraphRunner.run``)."""
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        plan = self._plan(run_targets)
        values: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the "
                    f"input names passed to the `run` method are the same as node names in the graph schema."
                )
            values[name] = (name, value)  # what a dask literal task gives a node
        try:
            for name, needs in plan:
                values[name] = self._instantiated_nodes[name](*(values[needed] for needed in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(values[target] for target in run_targets)


def apply() -> None:
    import rasa.core.processor as processor

    processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
