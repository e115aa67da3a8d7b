"""Staff tools timings: index rebuild (incremental vs full) and save → the bot answers the new text.

``.venv/actions/bin/python -m tests.integration.bench_staff [--full] [--rounds N] [--json PATH]``

Everything runs on a private copy of knowledge/ and its index (as the end-to-end
tests do), so the real content is untouched:

- incremental rebuild: ``python -m knowledge.build.index`` after an answer-only edit
  (nothing to embed) and after an edit adding one paraphrase (one text to embed);
- full rebuild (``--full``): the same command with an empty embedding cache, so every
  text is embedded again (about a minute of both cores);
- save → answer: the staff app, action server and Rasa on the copy; an edit is saved
  through the app as a browser would, then the REST channel is asked the entry's
  question every half second until the reply contains the new text.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

from tests.integration import staff_client
from evaluation.servers import ACTIONS_PYTHON, ROOT, BotServers

ENTRY = "lai-suat-ho-ngheo"


def timed_build(env: Dict[str, str]) -> Dict[str, float]:
    """Wall time of the build command and the builder's own figure."""
    started = time.monotonic()
    subprocess.run([str(ACTIONS_PYTHON), "-m", "knowledge.build.index"], cwd=ROOT, env={**os.environ, **env,
                   "TQDM_DISABLE": "1"}, check=True, capture_output=True)
    wall = time.monotonic() - started
    manifest = json.loads((Path(env["KNOWLEDGE_INDEX_DIR"]) / "current" / "manifest.json").read_text(encoding="utf-8"))
    return {"wall_s": round(wall, 1), "build_s": manifest["build_seconds"], **manifest.get("embedded", {})}


def edit_file(content: Path, marker: str, paraphrase: bool) -> None:
    """Edit the entry's YAML as a save would (answer, optionally one new paraphrase)."""
    path = content / "faq" / "rates.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Bà con nên kiểm tra mức hiện hành", f"{marker} Bà con nên kiểm tra mức hiện hành", 1)
    if paraphrase:  # one measuring paraphrase at a time: more would change the entry's ranking
        text = re.sub(r'    - "hộ nghèo hỏi lãi suất Đo [^"]*"\n', "", text)
        text = text.replace('    - "lai suat vay ho ngheo bao nhieu"\n',
                            f'    - "lai suat vay ho ngheo bao nhieu"\n    - "hộ nghèo hỏi lãi suất {marker}"\n', 1)
    path.write_text(text, encoding="utf-8")


def save_then_ask(servers: BotServers, marker: str, paraphrase: bool) -> Dict[str, float]:
    session = staff_client.login(servers.staff_url, "an")
    form = staff_client.edit_form(session, servers.staff_url, ENTRY)
    data = {**form, "answer": f"{form['answer']} {marker}", "confirm_warnings": "1"}
    if paraphrase:  # replaces the previous round's, so the entry keeps its usual length
        kept = [line for line in str(form["paraphrases"]).splitlines() if "đo lưu" not in line]
        data["paraphrases"] = "\n".join([*kept, f"hộ nghèo đi vay hỏi lãi {marker.lower()}"])
    started = time.monotonic()
    response = session.post(f"{servers.staff_url}/faq/{ENTRY}/edit", data=data, allow_redirects=False)
    saved = time.monotonic()
    assert response.status_code == 303, staff_client.form_errors(response.text)
    while time.monotonic() - saved < 300:
        reply = "\n".join(m.get("text", "") for m in servers.say(f"bench-{uuid.uuid4().hex[:8]}", str(form["question"])))
        if marker in reply:
            break
        time.sleep(0.5)
    else:
        raise TimeoutError("the bot did not answer the new text within 5 minutes")
    answered = time.monotonic()
    rebuild = session.get(f"{servers.staff_url}/api/status").json()["rebuild"]
    return {"save_request_s": round(saved - started, 2), "save_to_answer_s": round(answered - saved, 1),
            "rebuild_s": rebuild["last_seconds"]}


def summary(values: List[float]) -> str:
    return f"median {statistics.median(values):.1f} s (min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also time a full build with an empty embedding cache")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    results: Dict[str, Any] = {"load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-staff-") as temporary:
        servers = staff_client.servers_on_a_copy(Path(temporary))
        env = {k: v for k, v in servers.extra_env.items() if k.startswith("KNOWLEDGE_")}
        content = Path(env["CONTENT_DIR"])
        for kind, paraphrase in (("answer_only", False), ("new_paraphrase", True)):
            runs = []
            for round_number in range(args.rounds):
                edit_file(content, f"Đo {kind} {round_number} {uuid.uuid4().hex[:6]}.", paraphrase)  # never cached
                runs.append(timed_build(env))
            results[f"incremental_{kind}"] = runs
            print(f"incremental rebuild, {kind}: {summary([r['wall_s'] for r in runs])} wall; "
                  f"builder {summary([r['build_s'] for r in runs])}", flush=True)
        if args.full:
            empty_cache = {**env, "KNOWLEDGE_BUILD_CACHE": str(Path(temporary) / "empty-cache.sqlite")}
            edit_file(content, "Đo full.", False)
            results["full"] = timed_build(empty_cache)
            print(f"full rebuild (empty cache): {results['full']['wall_s']} s wall, builder "
                  f"{results['full']['build_s']} s, {results['full'].get('new')} texts embedded", flush=True)
        try:
            servers.start_staff_app()
            servers.start_actions()
            servers.start_rasa()
            for kind, paraphrase in (("answer_only", False), ("new_paraphrase", True)):
                runs = [save_then_ask(servers, f"Đo lưu {kind} {n} {uuid.uuid4().hex[:4]}.", paraphrase)
                        for n in range(args.rounds)]
                results[f"save_to_answer_{kind}"] = runs
                print(f"save → bot answers the new text, {kind}: {summary([r['save_to_answer_s'] for r in runs])} "
                      f"(rebuild {summary([r['rebuild_s'] for r in runs])})", flush=True)
        finally:
            servers.stop_all()
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(at start {' '.join(f'{x:.1f}' for x in results['load_average'])}) on {os.cpu_count()} cores")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
