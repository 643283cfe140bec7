"""What users get, before and after a speed-up: the stores of one night made by several trees against ONE
replica (same ports, so URLs and content hashes compare), then compared row by row (issue 15, entry 15c).

    python bench/store_compare.py run OUT SCALE redis|plain TREE [TREE …]   # OUT/<i>/var for each tree
    python bench/store_compare.py diff DIR_A DIR_B                          # every */zwgk.db under each

``redis``: one 1-worker Redis night on the 8-host replica (needs redis-server); ``plain``: ``zwgk crawl`` of
4 of its hosts as one bureau. ``diff`` compares documents (with attachments and their text), versions,
links, columns and the search index, times and row ids aside, and exits 1 when any row differs.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = {"documents": "url", "versions": "url, version", "links": "from_url, to_url, kind",
          "columns": "site, column_id", "documents_fts": "url"}
TIMES = {"first_seen", "last_seen", "seen", "checked_at", "full_walk_at", "doc_id"}


@contextlib.contextmanager
def replica_and_redis(scale: float):
    """The 8-host replica at *scale* and a redis-server, on 127.0.0.1: yields (redis_bench, urls, redis URL)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import redis_bench as rb

    tmp = Path(tempfile.mkdtemp())
    rep = subprocess.Popen([sys.executable, "-m", "replica.bureaus", "--count", "8", "--scale", str(scale),
                            "--ports-file", str(tmp / "ports.json"), "--parent-pid", str(os.getpid())],
                           cwd=rb.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = rb.free_port()
    rs = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
    try:
        while not (tmp / "ports.json").exists():
            time.sleep(0.05)
        urls = json.loads((tmp / "ports.json").read_text())
        time.sleep(0.3)
        yield rb, urls, f"redis://127.0.0.1:{port}/0"
    finally:
        rep.terminate()
        rs.terminate()


def run(out: Path, scale: float, mode: str, trees: list[str]) -> None:
    with replica_and_redis(scale) as (rb, urls, redis_url):
        for i, tree in enumerate(trees):
            rb.ROOT = Path(tree).resolve()     # the night's processes import this tree (their cwd)
            diag: dict = {}
            if mode == "redis":
                rb.run_redis(rb.district(out / str(i), urls), redis_url, 1, urls, out / str(i), diag=diag)
            else:
                rb.run_plain(rb.four_sites(out / str(i), urls), urls, out / str(i), diag=diag)
            print(i, tree, diag.get("requests"), "requests, CPU s", diag.get("cpu_s"))


def rows(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    out = {}
    for table, order in TABLES.items():
        cols = [r[1] for r in con.execute(f"pragma table_info({table})") if r[1] not in TIMES]
        out[table] = [tuple(r) for r in con.execute(f"select {', '.join(cols)} from {table} order by {order}")]
    con.close()
    return out


def diff(a: Path, b: Path) -> int:
    compared = differing = 0
    for db_a in sorted(a.rglob("zwgk.db")):
        db_b = b / db_a.relative_to(a)
        ra, rb_ = rows(db_a), rows(db_b)
        for table in TABLES:
            compared += len(ra[table])
            if ra[table] != rb_[table]:
                only = len(set(ra[table]) ^ set(rb_[table])) or 1
                differing += only
                print(f"{db_a.relative_to(a)} {table}: {len(ra[table])} vs {len(rb_[table])} rows, {only} differ")
    print(f"rows compared {compared}, differing {differing}")
    return 1 if differing or not compared else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"] and len(sys.argv) > 5:
        run(Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif sys.argv[1:2] == ["diff"] and len(sys.argv) == 4:
        sys.exit(diff(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
