"""The crawl's CPU workers (crawler/cpupool.py): answers equal to in-process ones, errors come back as
errors, a killed worker loses no call, and no worker outlives a crawl killed with SIGKILL."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os, signal, sys, time
from twisted.internet import asyncioreactor
asyncioreactor.install()
from twisted.internet import defer, reactor
from crawler.cpupool import CpuPool
from crawler.searchindex import segments

pool = CpuPool(2)
out = {}

@defer.inlineCallbacks
def go():
    texts = [("部门预算公开", f"第{i}号通知：学区划分和招生计划", None) for i in range(6)]
    texts.append((None, "部门预算。" * 8000, None))   # ~120 KB: more than a pipe holds at once
    out["segments"] = [list(s) for s in (yield defer.gatherResults([pool.submit(segments, *t) for t in texts]))]
    out["here"] = [list(segments(*t)) for t in texts]
    try:
        yield pool.submit(json.loads, "{not json")
    except ValueError as e:
        out["error"] = type(e).__name__
    first = yield pool.submit(os.getpid)
    os.kill(first, signal.SIGKILL)
    time.sleep(0.5)
    out["after_kill"] = yield pool.submit(os.getpid)   # the dead worker's call runs in this process
    out["next"] = yield pool.submit(os.getpid)          # and a new worker takes the next
    out.update(first=first, me=os.getpid())
    print(json.dumps(out), flush=True)
    if sys.argv[1] == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    reactor.stop()

reactor.callWhenRunning(go)
reactor.run()
"""


def run(mode):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    return proc, json.loads(proc.stdout.strip().splitlines()[-1])


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is gone too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_answer_like_the_crawl_process_and_survive_a_killed_worker():
    proc, out = run("stop")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out["segments"] == out["here"] and "预算" in out["segments"][0][0].split()
    assert out["segments"][-1][1].split().count("预算") == 8000
    assert out["error"] == "JSONDecodeError"
    assert out["first"] != out["me"]
    assert out["after_kill"] == out["me"]
    assert out["next"] not in (out["me"], out["first"])


def test_no_worker_outlives_a_killed_crawl():
    proc, out = run("die")
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while alive(out["next"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(out["next"])
