"""Benchmarks (`make bench`): every figure is a ratio against a baseline measured in the same run, or an
absolute figure at a stated size. Results go to bench/results.json; bench/README.md keeps the history.

Crawl (replica at --scale, politeness off on both sides: no delay, no AutoThrottle, 16 per host), our first
crawl and the bare spider interleaved --rounds times (ours, bare, ours, bare: the figures are the rounds' medians):
- crawl_ratio: our first crawl's responses/s ÷ a bare Scrapy spider's (bench/bare.py) fetching the same
  URLs (recorded by bench/record.py during our crawl) with the same total concurrency; both timed the same
  way, as processes from start to exit (imports, store or reactor set-up and shutdown included);
- recrawl_request_ratio: requests of the next night without changes ÷ the first crawl's;
- crawl_cpu_ratio: the bare spider's CPU seconds per page ÷ ours, ours with its children (the CPU workers of
  crawler/cpupool.py, the attachment sandbox): steadier under load than wall time;
- crawl_reactor_cpu_ratio: the same against our crawl's own process only, whose reactor thread is what every
  download waits on: about the wall-time ratio of an idle machine with a core free for the workers;
- crawl_peak_rss_mb: the crawl process's peak RSS plus its largest child's; the replica server's CPU
  seconds are recorded too.
Store (a generated store of --docs realistic documents, bench/corpus.py):
- import_ratio: `db import` docs/s ÷ jieba's own rate (cut_for_search) over the same documents' text (a
  sample of them, in this run) — jieba is the floor of our indexing; import_cpu_ratio: the same per CPU
  second (steadier than wall time when other work shares the machine);
- import_growth: CPU seconds for the last 10,000 documents ÷ the first 10,000 (1.0: linear; the wall-time
  version too);
- check_seconds_100k / check_peak_rss_mb: `zwgk check --as-of 2020-12-31`; report_seconds_100k: `zwgk report`;
- search_ms_100k: median of 10 queries (Store.search), with the LIKE-scan speed-up for reference.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from zwgk.demo import demo_config, free_port  # noqa: E402
from replica import ReplicaServer  # noqa: E402
from crawler.store import Store  # noqa: E402

ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]
QUERIES = ["预算", "部门决算", "招生计划", "学区划分", "征求意见", "政策解读", "三公经费", "疫情防控", "新闻发布会", "体育"]
TODAY = "2020-12-31"   # the replica's world is dated 2020-12-31 (night 0) + n
GOALS = {"crawl_ratio": (">=", 0.6), "recrawl_request_ratio": ("<=", 0.05), "import_ratio": (">=", 0.5),
         "import_growth": ("<=", 1.3), "check_seconds_100k": ("<=", 15), "report_seconds_100k": ("<=", 15),
         "crawl_peak_rss_mb": ("<=", 300), "check_peak_rss_mb": ("<=", 300), "search_ms_100k": ("<=", 50),
         "redis_two_worker_ratio": (">=", 1.6), "redis_overhead_ratio": (">=", 0.8)}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def measured(cmd: list[str], **kw) -> tuple[float, float, str, float]:
    """Run *cmd* (wrapped by WRAP); (wall seconds, peak RSS in MB, stdout, CPU seconds). Fails loudly
    with the command's stderr. The last usage read is in LAST_USAGE (its own CPU, its largest child's RSS)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    peaks: dict[str, int] = {}
    child_cpu: dict[int, tuple[str, float]] = {}
    sampler = threading.Thread(target=_sample_children, args=(proc, peaks, child_cpu), daemon=True)
    sampler.start()
    out, err = proc.communicate()   # (communicate reaps it; its rusage comes from /proc below instead)
    seconds = time.perf_counter() - t0
    sampler.join()
    LAST_USAGE["with_children_peak_rss_mb"] = round(peaks.pop("(all together)", 0) / 1024, 1)
    LAST_USAGE["children_peak_rss_mb"] = {k: round(v / 1024, 1) for k, v in peaks.items()}
    # each child's CPU as last sampled (up to half a second short): which child the crawl's CPU went to
    by_name: dict[str, float] = {}
    for name, used in child_cpu.values():   # (a pid sampled before its exec had no name yet)
        by_name[name] = by_name.get(name, 0.0) + used
    LAST_USAGE["children_cpu_s"] = {k: round(v, 1) for k, v in by_name.items()}
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd[-4:])} exited {proc.returncode}:\n{err[-3000:]}")
    rss, cpu = _rusage(err)
    return seconds, rss, out, cpu


LAST_USAGE: dict = {}


def _rss_kb(pid) -> int:
    try:
        return next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def _sample_children(proc: subprocess.Popen, peaks: dict, child_cpu: dict) -> None:
    """The largest memory of *proc* and its children together (its CPU worker, the attachment sandbox), from
    their RSS sampled every half second (the children's ru_maxrss would count the parent's size at fork),
    and each child's CPU seconds (*child_cpu*: pid → (name, seconds))."""
    while proc.poll() is None:
        now = _rss_kb(proc.pid)
        for tasks in Path(f"/proc/{proc.pid}/task").glob("*/children"):
            try:
                pids = tasks.read_text().split()
            except OSError:
                continue
            for pid in pids:
                kb = _rss_kb(pid)
                now += kb
                try:
                    name = " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[1:3])
                except OSError:
                    name = "?"
                peaks[name] = max(peaks.get(name, 0), kb)
                try:
                    was = child_cpu.get(int(pid), ("", 0.0))[0]
                    child_cpu[int(pid)] = (name or was, cpu_seconds(int(pid)))
                except (OSError, IndexError, ValueError):
                    pass
        peaks["(all together)"] = max(peaks.get("(all together)", 0), now)
        time.sleep(0.5)


def _rusage(stderr: str) -> tuple[float, float]:
    for line in reversed(stderr.splitlines()):
        if line.startswith("BENCH_RUSAGE="):
            kb, cpu, own_cpu, _ = line.split("=")[1].split(",")
            LAST_USAGE.update(own_cpu_s=round(float(own_cpu), 2))
            return round(int(kb) / 1024, 1), round(float(cpu), 2)
    return float("nan"), float("nan")


# Each measured command runs under this wrapper, which reports its own peak RSS and CPU seconds on exit:
# with other work on the machine, CPU seconds compare more steadily than wall time.
# (Peak RSS from /proc VmHWM: ru_maxrss survives exec on Linux, so a child forked from this big process
# would report this process's size.)
# CPU seconds include the command's own child processes (CPU workers, the attachment sandbox) once reaped:
# work moved off the crawl's process is still the crawl's work. (atexit handlers run last-registered first:
# this one is registered first, so it runs after zwgk's pool has joined its workers.)
WRAP = ("import atexit, resource, sys, runpy\n"
        "def _bench_usage():\n"
        "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    c = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "    hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
        "    print('BENCH_RUSAGE=%s,%.3f,%.3f,%s' % (hwm[0] if hwm else u.ru_maxrss,\n"
        "          u.ru_utime + u.ru_stime + c.ru_utime + c.ru_stime, u.ru_utime + u.ru_stime, c.ru_maxrss),\n"
        "          file=sys.stderr)\n"
        "atexit.register(_bench_usage)\n")


def zwgk(*args: str) -> list[str]:
    return [sys.executable, "-c", WRAP + "from zwgk.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    sys.exit(e.code)\n", *args]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def total(stats: dict, key: str) -> int:
    return sum(int(s.get(key) or 0) for s in stats.values() if isinstance(s, dict))


# --- crawl ------------------------------------------------------------------------------------

def bench_crawl(workdir: Path, scale: float, settings: list[str] = (), rounds: int = 2) -> dict:
    """An uncounted first crawl (records the URLs, warms the replica), then our first crawl and the bare spider
    interleaved *rounds* times (ours, bare, ours, bare …: on a shared machine the load moves; each round's ratio
    is reported and the figure is their median), then one no-change night on the uncounted crawl's store."""
    from crawler.config import load_config
    from zwgk.crawl import sites_by_host

    with ReplicaServer(seed=1, scale=scale, night=0) as rep:
        config = workdir / "zwgk.yaml"
        config.write_text(yaml.safe_dump(demo_config(rep.urls, workdir, free_port()), allow_unicode=True),
                          encoding="utf-8")
        per_host = 16
        concurrency = per_host * len(sites_by_host(load_config(config), list(rep.urls)))
        urls = workdir / "urls.txt"

        def ours(db: Path, today: str, record: bool) -> dict:
            extra = ["-s", 'EXTENSIONS={"bench.record.RecordUrls": 500}', "-s", f"BENCH_URLS_FILE={urls}"] \
                if record else []
            cpu0 = cpu_seconds(rep.proc.pid)
            seconds, rss, _, cpu = measured(zwgk("--config", str(config), "--db", str(db), "crawl", "--json",
                                                 "-s", f"ZWGK_TODAY={today}", "-s", "LOG_LEVEL=WARNING", *extra,
                                                 *(a for kv in settings for a in ("-s", kv))))
            with Store(db) as store:
                stats = store.latest_run("crawl", status=None)["stats"]
            return {"seconds": round(seconds, 1), "requests": total(stats, "requests"),
                    "responses": total(stats, "responses"), "documents_new": total(stats, "new"),
                    "changed": total(stats, "changed"), "cpu_s": cpu, **LAST_USAGE, "peak_rss_mb": rss,
                    "replica_cpu_s": round(cpu_seconds(rep.proc.pid) - cpu0, 1)}

        def bare() -> dict:
            cpu0 = cpu_seconds(rep.proc.pid)
            seconds, rss, out, cpu = measured([sys.executable, "-c", WRAP + "runpy.run_path('bench/bare.py', "
                                               "run_name='__main__')", str(urls), str(concurrency)])
            b = json.loads(out.strip().splitlines()[-1])
            # "seconds": the process, start to exit, as ours is timed ("crawl_seconds": its crawl alone)
            return {"seconds": round(seconds, 1), "crawl_seconds": round(b["seconds"], 1), "urls": b["urls"],
                    "responses": b["responses"], "cpu_s": cpu, "peak_rss_mb": rss,
                    "replica_cpu_s": round(cpu_seconds(rep.proc.pid) - cpu0, 1)}

        # an uncounted first crawl records the URLs for the bare spider and warms the replica: it renders each
        # page once, on first request, and that CPU fell on our first round only (replica 4.1 CPU s against
        # 0.9 in the next round at scale 1)
        warmup = ours(workdir / "warmup.db", TODAY, record=True)
        pairs = []
        for n in range(rounds):
            a = ours(workdir / f"first-{n}.db", TODAY, record=False)
            pairs.append((a, bare()))
        night = ours(workdir / "warmup.db", (dt.date.fromisoformat(TODAY) + dt.timedelta(days=1)).isoformat(),
                     record=False)
    for a, b in pairs:
        a["pages_per_s"] = round(a["responses"] / a["seconds"], 1)
        b["pages_per_s"] = round(b["responses"] / b["seconds"], 1)
        a["ratio"] = round(a["pages_per_s"] / b["pages_per_s"], 3)
        a["cpu_ratio"] = round((b["cpu_s"] / b["responses"]) / (a["cpu_s"] / a["responses"]), 3)
        a["reactor_cpu_ratio"] = round((b["cpu_s"] / b["responses"]) / (a["own_cpu_s"] / a["responses"]), 3)
    first = warmup
    med = lambda key: round(statistics.median(a[key] for a, _ in pairs), 3)  # noqa: E731
    return {
        "figures": {"crawl_ratio": med("ratio"), "crawl_cpu_ratio": med("cpu_ratio"),
                    "crawl_reactor_cpu_ratio": med("reactor_cpu_ratio"),
                    "recrawl_request_ratio": round(night["requests"] / max(first["requests"], 1), 4),
                    # the crawl's process (as before the CPU worker); with its children (the worker, the
                    # attachment sandbox) at the same moment in crawl_total_peak_rss_mb
                    "crawl_peak_rss_mb": max(a["peak_rss_mb"] for a, _ in pairs),
                    "crawl_total_peak_rss_mb": max(max(a["peak_rss_mb"], a["with_children_peak_rss_mb"])
                                                   for a, _ in pairs)},
        "concurrency": concurrency, "rounds": [{"ours": a, "bare": b} for a, b in pairs],
        "warmup": {k: warmup[k] for k in ("seconds", "requests", "documents_new", "cpu_s", "replica_cpu_s")},
        "no_change_night": {k: night[k] for k in ("seconds", "requests", "documents_new", "changed")},
    }


# --- the store at size ------------------------------------------------------------------------

def jieba_rate(corpus: Path, sample: int) -> dict:
    """Documents per second jieba segments (what the index segments: title and body), on every k-th
    document of the corpus. jieba's own cut_for_search, HMM on: the words the index stores (since
    2026-11-30 crawler/segmenter.py computes the same words with less work, so our import can beat it)."""
    from crawler import textseg

    with open(corpus, encoding="utf-8") as f:
        n = sum(1 for _ in f)
    step = max(1, n // sample)
    with open(corpus, encoding="utf-8") as f:   # (streamed: this process stays small)
        docs = [json.loads(line) for i, line in enumerate(f) if i % step == 0]
    textseg.segment("预热")   # the dictionary loads outside the timing
    jieba = textseg._jieba()
    t0, c0 = time.perf_counter(), time.process_time()
    for d in docs:   # jieba itself, as the index calls it (search mode), without our word filter
        for text in (d["title"], d.get("body"), d.get("attachment_text")):
            if text:
                list(jieba.cut_for_search(text))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"docs": len(docs), "seconds": round(seconds, 2), "docs_per_s": round(len(docs) / seconds, 1),
            "cpu_s": round(cpu, 2), "docs_per_cpu_s": round(len(docs) / cpu, 1)}


IMPORT_WORKER = WRAP + """
import glob, json, os, sys, time
from crawler.store import Store
from rules.dbimport import import_jsonl
marks, cpu = [], []
TICK = os.sysconf('SC_CLK_TCK')
import resource
def used():   # CPU seconds of this process and of its children, live (the segmenting workers) or reaped
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = time.process_time() + c.ru_utime + c.ru_stime
    for kids in glob.glob('/proc/self/task/*/children'):
        for pid in open(kids).read().split():
            try:
                f = open('/proc/%s/stat' % pid).read().rsplit(')', 1)[1].split()
                total += (int(f[11]) + int(f[12])) / TICK
            except OSError:
                pass
    return total
def lines(path):
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f):
            if n % 10000 == 0:
                marks.append(time.perf_counter()); cpu.append(used())
            yield line
t0, c0 = time.perf_counter(), used()
with Store(sys.argv[1]) as store:
    result = import_jsonl(store, lines(sys.argv[2]))
marks.append(time.perf_counter()); cpu.append(used())
print(json.dumps({"seconds": marks[-1] - t0, "marks": [m - t0 for m in marks], "cpu": [c - c0 for c in cpu],
                  "counts": result.counts, "bad": len(result.bad)}))
"""


def bench_store(workdir: Path, n: int, sample: int) -> dict:
    from bench.corpus import write_corpus

    corpus = workdir / "corpus.jsonl"
    text_bytes = write_corpus(corpus, n)
    jieba = jieba_rate(corpus, sample)
    db = workdir / "store.db"
    seconds, import_rss, out, import_cpu = measured([sys.executable, "-c", IMPORT_WORKER, str(db), str(corpus)])
    imp = json.loads(out.strip().splitlines()[-1])
    marks = imp["marks"]
    per10k = [b - a for a, b in zip(marks, marks[1:])]
    cpu10k = [b - a for a, b in zip(imp["cpu"], imp["cpu"][1:])]
    if len(per10k) > 1 and n % 10000:
        per10k, cpu10k = per10k[:-1], cpu10k[:-1]   # a short last stretch
    import_rate = n / imp["seconds"]

    config = workdir / "store.yaml"
    config.write_text(yaml.safe_dump(demo_config({k: f"http://bench.invalid/{k}" for k in
                                                  ("bureau", "province", "city", "district")}, workdir, 25),
                                     allow_unicode=True), encoding="utf-8")
    t_check, rss_check, _, cpu_check = measured(zwgk("--config", str(config), "--db", str(db), "check", "--as-of", TODAY))
    t_report, rss_report, _, cpu_report = measured(zwgk("--config", str(config), "--db", str(db), "report",
                                            "--out", str(workdir / "reports")))
    search = bench_search(db)
    return {
        "figures": {"import_ratio": round(import_rate / jieba["docs_per_s"], 3),
                    "import_cpu_ratio": round((n / import_cpu) / jieba["docs_per_cpu_s"], 3),
                    # CPU seconds: the wall time of a stretch moves with whatever else the machine runs
                    "import_growth": round(cpu10k[-1] / cpu10k[0], 3) if len(cpu10k) > 1 else None,
                    "import_growth_wall": round(per10k[-1] / per10k[0], 3) if len(per10k) > 1 else None,
                    "check_seconds_100k": round(t_check, 1), "report_seconds_100k": round(t_report, 1),
                    "check_peak_rss_mb": rss_check, "search_ms_100k": search["median_ms"]},
        "documents": n, "text_mb": round(text_bytes / 2**20, 1),
        "import": {"seconds": round(imp["seconds"], 1), "docs_per_s": round(import_rate, 1),
                   "seconds_per_10k": [round(s, 1) for s in per10k], "cpu_s_per_10k": [round(s, 1) for s in cpu10k],
                   "peak_rss_mb": import_rss,
                   "cpu_s": import_cpu, "counts": imp["counts"], "db_mb": round(db.stat().st_size / 2**20, 1)},
        "check_cpu_s": cpu_check, "report_cpu_s": cpu_report,
        "jieba": jieba, "report_peak_rss_mb": rss_report, "search": search,
    }


def bench_search(db_path: Path) -> dict:
    import sqlite3

    store = Store(db_path)
    conn = sqlite3.connect(db_path)
    store.search(QUERIES[0])   # jieba's dictionary loads outside the timings
    rows = []
    for q in QUERIES:
        t0 = time.perf_counter()
        hits = store.search(q)
        t_fts = time.perf_counter() - t0
        like = f"%{q}%"
        t0 = time.perf_counter()
        conn.execute("select url from documents where state = 'live' and (title like ? or body like ?) "
                     "order by published desc limit 20", [like, like]).fetchall()
        t_like = time.perf_counter() - t0
        rows.append({"query": q, "fts_ms": round(t_fts * 1000, 2), "like_ms": round(t_like * 1000, 1),
                     "hits": len(hits)})
    store.close()
    return {"median_ms": round(statistics.median(r["fts_ms"] for r in rows), 2),
            "median_like_ms": round(statistics.median(r["like_ms"] for r in rows), 1), "queries": rows}


# --- the table --------------------------------------------------------------------------------

def verdict(name: str, value) -> str:
    if value is None or name not in GOALS:
        return ""
    op, goal = GOALS[name]
    ok = value >= goal if op == ">=" else value <= goal
    return f"goal {op} {goal}: {'met' if ok else 'NOT met'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=5.0, help="replica scale for the crawl figures (default 5)")
    ap.add_argument("--docs", type=int, default=100_000, help="documents in the generated store (default 100000)")
    ap.add_argument("--jieba-sample", type=int, default=5000, help="documents jieba's rate is measured on")
    ap.add_argument("--crawl-setting", action="append", default=[], metavar="NAME=VALUE",
                    help="a Scrapy setting for our crawls (A/B runs, e.g. ZWGK_CPU_WORKERS=0)")
    ap.add_argument("--rounds", type=int, default=2, help="crawl A/B rounds, interleaved (default 2)")
    ap.add_argument("--skip-crawl", action="store_true")
    ap.add_argument("--skip-store", action="store_true")
    ap.add_argument("--skip-redis", action="store_true", help="skip the Redis crawl figures (bench/redis_bench.py)")
    ap.add_argument("--redis-scale", type=float, default=0.02, help="replica scale of the 8 bureau hosts")
    ap.add_argument("--redis-rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = ap.parse_args()
    started = time.perf_counter()
    result = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": f"{platform.machine()} {os.cpu_count()} cpu, load {os.getloadavg()[0]:.1f}, "
                         f"Python {platform.python_version()}",
              "scale": args.scale, "docs": args.docs, "figures": {}, "half_seconds": {}}
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-") as tmp:
        if not args.skip_crawl:
            (Path(tmp) / "crawl").mkdir()
            t0 = time.perf_counter()
            result["crawl"] = bench_crawl(Path(tmp) / "crawl", args.scale, args.crawl_setting, args.rounds)
            result["crawl_settings"] = args.crawl_setting
            result["figures"].update(result["crawl"].pop("figures"))
            result["half_seconds"]["crawl"] = round(time.perf_counter() - t0, 1)
        if not args.skip_store:
            (Path(tmp) / "store").mkdir()
            t0 = time.perf_counter()
            result["store"] = bench_store(Path(tmp) / "store", args.docs, args.jieba_sample)
            result["figures"].update(result["store"].pop("figures"))
            result["half_seconds"]["store"] = round(time.perf_counter() - t0, 1)
        if not args.skip_redis:   # issue 15: the distributed crawl (bench/redis_bench.py)
            from redis_bench import bench_redis
            t0 = time.perf_counter()
            result["redis"] = bench_redis(Path(tmp) / "redis", args.redis_scale, args.redis_rounds)
            result["figures"].update(result["redis"].pop("figures"))
            result["half_seconds"]["redis"] = round(time.perf_counter() - t0, 1)
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    result["load_after"] = round(os.getloadavg()[0], 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"zwgk bench  {result['date']}  {result['machine']}  scale {args.scale}  docs {args.docs}")
    for name, value in result["figures"].items():
        print(f"  {name:<24} {value!s:>10}   {verdict(name, value)}")
    if "crawl" in result:
        for n, r in enumerate(result["crawl"]["rounds"], 1):
            a, b = r["ours"], r["bare"]
            print(f"  crawl round {n}: ours {a['responses']} pages in {a['seconds']} s, bare Scrapy {b['responses']} in "
                  f"{b['seconds']} s: {a['ratio']}; CPU s ours {a['cpu_s']} (crawl process {a['own_cpu_s']}), "
                  f"bare {b['cpu_s']}; replica CPU s {a['replica_cpu_s']} / {b['replica_cpu_s']}")
    if "store" in result:
        s = result["store"]
        print(f"  import: {s['import']['docs_per_s']} docs/s ({s['import']['cpu_s']} CPU s), jieba alone "
              f"{s['jieba']['docs_per_s']} docs/s ({s['jieba']['docs_per_cpu_s']} per CPU s); "
              f"s per 10k {s['import']['seconds_per_10k']}, CPU s per 10k {s['import']['cpu_s_per_10k']}")
    if "redis" in result:
        r = result["redis"]
        print(f"  redis: pages/s {r.get('pages_per_second')}, load {r.get('load')}" + (f" — {r['note']}" if r.get("note") else ""))
    print(f"  ({result['bench_seconds']} s: {result['half_seconds']}; load {result['load_after']} at the end)  written to {args.out}")


if __name__ == "__main__":
    main()
