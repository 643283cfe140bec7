"""Benchmarks (`make bench`): figures are ratios against a baseline measured in the same run.

1. Incremental nights: requests of a night with no changes, of a night with a few changes, and of a
   week of unchanged nights after it, as a share of the first night's requests (goal: a night with no
   changes ≤ 5 %), with what the requests went to (robots.txt, column pages, list pages, new articles,
   conditional re-checks, link checks). Crawls run with ZWGK_TODAY = the replica's date (2020-12-31 + n).
2. Full-text search: jieba-segmented FTS5 queries against a LIKE scan over the same documents
   (the baseline), per query, with the share of the baseline's hits the index also finds.

Everything runs against the replica on 127.0.0.1. Results go to bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zwgk.demo import demo_config, free_port  # noqa: E402
from replica import ReplicaServer  # noqa: E402
from crawler.store import Store  # noqa: E402

ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]
QUERIES = ["预算", "部门决算", "招生计划", "学区划分", "征求意见", "政策解读", "三公经费", "疫情防控", "新闻发布会", "体育"]


# The replica's world is dated 2020-12-31 (night 0) + n; the crawl's schedules (re-check turns by article
# age, full-walk rotation) run on that date, as they would on a real site whose newest items are from today.
TODAY = "2020-12-31"
WEEK = 7


def crawl(config: Path, night: int = 0) -> tuple[float, dict]:
    import datetime as dt

    today = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=night)).isoformat()
    t0 = time.perf_counter()
    subprocess.run(ZWGK + ["--config", str(config), "crawl", "-s", f"ZWGK_TODAY={today}"], check=True,
                   capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    with Store(_db(config)) as store:
        run = store.latest_run("crawl")
    return elapsed, run["stats"]


def _db(config: Path) -> Path:
    return config.parent / "zwgk.db"


def total(stats: dict, key: str) -> int:
    return sum(int(s.get(key) or 0) for s in stats.values() if isinstance(s, dict))


def bench_nights(workdir: Path, scale: float) -> dict:
    with ReplicaServer(seed=1, scale=scale, night=0) as rep:
        config = workdir / "zwgk.yaml"
        config.write_text(yaml.safe_dump(demo_config(rep.urls, workdir, free_port()), allow_unicode=True),
                          encoding="utf-8")
        t_first, first = crawl(config, 0)
        t_same, same = crawl(config, 1)      # the next night, nothing changed on the sites
        rep.set_night(1)
        t_next, nxt = crawl(config, 1)       # the same night, the sites' night-1 changes served
        week = [crawl(config, n) for n in range(2, 2 + WEEK)]   # a week of nights without change after it
    base = total(first, "requests")

    def breakdown(stats: dict) -> dict:
        keys = ("robots_requests", "columns", "list_requests", "article_requests_new", "article_requests_recheck",
                "article_requests_relisted", "link_requests", "attachments", "walks_full", "walks_incremental",
                "not_modified", "refetched")
        out = {k: total(stats, k) for k in keys}
        out["other"] = total(stats, "requests") - sum(out[k] for k in keys[:7])   # home pages, attachments
        return out

    return {
        "first_night": {"seconds": round(t_first, 2), "requests": base, "new": total(first, "new"),
                        "breakdown": breakdown(first)},
        "no_change_night": {"seconds": round(t_same, 2), "requests": total(same, "requests"),
                            "requests_ratio": round(total(same, "requests") / base, 4),
                            "new": total(same, "new"), "changed": total(same, "changed"),
                            "breakdown": breakdown(same)},
        "next_night": {"seconds": round(t_next, 2), "requests": total(nxt, "requests"),
                       "requests_ratio": round(total(nxt, "requests") / base, 4),
                       "new": total(nxt, "new"), "changed": total(nxt, "changed"),
                       "withdrawn": total(nxt, "withdrawn"), "breakdown": breakdown(nxt)},
        # rotation and re-check turns differ night by night: a whole week of unchanged nights
        "no_change_week": {"requests": [total(w, "requests") for _, w in week],
                           "requests_ratio": [round(total(w, "requests") / base, 4) for _, w in week],
                           "mean_ratio": round(sum(total(w, "requests") for _, w in week) / len(week) / base, 4),
                           "max_ratio": round(max(total(w, "requests") for _, w in week) / base, 4),
                           "new": sum(total(w, "new") for _, w in week),
                           "changed": sum(total(w, "changed") for _, w in week),
                           "withdrawn": sum(total(w, "withdrawn") for _, w in week)},
        "bytes_ratio_no_change": round(total(same, "bytes") / max(total(first, "bytes"), 1), 4),
        "goal_no_change_ratio_max": 0.05,
    }


def bench_search(db_path: Path, repeat: int) -> dict:
    store = Store(db_path)
    conn = sqlite3.connect(db_path)
    store.search(QUERIES[0])  # load jieba's dictionary once, outside the timings
    rows = []
    for q in QUERIES:
        t0 = time.perf_counter()
        for _ in range(repeat):
            hits = {r["url"] for r in store.search(q, limit=100000)}
        t_fts = (time.perf_counter() - t0) / repeat
        like = f"%{q}%"
        t0 = time.perf_counter()
        for _ in range(repeat):
            base = {u for (u,) in conn.execute(
                "select url from documents where state = 'live' and "
                "(title like ? or body like ? or attachment_text like ?)", [like, like, like])}
        t_like = (time.perf_counter() - t0) / repeat
        rows.append({"query": q, "fts_ms": round(t_fts * 1000, 3), "like_ms": round(t_like * 1000, 3),
                     "speedup_vs_like": round(t_like / t_fts, 2) if t_fts else None,
                     "fts_hits": len(hits), "like_hits": len(base),
                     "recall_vs_like": round(len(hits & base) / len(base), 3) if base else None})
    store.close()
    return {"queries": rows,
            "median_speedup_vs_like": sorted(r["speedup_vs_like"] for r in rows)[len(rows) // 2]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-") as tmp:
        workdir = Path(tmp)
        nights = bench_nights(workdir, args.scale)
        search = bench_search(_db(workdir / "zwgk.yaml"), args.repeat)
    result = {"scale": args.scale, "machine": f"{platform.machine()} {platform.python_version()}",
              "date": time.strftime("%Y-%m-%d"), "nights": nights, "search": search}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    n = nights
    print(f"first night      {n['first_night']['requests']:>6} requests  {n['first_night']['seconds']:>6.1f} s  (baseline)")
    print(f"no-change night  {n['no_change_night']['requests']:>6} requests  ratio {n['no_change_night']['requests_ratio']:.3f}"
          f"  (goal ≤ {n['goal_no_change_ratio_max']})")
    print(f"next night       {n['next_night']['requests']:>6} requests  ratio {n['next_night']['requests_ratio']:.3f}"
          f"  new {n['next_night']['new']} changed {n['next_night']['changed']} withdrawn {n['next_night']['withdrawn']}")
    w = n["no_change_week"]
    print(f"a week unchanged  ratios {' '.join(f'{r:.3f}' for r in w['requests_ratio'])}  mean {w['mean_ratio']:.3f}"
          f"  max {w['max_ratio']:.3f}  (changed {w['changed']}: edits found by re-check turns)")
    print(f"no-change night bytes ratio {n['bytes_ratio_no_change']:.3f}")
    print(f"search: FTS vs LIKE scan, median speed-up ×{search['median_speedup_vs_like']}")
    for r in search["queries"]:
        print(f"  {r['query']:<8} fts {r['fts_ms']:>8.2f} ms  like {r['like_ms']:>8.2f} ms  ×{r['speedup_vs_like']:<6}"
              f" hits {r['fts_hits']}/{r['like_hits']} recall {r['recall_vs_like']}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
