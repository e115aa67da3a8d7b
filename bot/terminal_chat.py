"""Chat with the running bot in a terminal, through its REST channel.

Talks to the same endpoint the web widget and tests use, so what you see here is what
citizens get. Quick-reply buttons are shown numbered; type the number to pick one.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any, Dict, List

import requests


def send(url: str, sender: str, text: str) -> List[Dict[str, Any]]:
    response = requests.post(url, json={"sender": sender, "message": text}, timeout=30)
    response.raise_for_status()
    return response.json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args()
    print("Trợ lý Tín dụng Chính sách — gõ câu hỏi, Enter để gửi; gõ /thoat để thoát.")
    buttons: List[Dict[str, str]] = []
    while True:
        try:
            text = input("Bạn: ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text in ("/thoat", "/quit", "/exit"):
            return 0
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            replies = send(args.url, args.sender, text)
        except requests.RequestException as error:
            print(f"(Không kết nối được với bot: {error})", file=sys.stderr)
            continue
        buttons = []
        for reply in replies:
            if reply.get("text"):
                print(f"Bot: {reply['text']}\n")
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"   [{len(buttons)}] {button['title']}")


if __name__ == "__main__":
    sys.exit(main())
