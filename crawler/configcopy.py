"""The store's copy of what the reading commands need, so ``zwgk --db FILE report|search|status|sites list|browse``
works with the database alone (a copy on another machine, a backup, the demo's db moved elsewhere).

Written whenever a command runs with a configuration (crawl, check, nightly's stages): the bureau's name and
aliases, its sites and their configured columns, the units (kind, aliases, mail addresses, group members and
contact, the columns and issuers they own) — and, per check run, the plan/catalogue exactly as it was checked.
Read back as a ``Config`` whose folders are the database's own (reports go beside the copy, not to the
original machine's paths); mail settings are not kept: sending mail needs the real configuration.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .config import ColumnConfig, Config, SiteConfig, UnitConfig

LIST_FIELDS = ("aliases", "email", "members", "columns", "issuers")


def m6_config_copy(db) -> None:
    """Tables of the configuration's copy and the plans as checked; the text of each checked link."""
    db["config_bureau"].create({"id": int, "name": str, "aliases": str, "lead_unit": str, "contact": str,
                                "config_file": str, "saved": str}, pk="id")
    db["config_sites"].create({"key": str, "position": int, "name": str, "base_url": str, "platform": str,
                               "start_url": str, "columns": str}, pk="key")
    db["config_units"].create({"name": str, "position": int, "kind": str, "aliases": str, "email": str,
                               "members": str, "contact": str, "columns": str, "issuers": str}, pk="name")
    db["checked_plans"].create({"check_run": int, "year": int, "title": str, "source_file": str, "sha256": str,
                                "saved": str, "plan": str}, pk="check_run")
    db["links"].add_column("text", str)   # the link's own words on its page (anchor text, attachment name)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def save_config_copy(store, config: Config, saved: str) -> None:
    """Replace the stored copy with *config* (one transaction: a reader sees the old copy or the new one)."""
    db = store.db
    with db.conn:
        for table in ("config_bureau", "config_sites", "config_units"):
            db.execute(f"DELETE FROM {table}")
        db["config_bureau"].insert({"id": 1, "name": config.bureau_name, "aliases": _json(config.bureau_aliases),
                                    "lead_unit": config.lead_unit, "contact": config.contact,
                                    "config_file": str(Path(config.path).resolve()), "saved": saved})
        db["config_sites"].insert_all([
            {"key": s.key, "position": i, "name": s.name, "base_url": s.base_url, "platform": s.platform,
             "start_url": s.start_url,
             "columns": _json([{"id": c.id, "name": c.name, "url": c.url, "class": c.cls} for c in s.columns])}
            for i, s in enumerate(config.sites.values())])
        db["config_units"].insert_all([
            {"name": u.name, "position": i, "kind": u.kind, "contact": u.contact,
             **{f: _json(list(getattr(u, f))) for f in LIST_FIELDS}}
            for i, u in enumerate(config.units)])


def stored_config(store) -> Config | None:
    """The configuration as last stored, or None when this database has no copy (written before m6, or
    never crawled/checked with a configuration)."""
    db = store.db
    bureau = next(iter(db.query("SELECT * FROM config_bureau WHERE id = 1")), None)
    units = list(db.query("SELECT * FROM config_units ORDER BY position"))
    if bureau is None or not units:
        return None
    sites = {}
    for row in db.query("SELECT * FROM config_sites ORDER BY position"):
        sites[row["key"]] = SiteConfig(
            key=row["key"], name=row["name"], base_url=row["base_url"], platform=row["platform"] or "jcms",
            start_url=row["start_url"],
            columns=[ColumnConfig(id=c["id"], name=c.get("name"), url=c.get("url"), cls=c.get("class") or "other")
                     for c in json.loads(row["columns"] or "[]")])
    data = Path(store.path).parent
    return Config(
        path=Path(store.path), contact=bureau["contact"], sites=sites,
        units=[UnitConfig(name=u["name"], kind=u["kind"], contact=u["contact"],
                          **{f: json.loads(u[f] or "[]") for f in LIST_FIELDS}) for u in units],
        lead_unit=bureau["lead_unit"], bureau_aliases=json.loads(bureau["aliases"] or "[]"),
        data_dir=data, reports_dir=data / "reports", outbox_dir=data / "outbox", db_path=Path(store.path))


def save_checked_plan(store, check_run: int, plan: dict, source_file: str | None, saved: str) -> None:
    """The plan/catalogue a check run evaluated, as plain data (``Plan.to_dict(checks=True, meta=True)``)."""
    text = _json(plan)
    with store.db.conn:
        store.db["checked_plans"].insert({
            "check_run": check_run, "year": plan.get("year"), "title": plan.get("title"),
            "source_file": str(Path(source_file).resolve()) if source_file else None,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "saved": saved, "plan": text},
            replace=True)


def checked_plan(store, check_run: int | None) -> dict | None:
    """The plan check run *check_run* evaluated, or None (a run of an older zwgk, or no run)."""
    if check_run is None:
        return None
    row = next(iter(store.db.query("SELECT plan FROM checked_plans WHERE check_run = ?", [check_run])), None)
    return json.loads(row["plan"]) if row else None
