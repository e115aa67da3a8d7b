"""Benchmark output: a printed table, the JSON record and the latency-vs-users plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

TARGETS = ("targets: p95 <= 300 ms at 10 users, >= 30 msg/s sustained, 0 errors, cold start <= 60 s\n"
           "(latency over real answers; errors = every other outcome, incl. the channel's rate-limit "
           "and 'busy' replies)")
# Issue 18 (a small provincial server), ours against the vanilla bot of the same run.
SMALL_SERVER = {"idle_pss_mb": 1500.0, "load_pss_mb": 1800.0, "cold_start_s": 15.0, "throughput_x": 2.5,
                "p95_x": 0.5, "soak_growth_pct": 5.0, "users": 10}


def ratios(load: List[Dict[str, Any]], pairs: List[Tuple[str, str]]) -> List[Dict[str, Any]]:
    """Throughput and p95 of one bot over another's at each concurrency (same run, same noise)."""
    by_key = {(row["bot"], row["users"]): row for row in load}
    result = []
    for bot, reference in pairs:
        for users in sorted({row["users"] for row in load}):
            row, base = by_key.get((bot, users)), by_key.get((reference, users))
            if row and base:
                result.append({
                    "bot": bot, "over": reference, "users": users,
                    "throughput_x": round(row["throughput_msg_s"] / max(base["throughput_msg_s"], 1e-9), 2),
                    "p95_x": round(row["p95_ms"] / max(base["p95_ms"], 1e-9), 2),
                })
    return result


def print_load_table(load: List[Dict[str, Any]], ratio_rows: List[Dict[str, Any]]) -> None:
    """One line per bot and concurrency, then the ratios between bots."""
    print(f"\n{'bot':<14}{'users':>6}{'msg/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'limited':>8}{'busy':>6}  CPU ms/message")
    for row in load:
        cpu = ", ".join(f"{k} {v}" for k, v in row.get("cpu_ms_per_message", {}).items())
        print(f"{row['bot']:<14}{row['users']:>6}{row['throughput_msg_s']:>9}{row['p50_ms']:>9}"
              f"{row['p95_ms']:>9}{row['p99_ms']:>9}{row['errors']:>8}{row['rate_limited']:>8}{row['busy']:>6}  {cpu}")
    for ratio in ratio_rows:
        print(f"{ratio['bot']} / {ratio['over']} at {ratio['users']} users: throughput x{ratio['throughput_x']}, "
              f"p95 x{ratio['p95_x']}")
    print(TARGETS)


def print_memory_table(memory: Dict[str, Any]) -> None:
    """PSS per serving role and in total, at idle and under load, each bot measured alone."""
    roles = list(dict.fromkeys(role for figures in memory.values() for role in figures["idle_by_role"]
                               if role != "total"))
    print(f"\nPSS MB, each bot alone   {'':<8}" + "".join(f"{role:>15}" for role in roles) + f"{'total':>10}")
    for name, figures in memory.items():
        for label, key in (("idle", "idle_by_role"), (f"{figures['load_users']} users (end)", "load_by_role")):
            row = figures[key]
            print(f"{name:<14}{label:<20}" + "".join(f"{row.get(role, 0.0):>15}" for role in roles)
                  + f"{row['total']:>10}")
        print(f"{name:<14}{str(figures['load_users']) + ' users (peak)':<20}{'':>{15 * len(roles)}}"
              f"{figures['load_peak_pss_mb']:>10}")
    print("(PSS: a page shared by n processes counts 1/n in each; RSS in the JSON record)")


def small_server_verdict(record: Dict[str, Any], bot: str = "ours") -> List[Tuple[str, Any, bool]]:
    """Issue 18's acceptance figures for one of our bots in this run: (what, figure, met)."""
    goal, checks = SMALL_SERVER, []
    memory = record.get("memory", {}).get(bot)
    if memory:
        checks.append((f"total PSS idle <= {goal['idle_pss_mb']:.0f} MB", memory["idle_by_role"]["total"],
                       memory["idle_by_role"]["total"] <= goal["idle_pss_mb"]))
        checks.append((f"total PSS at {memory['load_users']} users (peak) <= {goal['load_pss_mb']:.0f} MB",
                       memory["load_peak_pss_mb"], memory["load_peak_pss_mb"] <= goal["load_pss_mb"]))
    if bot in record.get("cold_start_s", {}):
        seconds = record["cold_start_s"][bot]
        checks.append((f"cold start <= {goal['cold_start_s']:.0f} s", seconds, seconds <= goal["cold_start_s"]))
    for ratio in record.get("ratios", []):
        if ratio["bot"] == bot and ratio["over"] == "vanilla" and ratio["users"] == goal["users"]:
            checks.append((f"throughput at {goal['users']} users >= {goal['throughput_x']}x vanilla",
                           ratio["throughput_x"], ratio["throughput_x"] >= goal["throughput_x"]))
            checks.append((f"p95 at {goal['users']} users <= {goal['p95_x']}x vanilla", ratio["p95_x"],
                           ratio["p95_x"] <= goal["p95_x"]))
    soak = record.get("soak", {}).get(bot)
    if soak:
        checks.append((f"PSS growth over the {soak['seconds']} s soak <= {goal['soak_growth_pct']:.0f} %",
                       soak["growth_pct"], soak["growth_pct"] <= goal["soak_growth_pct"]))
    return checks


def print_summary(record: Dict[str, Any]) -> None:
    for name, seconds in record.get("cold_start_s", {}).items():
        print(f"cold start {name}: {seconds} s (start command to first correct answer)")
    for name, parse in record.get("nlu_parse", {}).items():
        print(f"NLU parse alone {name}: p50 {parse['p50_ms']} ms, p95 {parse['p95_ms']} ms ({parse['n']} messages)")
    if "retrieval" in record:
        for label, stats in record["retrieval"].items():
            print(f"retrieval alone ({label}): p50 {stats['p50_ms']} ms, p95 {stats['p95_ms']} ms")
    for row in record.get("index_scale", []):
        print(f"index {row['factor']:>3}x ({row['faq_questions']} FAQ questions, {row['passages']} passages): "
              f"build {row['build_s']} s (measured {row['build_measured_s']} s + per-text stages "
              f"{row['build_extrapolated_s']} s), load {row['load_s']} s, retrieval p50 "
              f"{row['retrieval']['p50_ms']} ms / p95 {row['retrieval']['p95_ms']} ms, {row['index_mb']} MB")
    for name, megabytes in sorted(record.get("peak_rss_mb", {}).get("by_server", {}).items()):
        print(f"peak RSS {name}: {megabytes} MB")
    if record.get("memory"):
        print_memory_table(record["memory"])
    if record.get("load"):
        print_load_table(record["load"], record.get("ratios", []))
    ours = [name for name in record.get("cold_start_s", {}) if name == "ours" or name.startswith("ours-")]
    for bot in ours:
        verdict = small_server_verdict(record, bot)
        if verdict:
            print(f"\nsmall provincial server (issue 18), {bot}:")
            for what, figure, met in verdict:
                print(f"  {'met ' if met else 'MISS'}  {what}: {figure}")


def write(record: Dict[str, Any], folder: Path, stem: str) -> Path:
    """Write ``stem``.json and, when there is load data, ``stem``.png; return the JSON path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    if record.get("load"):
        plot(record["load"], folder / f"{stem}.png", record.get("label", ""))
    return path


def plot(load: List[Dict[str, Any]], path: Path, title: str) -> None:
    """p50 and p95 latency against concurrent users, one colour per bot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    for index, bot in enumerate(dict.fromkeys(row["bot"] for row in load)):
        rows = sorted((row for row in load if row["bot"] == bot), key=lambda row: row["users"])
        users = [row["users"] for row in rows]
        colour = f"C{index}"
        axis.plot(users, [row["p95_ms"] for row in rows], "o-", color=colour, label=f"{bot} p95")
        axis.plot(users, [row["p50_ms"] for row in rows], "o--", color=colour, alpha=0.6, label=f"{bot} p50")
    axis.axhline(300, color="grey", linewidth=0.8, linestyle=":", label="target p95 at 10 users")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("concurrent users (closed loop)")
    axis.set_ylabel("latency (ms)")
    axis.set_title(f"REST latency vs concurrency {title}".strip())
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
