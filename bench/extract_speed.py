"""The article extractor's CPU cost per page, and its outputs frozen for a byte-identical comparison.

    python bench/extract_speed.py collect DIR [--scale 1]      # save the replica's pages (+ extra sites) to DIR
    python bench/extract_speed.py record DIR OUT.jsonl [--tree T]  # extract()'s whole output for every page
    python bench/extract_speed.py speed DIR --tree A --tree B [--rounds 3]   # CPU s per page, interleaved
    python bench/extract_speed.py profile DIR [--tree T] [--top 25]          # cProfile (process time)

The corpus is DIR (pages collected from the replica: every document of the manifest plus the pages of
the TRS/JPaaS/quirks extra sites), the real pages of ``/work/shared/realpages`` and the pages under
``tests/fixtures/pages``. ``--tree`` is a source tree to import ``spiders.extract`` from (default: this
one), e.g. ``git archive main | tar -x -C /tmp/base``: ``speed`` runs each tree in its own process,
alternating, and reports the median CPU seconds per page of the replica's pages and of the real ones.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
REAL = [Path("/work/shared/realpages"), ROOT / "tests" / "fixtures" / "pages"]


# --- collecting ------------------------------------------------------------------------------------

def collect(out: Path, scale: float) -> None:
    sys.path.insert(0, str(ROOT))
    from replica import ReplicaServer

    out.mkdir(parents=True, exist_ok=True)
    index = []
    with ReplicaServer(seed=1, scale=scale, extra_sites=("trs", "jpaas", "quirks")) as rep:
        def save(site, path, base):
            status, headers, body = rep.fetch(site, path)
            if status != 200 or "html" not in headers.get("content-type", ""):
                return None
            name = f"{len(index):05d}.html"
            (out / name).write_bytes(body)
            index.append({"file": name, "url": base + path, "content_type": headers.get("content-type"),
                          "last_modified": headers.get("last-modified"), "group": "replica"})
            return body
        for doc in rep.manifest["documents"]:
            save(doc["site"], doc["url"], rep.urls[doc["site"]])
        # the extra sites list no documents: follow their columns' links one level down
        for site, info in rep.extras["sites"].items():
            base = rep.extra_urls[site]
            seen = set()
            for col in info.get("columns", []):
                status, headers, body = rep.fetch(site, col["url"])
                if status != 200:
                    continue
                text = body.decode("utf-8", "replace")
                for href in re.findall(r"href=[\"']([^\"'#]+)", text):
                    u = urlsplit(urljoin(base + col["url"], href))
                    path = u.path + (f"?{u.query}" if u.query else "")
                    if u.netloc != urlsplit(base).netloc or path in seen or not u.path.endswith((".html", ".htm")):
                        continue
                    seen.add(path)
                    save(site, path, base)
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{len(index)} pages in {out}")


def corpus(folder: Path) -> list[dict]:
    """Every page: {name, group, raw, url, encoding, last_modified}."""
    pages = []
    for e in json.loads((folder / "index.json").read_text(encoding="utf-8")):
        pages.append({"name": f"replica/{e['file']}", "group": "replica", "raw": (folder / e["file"]).read_bytes(),
                      "url": e["url"], "encoding": e["content_type"], "last_modified": e["last_modified"]})
    for real in REAL:
        if not (real / "expected.json").is_file():
            continue
        for name, exp in json.loads((real / "expected.json").read_text(encoding="utf-8")).items():
            raw = (real / name).read_bytes()
            if exp.get("encode"):
                text = raw.decode("utf-8")
                if exp["encode"] == "gbk-undeclared":
                    text = text.replace('<meta charset="utf-8">', "")
                raw = text.encode("gbk")
            pages.append({"name": f"{real.name}/{name}", "group": "real", "raw": raw, "url": exp.get("url"),
                          "encoding": None, "last_modified": exp.get("last_modified")})
    return pages


def _extract_fn(tree: str | None):
    if tree:
        sys.path.insert(0, str(Path(tree).resolve()))
    else:
        sys.path.insert(0, str(ROOT))
    from spiders.extract import extract
    return extract


def _call(extract, p):
    return extract(p["raw"], p["url"], p["encoding"], p["last_modified"])


# --- recording, timing, profiling ------------------------------------------------------------------

def record(folder: Path, out: Path, tree: str | None) -> None:
    extract = _extract_fn(tree)
    with open(out, "w", encoding="utf-8") as f:
        for p in corpus(folder):
            f.write(json.dumps({"page": p["name"], "out": _call(extract, p)}, ensure_ascii=False, sort_keys=True) + "\n")


def _time_once(folder: Path, tree: str | None) -> dict:
    """CPU seconds per page of one pass over the corpus (after a warm-up pass over 50 pages)."""
    extract = _extract_fn(tree)
    pages = corpus(folder)
    for p in pages[:50]:
        _call(extract, p)
    result = {}
    for group in ("replica", "real"):
        sel = [p for p in pages if p["group"] == group]
        reps = max(1, 300 // len(sel))     # the real pages are few: several passes
        t0 = time.process_time()
        for _ in range(reps):
            for p in sel:
                _call(extract, p)
        result[group] = (time.process_time() - t0) / (len(sel) * reps)
        result[f"{group}_pages"] = len(sel)
    return result


def speed(folder: Path, trees: list[str], rounds: int) -> None:
    runs: dict[str, list[dict]] = {t: [] for t in trees}
    for r in range(rounds):
        for t in trees:
            out = subprocess.run([sys.executable, __file__, "_time", str(folder), "--tree", t],
                                 capture_output=True, text=True, check=True).stdout
            runs[t].append(json.loads(out))
            print(f"round {r + 1} {t}: {runs[t][-1]}", file=sys.stderr)
    summary = {}
    for t, rs in runs.items():
        summary[t] = {g: round(statistics.median(x[g] for x in rs) * 1000, 3) for g in ("replica", "real")}
        summary[t].update(pages={g: rs[0][f"{g}_pages"] for g in ("replica", "real")})
    print(json.dumps({"cpu_ms_per_page_median": summary, "rounds": rounds}, indent=1))


def profile(folder: Path, tree: str | None, top: int) -> None:
    import cProfile
    import pstats

    extract = _extract_fn(tree)
    pages = corpus(folder)
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for p in pages:
        _call(extract, p)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("dir", type=Path)
    c.add_argument("--scale", type=float, default=1.0)
    r = sub.add_parser("record")
    r.add_argument("dir", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--tree")
    s = sub.add_parser("speed")
    s.add_argument("dir", type=Path)
    s.add_argument("--tree", action="append", required=True)
    s.add_argument("--rounds", type=int, default=3)
    t = sub.add_parser("_time")
    t.add_argument("dir", type=Path)
    t.add_argument("--tree")
    p = sub.add_parser("profile")
    p.add_argument("dir", type=Path)
    p.add_argument("--tree")
    p.add_argument("--top", type=int, default=25)
    a = ap.parse_args(argv)
    if a.cmd == "collect":
        collect(a.dir, a.scale)
    elif a.cmd == "record":
        record(a.dir, a.out, a.tree)
    elif a.cmd == "speed":
        speed(a.dir, a.tree, a.rounds)
    elif a.cmd == "_time":
        print(json.dumps(_time_once(a.dir, a.tree)))
    else:
        profile(a.dir, a.tree, a.top)


if __name__ == "__main__":
    main(sys.argv[1:])
