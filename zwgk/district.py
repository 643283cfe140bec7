"""A district's night without Redis: every bureau's ordinary night, the shared sites crawled once.

``zwgk --config district.yaml nightly`` (crawler/nightly.py hands over to ``district_nightly``):

1. each bureau's *effective* configuration (its own file with the district's contact, crawl, mail and
   paths) is written to ``<data>/<key>/zwgk.yaml``, so every ordinary command works on one bureau:
   ``zwgk --config var/edu/zwgk.yaml report``;
2. every crawl unit (crawler/bureaus.py) is crawled once, into the store of its first bureau; a site
   shared with other bureaus (the upper-level columns) is then copied into their stores (documents,
   withdrawals, columns: the same idempotent writes as a crawl, and the crawl's run record, so each
   bureau knows when the site was read and what failed); the crawl-health monitors then run on every
   store the unit went to (an unreachable site opens its alarm in every bureau that reports to it);
3. each bureau's ordinary night runs with ``--skip-crawl`` (check, report, mail), up to
   min(4, CPUs) bureaus at a time (each has its own store, lock and folders);
4. the overview page from the bureaus' report models (reports/overview.py; ``zwgk report`` on the
   district re-renders everything and writes it too).

Crawls and bureau nights run in child processes (a Scrapy reactor starts once per process).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from crawler.bureaus import District, crawl_units
from crawler.store import Store

ZWGK = [sys.executable, "-P", "-c", "from zwgk.cli import main; main()"]
_LOG_LOCK = threading.Lock()


def effective_config(district: District, key: str) -> Path:
    """Write bureau *key*'s effective configuration next to its store; returns its path."""
    cfg = district.bureaus[key]
    data = yaml.safe_load(Path(cfg.path).read_text(encoding="utf-8")) or {}
    base = Path(cfg.path).parent.resolve()
    paths = dict(data.get("paths") or {})
    if paths.get("plan"):
        paths["plan"] = str((base / paths["plan"]).resolve())
    paths.update(data=str(Path(cfg.data_dir).resolve()), reports=str(Path(cfg.reports_dir).resolve()),
                 outbox=str(Path(cfg.outbox_dir).resolve()), db=str(Path(cfg.db_path).resolve()))
    data["paths"] = paths
    district_root = yaml.safe_load(Path(district.path).read_text(encoding="utf-8")) or {}
    for k in ("contact", "crawl", "mail"):
        if k in district_root:
            data[k] = district_root[k]
    out = Path(cfg.data_dir) / "zwgk.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = ("# written by zwgk from " + str(Path(district.path).resolve()) + " and " + str(cfg.path)
            + ": edit those, not this\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    if not out.exists() or out.read_text(encoding="utf-8") != text:   # a running night may be reading it
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    return out


def copy_site(src: Path, dst: Path, site: str, dst_site: str | None = None) -> dict:
    """Make *dst*'s documents and columns of *site* what *src* holds (a shared site crawled once); in
    *dst* the site is *dst_site* (the key that bureau gives it: one may call it district, another city)."""
    counts = {"new": 0, "changed": 0, "unchanged": 0, "withdrawn": 0, "columns": 0}
    today = dt.date.today().isoformat()
    dst_site = dst_site or site
    with Store(src) as s, Store(dst) as d:
        for row in s.documents("site = ?", [site]):
            doc = dict(row, site=dst_site)
            doc["attachments"] = json.loads(doc["attachments"]) if isinstance(doc.get("attachments"), str) \
                else doc.get("attachments")
            counts[d.upsert_document(doc, seen=row.get("last_seen"))] += 1
            if row.get("state") == "withdrawn" and d.mark_withdrawn(row["url"], row.get("withdrawn_on") or today):
                counts["withdrawn"] += 1
        for col in s.columns(site):
            d.upsert_column(dict(col, site=dst_site))
            counts["columns"] += 1
    return counts


def copy_crawl_run(src: Path, dst: Path, after: int, site: str | None = None,
                   dst_site: str | None = None) -> int | None:
    """The crawl run(s) *src* recorded since run id *after*, recorded in *dst* too (*site*'s figures
    under *dst_site*); returns dst's last id."""
    with Store(src) as s:
        runs = list(s.db.query("select * from runs where kind = 'crawl' and id > ? order by id", [after]))
    last = None
    with Store(dst) as d:
        for run in runs:
            stats = json.loads(run.get("stats") or "{}")
            stats["copied_from"] = {"db": str(Path(src).resolve()), "run": run["id"]}
            if site and dst_site and dst_site != site and site in stats:
                stats[dst_site] = stats.pop(site)
                stats["sites"] = [dst_site if k == site else k for k in stats.get("sites") or [dst_site]]
            last = d.db["runs"].insert({"kind": "crawl", "started": run["started"], "finished": run["finished"],
                                        "status": run["status"], "as_of": run["as_of"],
                                        "stats": json.dumps(stats, ensure_ascii=False)}).last_pk
    return last


HEALTH_ENV = "ZWGK_DISTRICT_HEALTH"   # a bureau night's child: the file of what the district's monitors found


def evaluate_health(district: District, key: str, run_id: int | None, log, found: dict | None = None) -> None:
    """The crawl-health monitors on one bureau's store for one crawl run (alarms open per bureau); what
    they found is added to *found* (per bureau), for that bureau's night summary."""
    from spiders.health import evaluate_crawl

    if run_id is None:
        return
    with Store(district.db_path(key)) as store:
        result = evaluate_crawl(store, district.bureaus[key], run_id).to_dict()
    if result["new"] or result["resolved"]:
        log(f"{key}: health of crawl #{run_id}: {len(result['new'])} new alarm(s), {len(result['resolved'])} resolved")
    if found is not None:
        mine = found.setdefault(key, {"crawl_runs": [], "sites": [], "fired": 0, "new": [], "ongoing": [],
                                      "resolved": [], "metrics": 0, "note": None})
        mine["crawl_runs"].append(run_id)
        mine["fired"] += result["fired"]
        mine["metrics"] += result["metrics"]
        mine["sites"] += [s for s in result["sites"] if s not in mine["sites"]]
        for part in ("new", "ongoing", "resolved"):
            mine[part] += [a for a in result[part] if a not in mine[part]]
        # an alarm opened by one crawl run and seen again by a later one is tonight's new alarm
        mine["ongoing"] = [a for a in mine["ongoing"] if a not in mine["new"]]


def district_health() -> dict | None:
    """In a bureau's night started by a district night: what the district's crawl-health monitors found
    for this bureau tonight (its crawl runs, new/ongoing/resolved alarm ids), else None."""
    path = os.environ.get(HEALTH_ENV)
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _max_crawl_id(db: Path) -> int:
    if not Path(db).exists():
        return 0
    with Store(db) as s:
        return s.db.execute("select coalesce(max(id), 0) from runs where kind = 'crawl'").fetchone()[0]


def _run(args: list[str], log, health: Path | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG", HEALTH_ENV)}
    if health is not None:
        env[HEALTH_ENV] = str(health)
    proc = subprocess.run(ZWGK + args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    with _LOG_LOCK:   # one command's lines together, whatever runs beside it
        log(f"$ zwgk {' '.join(args)}")
        for line in (proc.stdout + proc.stderr).strip().splitlines()[-20:]:
            log("    " + line)
    return proc.returncode


def _overview(district: District, log) -> int:
    """The overview page from the bureaus' report models (their nights rendered their own reports)."""
    from reports.overview import district_report   # deferred: jinja2 and openpyxl load only here

    try:
        page, rows = district_report(district, render=False)
    except Exception as e:  # noqa: BLE001 — the bureaus' nights are done; say what failed, exit 1
        log(f"overview failed: {type(e).__name__}: {e}")
        return 1
    for r in rows:
        c = r.get("counts") or {}
        log(f"  {r['key']:<12} " + (r["error"] or f"缺失 {c.get('gap', 0)}，逾期 {c.get('late', 0)}，已满足 {c.get('met', 0)}"))
    log(f"总览 overview：{page}")
    return 0


def district_nightly(district: District, night_args: list[str], *, skip_crawl: bool = False, log=print,
                     jobs: int = min(4, os.cpu_count() or 1)) -> int:
    """Crawl every unit once, copy shared sites, run each bureau's night (*jobs* at a time); the worst
    exit code wins (0 ok, 1 an operational failure somewhere)."""
    configs = {key: effective_config(district, key) for key in district.bureaus}
    codes = []
    found: dict[str, dict] = {}   # bureau -> what the monitors found tonight (its night summary says it)
    if not skip_crawl:
        for unit in crawl_units(district):
            first, site = unit.targets[0]
            before = _max_crawl_id(district.db_path(first))
            codes.append(_run(["--config", str(configs[first]), "crawl", "--site", site], log))
            latest = _max_crawl_id(district.db_path(first))
            evaluate_health(district, first, latest if latest > before else None, log, found)
            for other, other_site in unit.targets[1:]:
                counts = copy_site(district.db_path(first), district.db_path(other), site, other_site)
                log(f"{unit.id}: copied into {other}/{other_site}: {counts}")
                evaluate_health(district, other, copy_crawl_run(district.db_path(first), district.db_path(other),
                                                                before, site, other_site), log, found)
    health = {}
    for key, result in found.items():
        health[key] = configs[key].parent / "district-health.json"
        health[key].write_text(json.dumps(result), encoding="utf-8")
    # the bureaus' nights are independent (own store, lock, reports, outbox): a few at a time
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(district.bureaus)))) as pool:
        codes += pool.map(lambda key: _run(["--config", str(configs[key]), "nightly", "--skip-crawl", *night_args],
                                           log, health.get(key)), district.bureaus)
    codes.append(_overview(district, log))
    return max([c if c in (0, 1) else 1 for c in codes] or [0])
