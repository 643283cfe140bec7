"""A district's night without Redis: every bureau's ordinary night, the shared sites crawled once.

``zwgk --config district.yaml nightly`` (crawler/nightly.py hands over to ``district_nightly``):

1. each bureau's *effective* configuration (its own file with the district's contact, crawl, mail and
   paths) is written to ``<data>/<key>/zwgk.yaml``, so every ordinary command works on one bureau:
   ``zwgk --config var/edu/zwgk.yaml report``;
2. every crawl unit (crawler/bureaus.py) is crawled once, into the store of its first bureau; a site
   shared with other bureaus (the upper-level columns) is then copied into their stores (documents,
   withdrawals, columns: the same idempotent writes as a crawl);
3. each bureau's ordinary night runs with ``--skip-crawl`` (health, check, report, mail);
4. ``zwgk report`` on the district writes the overview page (reports/overview.py).

Everything runs in child processes (a Scrapy reactor starts once per process): this module imports
no other project package besides crawler.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from crawler.bureaus import District, crawl_units
from crawler.store import Store

ZWGK = [sys.executable, "-P", "-c", "from zwgk.cli import main; main()"]


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
    out.write_text("# written by zwgk from " + str(Path(district.path).resolve()) + " and " + str(cfg.path)
                   + ": edit those, not this\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                   encoding="utf-8")
    return out


def copy_site(src: Path, dst: Path, site: str) -> dict:
    """Make *dst*'s documents and columns of *site* what *src* holds (a shared site crawled once)."""
    counts = {"new": 0, "changed": 0, "unchanged": 0, "withdrawn": 0, "columns": 0}
    today = dt.date.today().isoformat()
    with Store(src) as s, Store(dst) as d:
        for row in s.documents("site = ?", [site]):
            doc = dict(row)
            doc["attachments"] = json.loads(doc["attachments"]) if isinstance(doc.get("attachments"), str) \
                else doc.get("attachments")
            counts[d.upsert_document(doc, seen=row.get("last_seen"))] += 1
            if row.get("state") == "withdrawn" and d.mark_withdrawn(row["url"], row.get("withdrawn_on") or today):
                counts["withdrawn"] += 1
        for col in s.columns(site):
            d.upsert_column(dict(col))
            counts["columns"] += 1
    return counts


def _run(args: list[str], log) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    log(f"$ zwgk {' '.join(args)}")
    proc = subprocess.run(ZWGK + args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    for line in (proc.stdout + proc.stderr).strip().splitlines()[-20:]:
        log("    " + line)
    return proc.returncode


def district_nightly(district: District, night_args: list[str], *, skip_crawl: bool = False, log=print) -> int:
    """Crawl every unit once, copy shared sites, run each bureau's night; the worst exit code wins
    (0 ok, 1 an operational failure somewhere)."""
    configs = {key: effective_config(district, key) for key in district.bureaus}
    codes = []
    if not skip_crawl:
        for unit in crawl_units(district):
            first, site = unit.targets[0]
            codes.append(_run(["--config", str(configs[first]), "crawl", "--site", site], log))
            for other, other_site in unit.targets[1:]:
                counts = copy_site(district.db_path(first), district.db_path(other), site)
                log(f"{unit.id}: copied into {other}/{other_site}: {counts}")
    for key in district.bureaus:
        codes.append(_run(["--config", str(configs[key]), "nightly", "--skip-crawl", *night_args], log))
    codes.append(_run(["--config", str(Path(district.path).resolve()), "report"], log))
    return max([c if c in (0, 1) else 1 for c in codes] or [0])
