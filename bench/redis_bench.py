"""Distributed-crawl figures (issue 15), part of `make bench`:

- ``redis_two_worker_ratio``: pages/s of two `zwgk crawl --redis` workers ÷ one worker, 8 bureau hosts
  of the replica, politeness on (crawl.concurrency_per_host = 2 on every host, summed over workers);
- ``redis_overhead_ratio``: pages/s of one Redis worker ÷ the plain `zwgk crawl`, same 4 hosts, same
  settings (the plain crawl's config holds at most four sites).

pages/s = requests the replica answered ÷ seconds until the night's data is in SQLite (the plain crawl's
process; for Redis, the ingest, which ends when every queue is empty). Both sides run the same
spider code, against the same replica, in the same run, interleaved, after one uncounted warm-up night
(the replica renders each page on its first request). ``without_startup`` gives the same ratios from the
first request the replica saw (a short night's start-up — imports, crawler set-up — is a large share of
it); ``diagnostics`` per night: CPU seconds of each process, Redis calls per request, start-up/crawl/tail
seconds and the share of the crawl with no request in flight.

Two more figures explain the first one (not goals of their own):

- ``redis_two_worker_ceiling``: the CPU count ÷ the cores one worker's night keeps busy (its worker with
  the worker's CPU and sandbox children, the ingest, redis-server and the replica: all on this machine).
  Two workers cannot do better than that on this machine even if a second worker cost nothing;
- ``redis_two_worker_ratio_one_core_each``: the same ratio with each worker (and its children) on a core of
  its own (sched_setaffinity) — one worker on one core against two workers on two, as workers on separate
  one-core machines; the ingest, Redis and the replica are not pinned and share both cores.

`make bench` runs it (bench/run.py, figures in bench/results.json); alone:

    .venv/bin/python bench/redis_bench.py [--scale 0.02] [--rounds 3] [--out bench/redis_results.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]
CRAWL = "crawl: {concurrency_per_host: 2, download_delay: 0, autothrottle: false, recheck_days: 7}\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def requests_served(urls: dict) -> int:
    return sum(len(json.load(urllib.request.urlopen(u + "/__replica__/requests.json"))["requests"])
               for u in urls.values())


def reset(urls: dict) -> None:
    for u in urls.values():
        urllib.request.urlopen(urllib.request.Request(u + "/__replica__/night?n=0", method="POST")).read()


def district(tmp: Path, urls: dict) -> Path:
    (tmp / "bureaus").mkdir(parents=True, exist_ok=True)
    for k, u in urls.items():
        (tmp / "bureaus" / f"{k}.yaml").write_text(
            f"contact: {k}@example.org\nsites:\n  bureau: {{name: {k}, base_url: \"{u}\", platform: jcms}}\n"
            "units: [{name: 办公室}]\n", encoding="utf-8")
    path = tmp / "district.yaml"
    path.write_text("contact: bench@example.org\npaths: {data: var}\n" + CRAWL + "bureaus_dir: bureaus\n",
                    encoding="utf-8")
    return path


def four_sites(tmp: Path, urls: dict) -> Path:
    keys = ("bureau", "province", "city", "district")
    lines = ["contact: bench@example.org", "paths: {data: var}", "sites:"]
    for key, u in zip(keys, list(urls.values())[:4]):
        lines.append(f"  {key}: {{name: {key}, base_url: \"{u}\", platform: jcms}}")
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "four.yaml"
    path.write_text("\n".join(lines) + "\nunits: [{name: 办公室}]\n" + CRAWL, encoding="utf-8")
    return path


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a running process so far (/proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def reap(proc: subprocess.Popen) -> float:
    """Wait for *proc*; its CPU seconds with those of the children it waited for (os.wait4)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def timeline(urls: dict, t0: float, t_end: float) -> dict:
    """From the replica's request log (start/end on the same monotonic clock): when the first request
    came, how long the last one was before the night ended, and the share of the crawl window in which
    no request at all was in flight (reactor or Redis waits, not politeness)."""
    spans = []
    for u in urls.values():
        for q in json.load(urllib.request.urlopen(u + "/__replica__/requests.json"))["requests"]:
            if q.get("end") is not None:
                spans.append((q["start"], q["end"]))
    if not spans:
        return {}
    spans.sort()
    first, last = spans[0][0], max(e for _, e in spans)
    idle, reach = 0.0, first
    for s0, e0 in spans:
        if s0 > reach:
            idle += s0 - reach
        reach = max(reach, e0)
    return {"startup_s": round(first - t0, 2), "crawl_s": round(last - first, 2), "tail_s": round(t_end - last, 2),
            "no_request_in_flight_share": round(idle / max(1e-9, last - first), 3)}


def redis_calls(r) -> dict:
    """Commands Redis ran since the last reset, by name (a pipeline counts each; a Lua call counts the
    EVAL/EVALSHA and each command it runs)."""
    stats = r.info("commandstats")
    return {k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items()}


def pinned(core: int | None):
    """preexec_fn: the child (and every process it starts) runs on *core* only."""
    if core is None:
        return None
    return lambda: os.sched_setaffinity(0, {core})


def run_redis(config: Path, redis_url: str, workers: int, urls: dict, tmp: Path, *, diag: dict | None = None,
              redis_pid: int | None = None, replica_pid: int | None = None, worker_args: tuple = (),
              one_core_each: bool = False) -> float:
    import redis

    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    r.config_resetstat()
    shutil.rmtree(tmp / "var", ignore_errors=True)
    reset(urls)
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    cpu0 = {"redis_server": proc_cpu(redis_pid) if redis_pid else 0.0,
            "replica": proc_cpu(replica_pid) if replica_pid else 0.0}
    t0 = time.monotonic()
    ingest = subprocess.Popen(ZWGK + ["--config", str(config), "ingest", "--redis", redis_url, "--json"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = [subprocess.Popen(ZWGK + ["--config", str(config), "crawl", "--redis", redis_url,
                                      "--log-level", "WARNING", *worker_args], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=pinned(i % (os.cpu_count() or 1) if one_core_each else None))
             for i in range(workers)]
    ingest_cpu = reap(ingest)
    t_end = time.monotonic()
    seconds = t_end - t0
    worker_cpu = [reap(p) for p in procs]
    served = requests_served(urls)
    if diag is not None:
        calls = redis_calls(r)
        evals = calls.get("eval", 0) + calls.get("evalsha", 0)
        others = [ingest_cpu] + [proc_cpu(p) - cpu0[k] for k, p in (("redis_server", redis_pid),
                                                                        ("replica", replica_pid)) if p]
        diag.update({
            "requests": served, "seconds": round(seconds, 2),
            # every process of the night on this machine: the share of the CPUs it kept busy
            "cores_busy": round((sum(worker_cpu) + sum(others)) / seconds, 2),
            "cpu_s": {"workers": [round(c, 1) for c in worker_cpu], "ingest": round(ingest_cpu, 1),
                      "redis_server": round(proc_cpu(redis_pid) - cpu0["redis_server"], 1) if redis_pid else None,
                      "replica": round(proc_cpu(replica_pid) - cpu0["replica"], 1) if replica_pid else None},
            "worker_cpu_ms_per_request": round(1000 * sum(worker_cpu) / max(1, served), 2),
            "redis_lua_calls_per_request": round(evals / max(1, served), 2),
            "redis_top_commands": dict(sorted(calls.items(), key=lambda kv: -kv[1])[:8]),
            **timeline(urls, t0, t_end)})
    return served / seconds


def run_plain(config: Path, urls: dict, tmp: Path, *, diag: dict | None = None) -> float:
    shutil.rmtree(tmp / "var", ignore_errors=True)
    reset(urls)
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    t0 = time.monotonic()
    proc = subprocess.Popen(ZWGK + ["--config", str(config), "crawl", "--log-level", "WARNING"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu = reap(proc)
    t_end = time.monotonic()
    served = requests_served(urls)
    if diag is not None:
        diag.update({"requests": served, "seconds": round(t_end - t0, 2), "cpu_s": {"crawl": round(cpu, 1)},
                     "worker_cpu_ms_per_request": round(1000 * cpu / max(1, served), 2), **timeline(urls, t0, t_end)})
    return served / (t_end - t0)


def bench_redis(workdir: Path, scale: float = 0.02, rounds: int = 1) -> dict:
    """The Redis figures (`make bench`: bench/run.py calls this). Interleaved: one worker on 8 hosts, two
    workers on 8 hosts, the plain crawl on 4, one worker on 4, per round; medians over rounds."""
    exe = shutil.which("redis-server")
    if not exe:
        return {"figures": {"redis_two_worker_ratio": None, "redis_overhead_ratio": None},
                "note": "redis-server not installed (scripts/install-test-deps.sh)"}
    tmp = Path(workdir)
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    rs = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                           "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rep = subprocess.Popen([sys.executable, "-m", "replica.bureaus", "--count", "8", "--scale",
                            str(scale), "--ports-file", str(tmp / "ports.json"), "--parent-pid",
                            str(os.getpid())], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load_before = os.getloadavg()[0]
    try:
        while not (tmp / "ports.json").exists():
            time.sleep(0.05)
        urls = json.loads((tmp / "ports.json").read_text())
        time.sleep(0.3)
        redis_url = f"redis://127.0.0.1:{port}/0"
        eight, four = district(tmp / "d8", urls), four_sites(tmp / "d4", urls)
        four_urls = dict(list(urls.items())[:4])
        runs: dict[str, list] = {"one_worker_8": [], "two_workers_8": [], "plain_4": [], "one_worker_4": [],
                                 "one_worker_8_one_core": [], "two_workers_8_one_core_each": []}
        can_pin = hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2
        diags: dict[str, list] = {k: [] for k in runs}
        pids = {"redis_pid": rs.pid, "replica_pid": rep.pid}
        # not counted: the replica renders each page on its first request (≈ 9 CPU s at scale 0.02), which
        # slowed the first night of round 1 only
        warmup: dict = {}
        run_redis(eight, redis_url, 1, urls, tmp / "d8", diag=warmup, **pids)
        for _ in range(rounds):   # interleaved A/B
            for kind, workers, config, hosts in (("one_worker_8", 1, eight, urls), ("two_workers_8", 2, eight, urls),
                                                 ("plain_4", 0, four, four_urls), ("one_worker_4", 1, four, four_urls),
                                                 ("one_worker_8_one_core", 1, eight, urls),
                                                 ("two_workers_8_one_core_each", 2, eight, urls)):
                if kind.endswith(("_one_core", "_one_core_each")) and not can_pin:
                    continue
                diags[kind].append({})
                if workers:
                    runs[kind].append(run_redis(config, redis_url, workers, hosts, config.parent, diag=diags[kind][-1],
                                                one_core_each="one_core" in kind, **pids))
                else:
                    runs[kind].append(run_plain(config, hosts, config.parent, diag=diags[kind][-1]))
        two = [b / a for a, b in zip(runs["one_worker_8"], runs["two_workers_8"])]
        over = [b / a for a, b in zip(runs["plain_4"], runs["one_worker_4"])]
        pinned_two = [b / a for a, b in zip(runs["one_worker_8_one_core"], runs["two_workers_8_one_core_each"])]
        busy = [d["cores_busy"] for d in diags["one_worker_8"]]
        med = {k: statistics.median(v) for k, v in runs.items() if v}
        # the same nights without the processes' start-up (first request the replica saw → data in SQLite):
        # at scale 0.02 a few seconds of Python imports and crawler set-up are a large share of a short night
        warm = {k: [d["requests"] / max(1e-9, d["seconds"] - d.get("startup_s", 0)) for d in v] for k, v in diags.items()
                if v}
        two_warm = [b / a for a, b in zip(warm["one_worker_8"], warm["two_workers_8"])]
        over_warm = [b / a for a, b in zip(warm["plain_4"], warm["one_worker_4"])]
        return {
            "figures": {"redis_two_worker_ratio": round(statistics.median(two), 2),
                        "redis_overhead_ratio": round(statistics.median(over), 2),
                        "redis_two_worker_ceiling": round((os.cpu_count() or 1) / statistics.median(busy), 2),
                        "redis_two_worker_ratio_one_core_each":
                            round(statistics.median(pinned_two), 2) if pinned_two else None},
            "pages_per_second": {k: round(v, 1) for k, v in med.items()},
            "per_round": {"two_worker_ratio": [round(x, 2) for x in two], "overhead_ratio": [round(x, 2) for x in over],
                          "two_worker_ratio_one_core_each": [round(x, 2) for x in pinned_two],
                          "one_worker_cores_busy": busy},
            "without_startup": {"two_worker_ratio": round(statistics.median(two_warm), 2),
                                "overhead_ratio": round(statistics.median(over_warm), 2),
                                "pages_per_second": {k: round(statistics.median(v), 1) for k, v in warm.items()}},
            # where the time goes, per run: CPU seconds by process, Redis calls, start-up / crawl / tail seconds
            "diagnostics": diags,
            "warmup": warmup,
            "scale": scale, "rounds": rounds, "cpus": os.cpu_count(),
            "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        }
    finally:
        rep.terminate()
        rs.terminate()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "redis_results.json"))
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zwgk-redis-bench-") as tmp:
        result = bench_redis(Path(tmp), a.scale, a.rounds)
    Path(a.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0 if result.get("note") is None else 1


if __name__ == "__main__":
    sys.exit(main())
