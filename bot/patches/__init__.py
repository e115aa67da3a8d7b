"""Every change the served Rasa makes to Rasa and its libraries, in one guarded place.

``python -m bot.serve run ...`` (what ``make start`` runs) calls :func:`apply` before
starting Rasa; nothing else changes Rasa's internals, and nothing here changes them on
import. Each module below replaces one internal and states why (``REASON``), what it
gained when measured (``GAIN``), what it replaces (``REPLACES``) and the library versions
it was tested on (``TESTED_ON``). A patch is applied only when every one of those
libraries is installed at exactly the tested version; otherwise it is left out, Rasa's
own code runs, and a warning is logged. None of them changes what Rasa answers:
``tests/integration/test_stock_rasa.py`` replays the test conversations through a stock
and a patched server and requires the same replies, actions, intents and slots.

The patches, in the order they are applied:

1. ``one_tf_thread``: one TensorFlow thread per process (TensorFlow's pool sizes).
   Rasa CPU per message 49 -> 39 ms under load.
2. ``action_result_schema``: action answers checked against Rasa's schema compiled
   once, each distinct event once (``RemoteAction._validate_action_result``).
   ~35 ms -> ~0.1 ms per action answer.
3. ``sqlite_wal``: SQLite in write-ahead-log mode with the tracker store's connection
   kept open (a process-wide SQLAlchemy listener; ``tracker_store.create_engine_kwargs``).
   ~17 ms less per message.
4. ``event_lookup``: event classes found in a dictionary (``Event.resolve_by_type``).
   29-83 us -> 0.1-0.2 us per event read.
5. ``kept_alive_connections``: one kept-alive HTTP session per event loop and endpoint
   (``EndpointConfig.session``). 5 % of Rasa's CPU under load.
6. ``graph_without_dask``: the prediction graph run in a cached node order
   (``rasa.core.processor.DaskGraphRunner``). About a tenth of Rasa's CPU under load.
7. ``direct_graph_call``: DIET/TED predict through their concrete graph
   (``RasaModel._rasa_predict``, TensorFlow's ``_call_flat``).
8. ``sparse_feature_join``: sparse features joined without scipy's block-matrix code
   (``Features._combine_sparse_features``, scipy's ``_sputils``). 6-8 together: a parse
   9.6 -> 5.7 ms CPU (``python -m evaluation.bench.patch_gains``).
9. ``workers_load_in_turn``: Rasa workers load the model one at a time
   (``rasa.core.run.load_agent_on_start``). First answer after ~12 s instead of ~20 s.
10. ``fast_model_load``: DIET built with one prediction instead of one training step
    (``RasaModel.load``). ~110 MB less per Rasa process.
11. ``action_server_timeout``: Rasa waits 20 s for the action server, not 5 minutes
    (``rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT``). Frees a conversation's lock.
12. ``workers_stop_with_server``: forked workers take SIGTERM until Sanic's handler is
    installed (a fork hook). No worker left behind after a stop.
13. ``frozen_imports``: ``gc.freeze`` before Sanic forks the workers (a fork hook).
    140 MB less PSS with two workers.
14. ``empty_domain_once``: ``Domain.is_empty`` compares with the empty domain's dictionary
    built once, not a new empty ``Domain`` per parse. ~0.2 ms per message.
15. ``rule_keys_prepared``: RulePolicy's applicable rule keys found with each key's states
    prepared once (``RulePolicy._get_possible_keys``). 2x faster, same keys.
16. ``count_vectors_direct``: the count featurizers' sparse features built directly as the
    COO matrices Rasa keeps (``CountVectorsFeaturizer._create_features``), not through
    scikit-learn's CSR and a conversion. Same arrays.
17. ``slot_copies``: a tracker's slots copied as new objects with the same attributes
    instead of through ``copy.copy``'s reduce protocol (the ``copy`` module seen by
    ``rasa.shared.core.trackers``). 37 -> 7 us per tracker made.

Where each figure comes from: the README's "Serving patches" table.
Switches: ``RASA_STOCK=1 make start`` runs plain ``rasa run`` (none of these);
``RASA_SKIP_PATCHES=name,name`` leaves out some; ``RASA_FAST_LOAD=0`` leaves out
``fast_model_load``. ``python -m bot.patches`` lists them and whether each applies to
the installed versions.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Dict, Iterable, List, Mapping, Optional

logger = logging.getLogger(__name__)

# In the order they are applied: one_tf_thread first, before anything imports TensorFlow.
PATCHES = (
    "one_tf_thread",
    "action_result_schema",
    "sqlite_wal",
    "event_lookup",
    "kept_alive_connections",
    "graph_without_dask",
    "direct_graph_call",
    "sparse_feature_join",
    "workers_load_in_turn",
    "fast_model_load",
    "action_server_timeout",
    "workers_stop_with_server",
    "frozen_imports",
    "empty_domain_once",
    "rule_keys_prepared",
    "count_vectors_direct",
    "slot_copies",
)

# Other names a tested library is installed under (TensorFlow's CPU-only wheels).
ALIASES = {"tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel")}

APPLIED = "applied"


def installed_version(distribution: str) -> Optional[str]:
    """The installed version of a distribution (or of one of its aliases), None if absent."""
    from importlib.metadata import PackageNotFoundError, version

    for name in ALIASES.get(distribution, (distribution,)):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return None


@dataclass(frozen=True)
class Patch:
    """One module of this package."""

    name: str
    module: ModuleType

    @property
    def reason(self) -> str:
        return self.module.REASON

    @property
    def gain(self) -> str:
        return self.module.GAIN

    @property
    def replaces(self) -> str:
        return self.module.REPLACES

    @property
    def tested_on(self) -> Mapping[str, str]:
        return self.module.TESTED_ON

    def version_mismatch(self, version_of: Callable[[str], Optional[str]] = installed_version) -> Optional[str]:
        """Why the installed versions are not the tested ones, or None when they are."""
        differences = []
        for distribution, tested in self.tested_on.items():
            found = version_of(distribution)
            if found != tested:
                differences.append(f"{distribution} {found or 'not installed'} (tested on {tested})")
        return ", ".join(differences) or None


def load(name: str) -> Patch:
    return Patch(name, importlib.import_module(f"{__name__}.{name}"))


def skipped_by_environment(environ: Mapping[str, str] = os.environ) -> List[str]:
    """The patches the environment leaves out: RASA_SKIP_PATCHES, and RASA_FAST_LOAD=0."""
    skipped = [name.strip() for name in environ.get("RASA_SKIP_PATCHES", "").split(",") if name.strip()]
    unknown = sorted(set(skipped) - set(PATCHES))
    if unknown:
        logger.warning("RASA_SKIP_PATCHES names no patch: %s (the patches: %s)", ", ".join(unknown), ", ".join(PATCHES))
    if environ.get("RASA_FAST_LOAD", "1") != "1":
        skipped.append("fast_model_load")
    return skipped


def apply(only: Optional[Iterable[str]] = None,
          version_of: Callable[[str], Optional[str]] = installed_version,
          environ: Mapping[str, str] = os.environ) -> Dict[str, str]:
    """Apply the patches (all, or those named in ``only``) whose tested versions are installed.

    Idempotent. Returns each considered patch's outcome: ``"applied"`` or why it was left
    out; every patch left out for its versions is logged as a warning (Rasa's own code
    then runs in its place).
    """
    names = list(PATCHES) if only is None else list(only)
    unknown = sorted(set(names) - set(PATCHES))
    if unknown:
        raise ValueError(f"no such patch: {', '.join(unknown)}")
    skipped = set(skipped_by_environment(environ))
    outcome: Dict[str, str] = {}
    for name in sorted(names, key=PATCHES.index):
        if name in skipped:
            outcome[name] = "left out by the environment (RASA_SKIP_PATCHES / RASA_FAST_LOAD)"
            logger.info("serving patch %s left out by the environment", name)
            continue
        patch = load(name)
        mismatch = patch.version_mismatch(version_of)
        if mismatch:
            outcome[name] = f"not applied: {mismatch}"
            logger.warning("serving patch %s not applied, Rasa's own code runs instead: installed %s", name, mismatch)
            continue
        patch.module.apply()
        outcome[name] = APPLIED
    return outcome


def describe(version_of: Callable[[str], Optional[str]] = installed_version) -> str:
    """One paragraph per patch: what it replaces, why, its gain, and whether it applies here."""
    lines = []
    for number, name in enumerate(PATCHES, 1):
        patch = load(name)
        mismatch = patch.version_mismatch(version_of)
        tested = ", ".join(f"{d} {v}" for d, v in patch.tested_on.items())
        lines += [f"{number:2}. {name}: {'would NOT apply: ' + mismatch if mismatch else 'applies here'}",
                  f"    replaces: {patch.replaces}", f"    why: {patch.reason}", f"    gain: {patch.gain}",
                  f"    tested on: {tested}"]
    return "\n".join(lines)
