"""Background rebuilds: a burst of saves makes one build, and builds never overlap."""

from __future__ import annotations

import sys
import time

from staff.rebuild import Rebuilder

# Stands in for the index builder: logs its start and end, takes a moment.
FAKE_BUILD = "import sys, time; log = open(sys.argv[1], 'a'); log.write(f's {time.time()}\\n'); log.flush(); " \
             "time.sleep(0.4); log.write(f'e {time.time()}\\n')"


def builds(log) -> list:
    lines = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
    return [(float(a[1]), float(b[1])) for a, b in zip(lines[::2], lines[1::2])]


def test_a_burst_of_saves_makes_one_build(tmp_path):
    log = tmp_path / "builds.log"
    rebuilder = Rebuilder(tmp_path, tmp_path, quiet_seconds=0.3, command=[sys.executable, "-c", FAKE_BUILD, str(log)])
    for _ in range(10):
        rebuilder.request()
        time.sleep(0.02)
    assert rebuilder.wait_idle(30)
    assert len(builds(log)) == 1 and rebuilder.status.state == "idle"
    assert rebuilder.status.last_delay >= rebuilder.status.last_seconds


def test_saves_during_a_build_make_one_more_build_after_it_never_at_the_same_time(tmp_path):
    log = tmp_path / "builds.log"
    rebuilder = Rebuilder(tmp_path, tmp_path, quiet_seconds=0.05, command=[sys.executable, "-c", FAKE_BUILD, str(log)])
    rebuilder.request()
    deadline = time.time() + 10
    while rebuilder.status.state != "building" and time.time() < deadline:
        time.sleep(0.01)
    for _ in range(5):  # arrive while the first build runs
        rebuilder.request()
    assert rebuilder.wait_idle(30)
    runs = builds(log)
    assert len(runs) == 2
    assert runs[1][0] >= runs[0][1]  # the second started after the first ended


def test_a_failed_build_is_reported(tmp_path):
    rebuilder = Rebuilder(tmp_path, tmp_path, quiet_seconds=0.01,
                          command=[sys.executable, "-c", "import sys; sys.exit('chỉ mục lỗi')"])
    rebuilder.request()
    assert rebuilder.wait_idle(30)
    assert rebuilder.status.state == "failed" and "chỉ mục lỗi" in rebuilder.status.last_error
