"""The action-server protocol as Rasa 3.6 speaks it, checked against the real server.

Rasa 3.6 posts ``{next_action, sender_id, tracker, domain, version}`` to /webhook and
expects ``{events, responses}`` back. The action server runs a newer rasa-sdk than
the Rasa server, so these tests pin the contract: an sdk upgrade that changes it
fails here instead of in a citizen's conversation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import requests
import yaml

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))


def payload(action: str, text: str, intent: str, slots: Dict[str, Any], candidates: Dict[str, Any],
            active_loop: str | None = None) -> Dict[str, Any]:
    """A request body shaped like rasa.core.actions.action.RemoteAction's (Rasa 3.6)."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.98}, "entities": []}
    events: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": text, "parse_data": latest, "timestamp": 2.0},
        *({"event": "slot", "name": k, "value": v, "timestamp": 3.0} for k, v in candidates.items()),
    ]
    return {
        "next_action": action,
        "sender_id": "protocol-test",
        "version": "3.6.21",
        "domain": DOMAIN,
        "tracker": {
            "sender_id": "protocol-test",
            "slots": {**{name: None for name in DOMAIN["slots"]}, "requested_slot": None, **slots, **candidates},
            "latest_message": latest,
            "latest_event_time": 3.0,
            "followup_action": None,
            "paused": False,
            "events": events,
            "latest_input_channel": "rest",
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }


def call(bot, body: Dict[str, Any]) -> Dict[str, Any]:
    response = requests.post(bot.action_url, json=body, headers=bot.action_headers, timeout=30)
    assert response.status_code == 200, response.text
    result = response.json()
    assert set(result) >= {"events", "responses"}
    return result


def slot_events(result: Dict[str, Any]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}


def test_form_validation_accepts_a_known_value(bot):
    body = payload("validate_eligibility_form", "hộ cận nghèo", "inform", {},
                   {"household_tier": "ho_can_ngheo"}, active_loop="eligibility_form")
    result = call(bot, body)
    assert slot_events(result)["household_tier"] == "ho_can_ngheo"
    assert result["responses"] == []


def test_form_validation_rejects_an_unknown_value_and_says_why(bot):
    body = payload("validate_eligibility_form", "hộ giàu", "inform", {},
                   {"household_tier": "ho_giau"}, active_loop="eligibility_form")
    result = call(bot, body)
    assert slot_events(result)["household_tier"] is None
    assert result["responses"] and result["responses"][0]["text"]


def test_knowledge_action_returns_text_and_slot(bot, tables):
    body = payload("action_answer_knowledge", "Lãi suất vay hộ nghèo bao nhiêu?", "ask_interest_rate", {}, {})
    result = call(bot, body)
    text = result["responses"][0]["text"]
    assert tables.figure("ho_ngheo", "rate").text in text
    assert slot_events(result).get("last_answer_id")


def test_unknown_action_is_a_clean_error(bot):
    response = requests.post(bot.action_url, json=payload("action_does_not_exist", "x", "greet", {}, {}),
                             headers=bot.action_headers, timeout=30)
    assert response.status_code == 404
    assert response.json().get("action_name") == "action_does_not_exist"
