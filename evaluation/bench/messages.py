"""The message mix replayed by the load benchmark, taken from the project's test sets.

A campaign day brings mostly single questions, then advisor dialogues and black-credit
conversations; the replay draws whole conversations with those weights, so slots,
forms and the tracker grow as they do for real citizens. Sources: the held-out NLU
sets and the retrieval questions (single messages), and the test stories (dialogues).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence

import yaml

TESTS_DIR = Path(__file__).resolve().parents[2] / "tests"
SINGLE_SOURCES = ("data/nlu_heldout.yml", "data/nlu_heldout_fresh.yml", "data/retrieval_questions.yml")
STORY_SOURCES = ("stories/test_main_flows.yml", "stories/test_advisor.yml", "stories/test_black_credit.yml")
BLACK_CREDIT_INTENTS = {"black_credit_victim", "ask_black_credit"}
# Share of conversations of each kind (single questions dominate a campaign day).
WEIGHTS = {"question": 0.55, "advisor": 0.2, "black_credit": 0.15, "dialogue": 0.1}


@dataclass(frozen=True)
class Conversation:
    kind: str  # question | advisor | black_credit | dialogue
    messages: Sequence[str]


def _single_questions() -> List[Conversation]:
    conversations = []
    for name in SINGLE_SOURCES:
        data = yaml.safe_load((TESTS_DIR / name).read_text(encoding="utf-8"))
        items = data.get("examples") or data.get("questions") or []
        conversations.extend(Conversation("question", (item["text"],)) for item in items if item["text"].strip())
    return conversations


def _story_kind(steps: Sequence[Dict]) -> str:
    intents = {step.get("intent") for step in steps if "user" in step}
    actions = {step.get("action") for step in steps}
    if intents & BLACK_CREDIT_INTENTS:
        return "black_credit"
    return "advisor" if "eligibility_form" in actions else "dialogue"


def _stories() -> List[Conversation]:
    conversations = []
    for name in STORY_SOURCES:
        data = yaml.safe_load((TESTS_DIR / name).read_text(encoding="utf-8"))
        for story in data.get("stories", []):
            texts = tuple(step["user"].strip() for step in story["steps"] if "user" in step)
            if texts:
                conversations.append(Conversation(_story_kind(story["steps"]), texts))
    return conversations


def load_conversations() -> Dict[str, List[Conversation]]:
    """Every replayable conversation, by kind."""
    by_kind: Dict[str, List[Conversation]] = {kind: [] for kind in WEIGHTS}
    for conversation in _single_questions() + _stories():
        by_kind[conversation.kind].append(conversation)
    return by_kind


class ConversationMix:
    """Draws conversations by kind weight (seeded, so runs replay the same mix)."""

    def __init__(self, by_kind: Dict[str, List[Conversation]], weights: Dict[str, float], seed: int = 7):
        self.by_kind = {kind: items for kind, items in by_kind.items() if items and weights.get(kind, 0) > 0}
        self.kinds = list(self.by_kind)
        self.weights = [weights[kind] for kind in self.kinds]
        self._random = random.Random(seed)

    def draw(self) -> Conversation:
        kind = self._random.choices(self.kinds, self.weights)[0]
        return self._random.choice(self.by_kind[kind])

    @classmethod
    def ours(cls, seed: int = 7) -> "ConversationMix":
        return cls(load_conversations(), WEIGHTS, seed)

    @classmethod
    def single_messages(cls, texts: Sequence[str], seed: int = 7) -> "ConversationMix":
        """A mix of one-message conversations (the vanilla bot's own examples)."""
        return cls({"question": [Conversation("question", (t,)) for t in texts]}, {"question": 1.0}, seed)
