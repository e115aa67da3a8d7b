"""The serving patches (bot/patches) keep Rasa's behaviour, and apply only where they were tested."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from sqlalchemy.pool import SingletonThreadPool

from bot import patches
from bot.patches import action_result_schema

# The patches whose equivalence is checked here (the model's are in test_inference.py,
# test_graph_runner.py and test_fast_model_load.py; all of them end to end in
# tests/integration/test_stock_rasa.py).
TESTED_HERE = ["action_result_schema", "sqlite_wal", "event_lookup", "kept_alive_connections"]
assert set(patches.apply(only=TESTED_HERE, environ={}).values()) == {patches.APPLIED}
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  answer_kind: {type: text, mappings: [{type: custom}]}
""")


def test_a_valid_action_answer_passes_with_the_schema_compiled_once():
    action = RemoteAction("action_answer_knowledge", None)
    result = {"events": [{"event": "slot", "name": "answer_kind", "value": "faq"}],
              "responses": [{"text": "Lãi suất 6,6%/năm"}]}
    assert action._validate_action_result(result)
    assert action._validate_action_result(result)
    assert action_result_schema._action_result_validator.cache_info().misses == 1


def test_an_invalid_action_answer_still_fails_with_rasas_message():
    action = RemoteAction("action_answer_knowledge", None)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "slot", "name": 3}], "responses": "not a list"})


def test_event_names_resolve_as_before():
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("slot") is SlotSet  # from the table the second time
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_sqlite_tracker_store_keeps_a_write_ahead_log_open(tmp_path):
    path = tmp_path / "conversations.db"
    writer = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    reader = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))  # as another Rasa worker
    assert isinstance(writer.engine.pool, SingletonThreadPool)

    async def converse() -> None:
        tracker = await writer.get_or_create_tracker("citizen")
        tracker.update(UserUttered("xin chào", {"name": "greet", "confidence": 1.0}))
        tracker.update(SlotSet("answer_kind", "faq"))
        tracker.update(ActionExecuted("action_listen"))
        await writer.save(tracker)
        again = await reader.retrieve("citizen")
        assert again is not None and again.get_slot("answer_kind") == "faq"

    asyncio.run(converse())
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_calls_to_an_endpoint_reuse_one_connection():
    """Rasa opened a new session and TCP connection per action call; now they are kept."""
    from aiohttp import BasicAuth, web
    from rasa.utils.endpoints import EndpointConfig

    peers, authorizations = [], []

    async def answer(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        authorizations.append(request.headers.get("Authorization"))
        return web.json_response({"ok": await request.json()})

    async def scenario() -> list:
        app = web.Application()
        app.router.add_post("/webhook", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook", headers={"X-Test": "1"},
                                  basic_auth={"username": "rasa", "password": "secret-1"})
        answers = [await endpoint.request(json={"n": n}, method="post", timeout=5) for n in range(3)]
        await runner.cleanup()
        return answers

    assert asyncio.new_event_loop().run_until_complete(scenario()) == [{"ok": {"n": n}} for n in range(3)]
    assert len(peers) == 3 and len(set(peers)) == 1, "one kept-alive connection for the three calls"
    assert set(authorizations) == {BasicAuth("rasa", "secret-1").encode()}, "the endpoint's credentials are sent"


SLOT = {"event": "slot", "name": "answer_kind", "value": "faq", "timestamp": None}
RESULTS = [
    {"events": [SLOT, SLOT], "responses": [{"text": "Lãi suất 6,6%/năm"}]},
    {"events": [SLOT, {"event": "followup", "name": "action_listen"}], "responses": []},
    {"events": [], "responses": []},
    {"responses": [{"text": "x"}]},
    {"events": [SLOT, {"event": "slot", "name": 3}], "responses": []},  # a bad event after a good one
    {"events": [SLOT, "not an event"], "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": SLOT, "responses": []},  # not a list
    {"events": [SLOT], "responses": "not a list"},  # bad outside the events
    "not an object",
]


@pytest.mark.parametrize("result", RESULTS)
def test_checking_events_one_by_one_gives_rasas_verdict(result):
    assert action_result_schema.action_result_is_valid(result) == action_result_schema._action_result_validator().is_valid(result)
    assert action_result_schema.action_result_is_valid(result) == action_result_schema._action_result_validator().is_valid(result)  # cached


def test_the_verdicts_cover_both_outcomes():
    assert {action_result_schema._action_result_validator().is_valid(r) for r in RESULTS} == {True, False}


def test_the_api_token_comes_from_a_private_file_not_the_command_line(tmp_path, monkeypatch):
    from bot.serve import api_token_from_file  # not a patch: bot.serve's own

    token_file = tmp_path / "rasa_api_token"
    token_file.write_text("s3cret\n")
    token_file.chmod(0o644)
    monkeypatch.setenv("RASA_API_TOKEN_FILE", str(token_file))
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    assert api_token_from_file(["run", "--enable-api"]) == ["run", "--enable-api", "--auth-token", "s3cret"]
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert api_token_from_file(["run"]) == ["run"]
    token_file.unlink()
    with pytest.raises(SystemExit):
        api_token_from_file(["run", "--enable-api"])


def test_every_patch_says_why_what_it_gained_and_where_it_was_tested():
    for name in patches.PATCHES:
        patch = patches.load(name)
        for text in (patch.reason, patch.gain, patch.replaces):
            assert isinstance(text, str) and text.strip() and "\n" not in text, name
        assert patch.tested_on and all(isinstance(v, str) for v in patch.tested_on.values()), name
        assert callable(patch.module.apply), name


def test_the_package_docstring_lists_every_patch():
    listed = re.findall(r"^\d+\. ``(\w+)``", patches.__doc__, re.MULTILINE)
    assert listed == list(patches.PATCHES)


def test_the_locked_versions_are_those_the_patches_were_tested_on():
    """Upgrading a library in the lock file means re-testing (and re-dating) the patches on it."""
    locked = {}
    for line in (Path(__file__).resolve().parents[2] / "requirements" / "rasa.lock.txt").read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, _, version = line.split(";")[0].strip().partition("==")
            locked[name.lower()] = version.split()[0]
    for name in patches.PATCHES:
        for distribution, tested in patches.load(name).tested_on.items():
            assert locked.get(distribution.lower()) == tested, (name, distribution)


def test_installed_versions_are_the_tested_ones_so_every_patch_applies_here():
    assert "would NOT apply" not in patches.describe()


def test_on_another_version_a_patch_is_left_out_with_a_warning(monkeypatch, caplog):
    import rasa.core.actions.action as rasa_action

    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", 300)
    monkeypatch.setenv("ACTION_SERVER_TIMEOUT_SECONDS", "7")
    newer = {"rasa": "3.7.0"}.get
    with caplog.at_level("WARNING", logger="bot.patches"):
        outcome = patches.apply(only=["action_server_timeout"], version_of=newer, environ={})
    assert outcome["action_server_timeout"].startswith("not applied: rasa 3.7.0 (tested on 3.6.21)")
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 300, "Rasa's own value stays"
    assert "action_server_timeout not applied" in caplog.text and "3.7.0" in caplog.text
    assert patches.apply(only=["action_server_timeout"], environ={}) == {"action_server_timeout": patches.APPLIED}
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 7.0


def test_a_missing_library_leaves_its_patch_out():
    assert patches.apply(only=["sparse_feature_join"], version_of=lambda _name: None, environ={})[
        "sparse_feature_join"] == "not applied: rasa not installed (tested on 3.6.21), scipy not installed (tested on 1.10.1)"


def test_the_environment_leaves_patches_out(monkeypatch):
    import rasa.core.actions.action as rasa_action

    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", 300)
    outcome = patches.apply(only=["action_server_timeout", "fast_model_load"],
                            environ={"RASA_SKIP_PATCHES": "action_server_timeout", "RASA_FAST_LOAD": "0"})
    assert not any(value == patches.APPLIED for value in outcome.values())
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 300
    with pytest.raises(ValueError):
        patches.apply(only=["no_such_patch"])


def test_building_a_channel_guard_changes_nothing_in_rasa(monkeypatch):
    """The action-server timeout is set by its patch, no longer by MessageGuard()'s constructor."""
    import rasa.core.actions.action as rasa_action

    from bot.channels.guard import MessageGuard, RateLimiter

    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", 300)
    MessageGuard(RateLimiter(1.0, 1))
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 300


def _random_state(rng, should_not_be_set: str, as_rule: bool) -> dict:
    """A dialogue state drawn from a small vocabulary, as a rule (lists, SHOULD_NOT_BE_SET) or a conversation has it."""
    state = {}
    if rng.random() < 0.85:
        state["prev_action"] = {"action_name": rng.choice(["action_listen", "utter_greet", "eligibility_form"])}
    if rng.random() < 0.7:
        state["user"] = {"intent": rng.choice(["greet", "ask_policy", "inform"])}
    if rng.random() < 0.5:
        value = rng.choice([[1.0], (1.0,), [0.0], should_not_be_set, None])
        if not as_rule and isinstance(value, list):
            value = tuple(value)
        state["slots"] = {rng.choice(["household_tier", "loan_purpose"]): value}
    if rng.random() < 0.3:
        state["active_loop"] = {"name": rng.choice(["eligibility_form", should_not_be_set])}
    return state


def test_rule_keys_found_from_prepared_states_are_rasas():
    """rule_keys_prepared keeps exactly the keys Rasa's own matching keeps (3,000 drawn cases)."""
    import json
    import random

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.constants import SHOULD_NOT_BE_SET

    patches.apply(only=["rule_keys_prepared"], environ={})
    policy = object.__new__(RulePolicy)  # Rasa's matching reads no attribute of the policy
    rasas = RulePolicy._get_possible_keys.rasa
    rng = random.Random(18)
    kept_some = 0
    for _ in range(3000):
        lookup = {json.dumps([_random_state(rng, SHOULD_NOT_BE_SET, True) for _ in range(rng.randint(1, 3))]): "a"
                  for _ in range(rng.randint(0, 8))}
        states = [_random_state(rng, SHOULD_NOT_BE_SET, False) for _ in range(rng.randint(1, 4))]
        expected = rasas(policy, lookup, states)
        assert policy._get_possible_keys(lookup, states) == expected
        kept_some += bool(expected)
    assert kept_some > 300  # the cases are not all trivially empty


def test_the_empty_domain_is_told_as_before():
    patches.apply(only=["empty_domain_once"], environ={})
    assert Domain.empty().is_empty()
    assert not DOMAIN.is_empty()
    assert Domain.from_yaml('version: "3.1"').is_empty() == (Domain.from_yaml('version: "3.1"').as_dict()
                                                           == Domain.empty().as_dict())


def test_action_calls_are_written_as_utf8_json_with_the_same_values():
    import json

    from bot.patches.kept_alive_connections import json_body

    payload = {"tracker": {"latest_message": {"text": "Lãi suất hộ nghèo / tháng?", "confidence": 0.1 + 0.2}},
               "timestamp": 1796681156.5229917, "slots": {1: None}, "nan": float("nan")}
    body = json_body(payload)
    assert "Lãi suất" in body  # not \\u-escaped
    assert json.dumps(json.loads(body), sort_keys=True) == json.dumps(json.loads(json.dumps(payload)), sort_keys=True)
    with pytest.raises(TypeError):  # what neither library can write fails as it did
        json_body({"x": object()})


@pytest.mark.parametrize("settings", [{}, {"analyzer": "char_wb", "ngram_range": (2, 4)}, {"binary": True},
                                      {"token_pattern": r"(?u)\b\w+\b", "lowercase": False}])
def test_count_features_are_the_arrays_scikit_learn_gave(settings):
    """count_vectors_direct builds the COO matrix transform(...).sort_indices().tocoo() gave."""
    from sklearn.feature_extraction.text import CountVectorizer

    from bot.patches.count_vectors_direct import count_matrix

    vectorizer = CountVectorizer(**settings).fit(["lãi suất hộ nghèo", "vay vốn hộ cận nghèo bao nhiêu",
                                                  "Lai suat ho ngheo", "hồ sơ vay vay vay"])
    for documents in (["lãi", "suất", "vay", "không_có"], ["lãi suất vay vay hộ nghèo xyz"], ["zzz"], ["Lai", "lai"]):
        expected = vectorizer.transform(documents)
        expected.sort_indices()
        expected = expected.tocoo()
        ours = count_matrix(vectorizer, documents)
        assert ours.shape == expected.shape and ours.dtype == expected.dtype
        for name in ("row", "col", "data"):
            assert getattr(ours, name).dtype == getattr(expected, name).dtype, name
            assert (getattr(ours, name) == getattr(expected, name)).all(), name


def test_tracker_slots_are_copied_as_copy_copy_copies_them():
    import copy

    from rasa.shared.core.slots import AnySlot, BooleanSlot, CategoricalSlot, TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.patches.slot_copies import copy_slot

    patches.apply(only=["slot_copies"], environ={})
    slots = [TextSlot("a", mappings=[{"type": "custom"}], initial_value="x"),
             CategoricalSlot("b", mappings=[{"type": "custom"}], values=["p", "q"]),
             BooleanSlot("c", mappings=[{"type": "custom"}]), AnySlot("d", mappings=[{"type": "custom"}])]
    for slot in slots:
        ours, theirs = copy_slot(slot), copy.copy(slot)
        assert type(ours) is type(theirs) and ours is not slot and vars(ours) == vars(theirs)
    tracker = DialogueStateTracker("s", slots)
    tracker.slots["a"].value = "changed"
    assert slots[0].value == "x" and DialogueStateTracker("t", slots).slots["a"].value == "x"


def test_a_slot_class_with_its_own_copy_hook_is_copied_by_copy_copy():
    from rasa.shared.core.slots import TextSlot

    from bot.patches.slot_copies import copy_slot

    class Hooked(TextSlot):
        def __copy__(self):
            return "hooked"

    assert copy_slot(Hooked("h", mappings=[{"type": "custom"}])) == "hooked"
