"""``rasa run`` without the per-message waste that profiling under load found.

``python -m bot.serve run ...`` takes the same arguments as ``rasa run``; the start
scripts use it. Profiling the Rasa server (cProfile, replaying the benchmark's
message mix) showed three costs that do not depend on the model, each fixed here
without touching Rasa's behaviour:

- every custom action's answer is validated with ``jsonschema.validate``, which
  re-checks Rasa's large event schema against the JSON-Schema meta-schema on every
  call: ~35 ms per action call on our CPUs, more than NLU. The schema is now compiled
  once and each distinct event checked once (~3 ms -> ~0.1 ms for a typical answer);
  an invalid answer still goes through Rasa's own code, so it fails exactly as before,
  with Rasa's message.
- the SQLite tracker store commits in rollback-journal mode with an fsync per
  message (~17 ms). Write-ahead logging with ``synchronous=NORMAL`` makes a commit a
  file append; a crash keeps the database consistent and may lose at most the last
  messages, which is acceptable for conversation logs. It also lets several Rasa
  processes read while one writes.
- every event read from the tracker store or the action server looks its class up by
  walking all ``Event`` subclasses (~0.2 ms each, dozens per message); the lookup is
  now a dictionary, still falling back to Rasa's walk for names it has not seen.
"""

from __future__ import annotations

import json
import os
import sys
from functools import lru_cache
from typing import Any, Dict, List, Optional, Type

from bot.inference import call_prediction_graphs_directly, join_sparse_features_directly


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@lru_cache(maxsize=1)
def _event_validator() -> Any:
    """The schema of one event of an action result (Rasa's ``events.items``)."""
    full = _action_result_validator()
    return type(full)(full.schema["properties"]["events"]["items"])


@lru_cache(maxsize=8192)
def _event_is_valid(event_json: str) -> bool:
    return _event_validator().is_valid(json.loads(event_json))


def action_result_is_valid(result: Any) -> bool:
    """Rasa's verdict on an action result, with each distinct event checked once.

    The events are most of the cost (each is tried against every event type's schema,
    ~0.7 ms) and the same ones recur (``SlotSet`` of the same slot and value), so the
    result is checked without its events and each event on its own, remembered by its
    JSON text. A result is valid under Rasa's schema exactly when both hold.
    """
    events = result.get("events") if isinstance(result, dict) else None
    if not isinstance(events, list):
        return _action_result_validator().is_valid(result)
    if not _action_result_validator().is_valid(dict(result, events=[])):
        return False
    try:
        return all(_event_is_valid(json.dumps(event, sort_keys=True)) for event in events)
    except (TypeError, ValueError):  # not JSON-serialisable: let the full check decide
        return _action_result_validator().is_valid(result)


def compile_action_result_schema() -> None:
    """Validate action server answers with a schema compiled once."""
    from rasa.core.actions.action import RemoteAction

    rasa_validate = RemoteAction._validate_action_result
    if getattr(rasa_validate, "compiled_once", False):
        return

    def validate(self: RemoteAction, result: Dict[str, Any]) -> bool:
        if action_result_is_valid(result):
            return True
        return rasa_validate(self, result)  # raises Rasa's own error

    validate.compiled_once = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate


def sqlite_write_ahead_log() -> None:
    """Set the write-ahead-log pragmas on every new SQLite connection."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from bot.sqlite_files import use_write_ahead_log

    def on_connect(connection: Any, _record: Any) -> None:
        if type(connection).__module__.startswith("sqlite3"):
            use_write_ahead_log(connection)

    if not event.contains(Engine, "connect", on_connect):
        event.listen(Engine, "connect", on_connect)

    from rasa.core import tracker_store
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import SingletonThreadPool

    rasa_kwargs = tracker_store.create_engine_kwargs
    if getattr(rasa_kwargs, "keeps_sqlite_open", False):
        return

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        kwargs = rasa_kwargs(url)
        if make_url(str(url)).get_backend_name() == "sqlite":
            # Rasa's default pool opens and closes a connection per query; closing the
            # last connection to a WAL database checkpoints and deletes the log each time.
            kwargs.setdefault("poolclass", SingletonThreadPool)
        return kwargs

    create_engine_kwargs.keeps_sqlite_open = True  # type: ignore[attr-defined]
    tracker_store.create_engine_kwargs = create_engine_kwargs


def event_lookup_table() -> None:
    """Resolve event type names through a dictionary instead of a class-tree walk."""
    from rasa.shared.core.events import Event

    rasa_resolve = Event.resolve_by_type
    if getattr(rasa_resolve, "table", None) is not None:
        return
    table: Dict[str, Type[Event]] = {}

    def resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        found = table.get(type_name)
        if found is None:
            found = rasa_resolve(type_name, default)
            if found is not None and found is not default:
                table[type_name] = found
        return found

    resolve_by_type.table = table  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)


# Shorter than the action server's own keep-alive (Sanic: 5 s), so Rasa never sends on a
# connection the server is just closing.
KEEP_ALIVE_SECONDS = 2.0


class _SharedSession:
    """``async with`` gives the loop's long-lived session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *_exc: Any) -> None:
        return None


def keep_connections_open() -> None:
    """Call the action server over kept-alive connections instead of a new session per call.

    Rasa opens an HTTP client session and a TCP connection for every action it runs
    (several per message); under load that was 5 % of the Rasa server's CPU. One session
    per event loop (each worker process has its own) and per endpoint settings is kept
    instead; each request still carries Rasa's own timeout.
    """
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    rasa_session = EndpointConfig.session
    if getattr(rasa_session, "shared", False):
        return
    sessions: Dict[Any, Any] = {}

    def session(self: EndpointConfig) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return rasa_session(self)
        auth = tuple(sorted(self.basic_auth.items())) if self.basic_auth else None
        key = (loop, tuple(sorted((self.headers or {}).items())), auth)
        shared = sessions.get(key)
        if shared is None or shared.closed:  # Rasa's headers, auth and default timeout
            shared = aiohttp.ClientSession(
                headers=self.headers,
                auth=aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth else None,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS, limit=32))
            sessions[key] = shared
        return _SharedSession(shared)

    session.shared = True  # type: ignore[attr-defined]
    EndpointConfig.session = session


def run_graph_without_dask() -> None:
    """Predict with ``bot.graph_runner.SequentialGraphRunner`` (same nodes, no scheduler)."""
    import rasa.core.processor as processor

    from bot.graph_runner import SequentialGraphRunner

    processor.DaskGraphRunner = SequentialGraphRunner  # the name processor loads models with


def one_thread_per_process() -> None:
    """TensorFlow on one thread: each Rasa worker process has a core of its own.

    Its default pools, sized to every core, only made one message's tiny DIET/TED
    inferences contend with the other worker and the action server (Rasa CPU per
    message 39 ms against 49 ms, measured under load). Set the variables to override.
    """
    os.environ.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    os.environ.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")


def load_models_for_prediction() -> None:
    """Build a served DIET model with one prediction instead of one step of training.

    Why (issue 18, cold start and memory): Rasa's ``RasaModel.load`` creates the weights
    by fitting the model on one example, which traces the whole training graph and
    creates the optimizer's slots, then overwrites the weights from the file. A
    prediction creates every variable a prediction reads, the file's values are then
    restored into them (its optimizer state is left unread), and the prediction graph
    is traced as Rasa does after loading. ``tests/rasa/test_fast_model_load.py`` checks
    that both give the same parse. Fine-tuning and models loaded without a prediction
    example still go through Rasa's own load.
    """
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


def apply() -> None:
    """All the fixes (idempotent)."""
    one_thread_per_process()
    compile_action_result_schema()
    sqlite_write_ahead_log()
    event_lookup_table()
    keep_connections_open()
    run_graph_without_dask()
    call_prediction_graphs_directly()
    join_sparse_features_directly()
    workers_load_one_at_a_time()
    if os.environ.get("RASA_FAST_LOAD", "1") == "1":
        load_models_for_prediction()


def workers_stop_with_the_server() -> None:
    """A Rasa worker process stops when the server that started it stops.

    Sanic 21 forks its workers (``SANIC_WORKERS``) carrying the main process's signal
    handler, which only forwards SIGTERM, and gives each worker its own handler only once
    the model has loaded. A worker told to stop while still loading ignored it and went
    on serving alone (the Rasa-restart test left one behind every run). So each forked
    worker takes SIGTERM and SIGINT with their default action until Sanic installs its
    handler, and asks Linux to send it SIGTERM if the main process dies.
    """
    import ctypes
    import signal

    def in_worker() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):  # not Linux: the forwarded SIGTERM still works
            pass

    os.register_at_fork(after_in_child=in_worker)


def share_imports_with_workers() -> None:
    """Freeze the main process's objects before Sanic forks the workers.

    Why (issue 18): a forked worker shares its parent's pages until it writes them, and
    Python's garbage collector writes to every object it visits, so each worker soon had
    its own copy of everything Rasa and TensorFlow had imported. Frozen objects are
    never visited: 140 MB less PSS with two workers (measured, idle).
    """
    import gc

    os.register_at_fork(before=gc.freeze)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def workers_load_one_at_a_time() -> None:
    """Rasa worker processes load the model one after the other, not side by side.

    Why (issue 18, cold start): two workers loading on two cores, beside the action
    server's start, each took ~20 s, so the first answer came after both. A worker still
    loading accepts no connection (Sanic runs ``before_server_start`` before it serves
    the shared socket), so one at a time the first serves every citizen after ~12 s and
    the other joins when it is ready. A file lock, named after the main process, orders
    them; with one worker it is never contended.
    """
    import fcntl
    import tempfile

    import rasa.core.run as run

    rasa_load = run.load_agent_on_start
    if getattr(rasa_load, "one_at_a_time", False):
        return

    async def load_agent_on_start(model_path: Any, endpoints: Any, remote_storage: Any, app: Any, loop: Any) -> Any:
        path = os.path.join(tempfile.gettempdir(), f"rasa-model-load-{os.getppid()}.lock")
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            await loop.run_in_executor(None, fcntl.flock, descriptor, fcntl.LOCK_EX)
            return await rasa_load(model_path, endpoints, remote_storage, app, loop)
        finally:
            os.close(descriptor)  # releases the lock
            try:
                os.unlink(path)  # the last worker leaves no file; a later one creates its own
            except OSError:
                pass

    load_agent_on_start.one_at_a_time = True  # type: ignore[attr-defined]
    run.load_agent_on_start = load_agent_on_start


def api_token_from_file(argv: List[str]) -> List[str]:
    """Rasa's arguments with ``--auth-token`` added from the token file, not the command line.

    ``ps`` shows every process's arguments to every local user, so the start scripts do
    not pass the token: with ``--enable-api`` it is read here from ``RASA_API_TOKEN_FILE``
    (default ``.cache/rasa_api_token``, kept 0600; ``bot.private_files``) and given to Rasa
    inside this process. Without a token the API would be open, so the server refuses
    to start.
    """
    if "--enable-api" not in argv or any(a == "--auth-token" or a.startswith("--auth-token=") for a in argv):
        return argv
    from bot.private_files import read_token, token_file

    token = read_token()
    if not token:
        raise SystemExit(f"--enable-api needs the API token in {token_file()} (or RASA_API_TOKEN_FILE)")
    os.environ.pop("RASA_API_TOKEN", None)  # not inherited by anything this process starts
    return argv + ["--auth-token", token]


def main() -> None:
    apply()
    workers_stop_with_the_server()
    share_imports_with_workers()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa"] + api_token_from_file(sys.argv[1:])
    rasa_main()


if __name__ == "__main__":
    main()
