"""The Redis side of a distributed night, and its single writer: ``zwgk ingest --redis URL``.

A night on Redis (workers: ``zwgk crawl --redis URL``, spiders/distributed.py):

1. ``zwgk ingest`` opens the night (unless one is running: then it resumes it): clears the previous
   night's work keys, publishes what each crawl unit's store knows (``known`` documents and
   ``columns`` — what the incremental walk needs, so workers need no database), and puts one seed per
   unit on its scrapy-redis start list.
2. Workers pull requests from the shared scrapy-redis queues, push every item to ``zwgk:items``.
3. The ingest moves each item to ``zwgk:items:ingesting`` (LMOVE), writes it to the store(s) of every
   bureau the unit belongs to, and only then drops it: a killed ingest re-applies at most that item,
   and every write is idempotent (documents are keyed by URL, a withdrawal or sync mark is a state).
4. When every queue, start list, in-flight set and the item list stay empty, the night is done: the
   ingest records one ``runs`` row per store (kind ``crawl``) and marks the night done; workers exit.

Requests a worker has popped and not finished are in ``zwgk:inflight:<worker>|<unit>`` (payload ->
score). A worker refreshes ``zwgk:worker:<id>`` every few seconds; when that key expires (the worker
was killed), any live worker or the ingest moves its in-flight requests back to the queue
(``recover_dead``): a SIGKILL loses nothing.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from .bureaus import CrawlUnit, District
from .configcopy import save_config_copy
from .rediskeys import PREFIX, SEED, Keys  # noqa: F401 — the keys of a night, used by the workers too
from .redislinks import record_link, start_link_checks
from .store import Store, now_iso

logger = logging.getLogger(__name__)

BATCH = 200                 # items written in one transaction

# take a batch of items into the "being written" list (or the batch a killed ingest left there)
_TAKE = """
local got = redis.call('LRANGE', KEYS[2], 0, -1)
if #got > 0 then return got end
got = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #got == 0 then return got end
redis.call('LTRIM', KEYS[1], #got, -1)
redis.call('RPUSH', KEYS[2], unpack(got))
return got
"""


def connect(url: str):
    import redis

    return redis.Redis.from_url(url)


# everything a dead worker held for one crawl unit, in one atomic step: its claims on article URLs whose
# requests never reached the queue are dropped (so the re-fetched list page claims them again), then its
# in-flight requests go back to the queue and its seed back to the start list
_RECOVER = """
local claims = redis.call('HGETALL', KEYS[2])
for i = 1, #claims, 2 do
  if redis.call('HGET', KEYS[3], claims[i]) == claims[i + 1] then redis.call('HDEL', KEYS[3], claims[i]) end
end
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  if held[i] == ARGV[1] then redis.call('LPUSH', KEYS[5], held[i + 1])
  else redis.call('ZADD', KEYS[4], held[i + 1], held[i]) end
end
redis.call('DEL', KEYS[1], KEYS[2])
return #held / 2
"""


def recover_dead(r, me: str = "ingest") -> int:
    """Give back what dead workers (heartbeat key expired) held: in-flight requests to their queues,
    seeds to the start lists, claims on article URLs released. One Lua script per (worker, unit), so
    two recoverers never requeue anything twice and no request is requeued before its claims are gone."""
    moved = 0
    dead: set[tuple[str, str]] = set()
    for kind in ("inflight", "claims"):
        for key in r.scan_iter(match=f"{PREFIX}{kind}:*", count=200):
            key = key.decode() if isinstance(key, bytes) else key
            worker, _, unit = key[len(f"{PREFIX}{kind}:"):].partition("|")
            dead.add((worker, unit))
    for worker, unit in sorted(dead):
        if r.exists(Keys.worker(worker)):
            continue
        n = r.eval(_RECOVER, 5, Keys.inflight(worker, unit), Keys.claims(worker, unit), Keys.articles(unit),
                   Keys.queue(unit), Keys.start(unit), SEED)
        moved += n
        if n:
            logger.warning("worker %s is gone: %d in-flight request(s) of %s back on the queue", worker, n, unit)
    return moved


def pending_work(r, units: list[str]) -> int:
    """Requests still queued, seeds not taken, requests in flight anywhere."""
    n = 0
    pipe = r.pipeline()
    for u in units:
        pipe.zcard(Keys.queue(u))
        pipe.llen(Keys.start(u))
    n += sum(pipe.execute())
    for key in r.scan_iter(match=PREFIX + "inflight:*", count=200):
        n += r.hlen(key)
    return n


def night_state(r) -> str | None:
    v = r.hget(Keys.night, "state")
    return v.decode() if v else None


def _clear_work_keys(r) -> None:
    for pattern in ("*:requests", "*:dupefilter", "*:start_urls", "*:known", "*:columns", "*:articles",
                    "*:walk:*", "*:stats", "*:seen", "inflight:*", "claims:*", "slots:*"):
        keys = list(r.scan_iter(match=PREFIX + pattern, count=500))
        for i in range(0, len(keys), 500):
            r.delete(*keys[i:i + 500])


def open_night(r, district: District, units: list[CrawlUnit], stores: dict[str, Path],
               only_columns: list[str] | None = None) -> bool:
    """Start a night (True), or join the running one (False). *only_columns*: only these column ids tonight
    (they travel in each unit's seed, so every worker crawls the same columns)."""
    if night_state(r) == "running":
        return False
    _clear_work_keys(r)
    for unit in units:
        bureau, site = unit.targets[0]
        with Store(stores[bureau]) as store:
            known = store.known_documents(site)
            columns = store.columns(site)
        pipe = r.pipeline(transaction=False)
        for i, (url, info) in enumerate(known.items()):
            pipe.hset(Keys.known(unit.id), url, json.dumps(info, ensure_ascii=False, default=str))
            if i % 1000 == 999:
                pipe.execute()
        for c in columns:
            pipe.hset(Keys.columns(unit.id), str(c["column_id"]), json.dumps(c, ensure_ascii=False, default=str))
        pipe.rpush(Keys.start(unit.id), json.dumps({"unit": unit.id, "site": unit.site, "columns": only_columns or []}))
        pipe.execute()
    r.hset(Keys.night, mapping={"state": "running", "id": str(int(time.time() * 1000)), "since": now_iso(),
                                "started": dt.datetime.now().isoformat(timespec="seconds"),
                                "units": json.dumps([u.id for u in units])})
    return True


# --- writing items ------------------------------------------------------------------------------------

@dataclass
class IngestResult:
    items: int = 0
    per_store: dict[str, dict] = field(default_factory=dict)     # bureau -> {site: counters}
    runs: dict[str, int] = field(default_factory=dict)           # bureau -> runs row id
    status: str = "ok"
    problems: list[str] = field(default_factory=list)
    link_checks: dict[str, dict] = field(default_factory=dict)   # unit -> pending / resolved / checked


COUNTED = {"DocumentItem": None, "SeenItem": "unchanged", "WithdrawnItem": "withdrawn", "ColumnItem": "columns",
           "ColumnSyncedItem": "columns_synced", "LinkItem": "links"}


def apply_item(store: Store, kind: str, item: dict, today: str, since: str | None = None) -> str | None:
    """Write one crawled item the way crawler.pipelines.StorePipeline does; returns the counter it
    adds to (new/changed/unchanged/withdrawn/columns/…) or None."""
    if kind == "DocumentItem":
        return store.upsert_document(dict(item))
    if kind == "SeenItem":
        store.touch_document(item["url"])
        return "unchanged"
    if kind == "WithdrawnItem":
        return "withdrawn" if store.mark_withdrawn(item["url"], today) else None
    if kind == "ColumnItem":
        col = dict(item)
        col["class"] = col.pop("column_class", None) or "other"
        store.upsert_column(col)
        return "columns"
    if kind == "ColumnSyncedItem":
        store.mark_column_synced(item["site"], item["column_id"])
        return "columns_synced"
    if kind == "LinkItem":
        return record_link(store, item, since)
    raise ValueError(f"unknown item kind {kind!r}")


def ingest(r, district: District, units: list[CrawlUnit], stores: dict[str, Path], *,
           settle_seconds: float = 0.5, max_seconds: float | None = None, follow: bool = True,
           columns: list[str] | None = None) -> IngestResult:
    """Open or join the night, write every item until the night is done (``follow``) or the item list
    is empty (not ``follow``), record the runs. The only process that writes the stores."""
    result = IngestResult()
    by_id = {u.id: u for u in units}
    opened: dict[str, Store] = {}
    today = dt.date.today().isoformat()
    joined = follow and not open_night(r, district, units, stores, columns)
    # the run rows of the night being joined (their ingest was killed): this ingest carries them on
    night_runs = json.loads(r.hget(Keys.night, "runs") or "{}") if joined else {}
    me = {"redis": True, "units": [u.id for u in units], "pid": os.getpid(), "host": socket.gethostname()}
    for b, path in stores.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        opened[b] = Store(path)
        if b in district.bureaus:   # what reading commands need with the database alone, as `zwgk crawl` writes it
            save_config_copy(opened[b], district.bureaus[b], now_iso())
        carried = night_runs.get(b)
        closed = close_dead_ingest_runs(opened[b], keep=carried)
        if closed:
            result.problems.append(f"closed as failed: crawl run(s) {', '.join(f'#{i}' for i in closed)} "
                                   f"left running by an ingest that died" + (f" ({b})" if b else ""))
        row = opened[b].run(carried) if carried else None
        if row is not None and row["status"] == "running":
            result.runs[b] = carried
            opened[b].db["runs"].update(carried, {"stats": json.dumps(me)})
        else:
            result.runs[b] = opened[b].start_run("crawl", as_of=today, stats=me)
    if follow:
        r.hset(Keys.night, "runs", json.dumps(result.runs))
    t0 = time.monotonic()
    quiet_since: float | None = None
    checked_at = 0.0
    since = (r.hget(Keys.night, "since") or b"").decode() or None
    try:
        while True:
            # a batch left half-written by a killed ingest first, then new items
            batch = r.eval(_TAKE, 2, Keys.items, Keys.ingesting, BATCH)
            if batch:
                quiet_since = None
                _write_batch(batch, by_id, opened, today, since, result)
                r.delete(Keys.ingesting)
                continue
            if not follow:
                break
            if max_seconds is not None and time.monotonic() - t0 > max_seconds:
                result.status = "failed"
                result.problems.append(f"the night was not done after {max_seconds:.0f} s")
                break
            if r.blmove(Keys.items, Keys.ingesting, 0.2, "LEFT", "RIGHT") is not None:
                continue   # written with the rest of its batch on the next turn
            if time.monotonic() - checked_at < 0.5:
                continue
            checked_at = time.monotonic()
            recover_dead(r)
            if pending_work(r, list(by_id)) == 0:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= settle_seconds and r.llen(Keys.items) == 0:
                    # the crawl is done; then the links it found and did not fetch itself are checked
                    if r.hget(Keys.night, "phase") != b"links" and start_link_checks(r, units, opened, result):
                        quiet_since = None
                        continue
                    r.hset(Keys.night, "state", "done")
                    break
            else:
                quiet_since = None
        if follow:
            _wait_for_workers(r, timeout=15.0)
        _finish_runs(r, units, opened, result)
    finally:
        for s in opened.values():
            s.close()
    return result


def _alive(pid, host) -> bool:
    if host != socket.gethostname():
        return False    # a store is a local SQLite file: its writer runs on this machine
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, TypeError, ValueError):
        return False
    except PermissionError:
        return True
    try:   # a zombie is not an ingest
        return Path(f"/proc/{int(pid)}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def close_dead_ingest_runs(store: Store, keep: int | None = None) -> list[int]:
    """Crawl runs an ingest opened and never finished (it was killed): closed as failed, as the nightly
    closes a dead night's runs. *keep*: the row of the night being joined, carried on instead."""
    closed = []
    for row in store.db.query("select id, stats from runs where kind = 'crawl' and status = 'running'"):
        try:
            stats = json.loads(row["stats"] or "{}")
        except ValueError:
            continue
        if not stats.get("redis") or row["id"] == keep or _alive(stats.get("pid"), stats.get("host")):
            continue
        store.finish_run(row["id"], "failed", {**stats, "closed": "its ingest died"})
        closed.append(row["id"])
    return closed


def workers_to_report(r) -> list[str]:
    """Live workers that have not yet reported their statistics for every unit their heartbeat key names
    (a key without the list: a worker of an older version, waited for until it leaves)."""
    out = []
    for key in r.scan_iter(match=PREFIX + "worker:*", count=100):
        wid = (key.decode() if isinstance(key, bytes) else key)[len(PREFIX + "worker:"):]
        try:
            units = json.loads(r.get(key) or "null")
        except ValueError:
            units = None
        if not isinstance(units, list) or not all(r.hexists(Keys.stats(u), wid) for u in units):
            out.append(wid)
    return sorted(out)


def _wait_for_workers(r, timeout: float) -> None:
    """Workers leave once the night is done, reporting their statistics as they close: wait for the
    reports, not for the processes to end."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and workers_to_report(r):
        time.sleep(0.1)


def _write_batch(batch: list[bytes], by_id: dict[str, CrawlUnit], stores: dict[str, Store], today: str,
                 since: str | None, result: IngestResult) -> None:
    """Write a batch of items, one transaction per store (all of it or none: re-applied after a kill)."""
    with contextlib.ExitStack() as stack:
        for store in stores.values():
            stack.enter_context(store.batch())
        for data in batch:
            msg = json.loads(data)
            unit = by_id.get(msg.get("unit"))
            if unit is None:
                result.problems.append(f"item of an unknown crawl unit {msg.get('unit')!r} skipped")
                continue
            result.items += 1
            for bureau, site in unit.targets:
                item = dict(msg["item"])
                if "site" in item:
                    item["site"] = site
                outcome = apply_item(stores[bureau], msg["kind"], item, today, since)
                if outcome:
                    counters = result.per_store.setdefault(bureau, {}).setdefault(site, {})
                    counters[outcome] = counters.get(outcome, 0) + 1


def _finish_runs(r, units: list[CrawlUnit], stores: dict[str, Store], result: IngestResult) -> None:
    """One runs row per store: the workers' Scrapy stats of each site, summed over workers."""
    per_bureau: dict[str, dict] = {b: {} for b in stores}
    failed: set[str] = set()     # stores with a site no worker could reach
    timed_out = result.status != "ok"
    for unit in units:
        merged: dict = {}
        for raw in r.hvals(Keys.stats(unit.id)):
            for k, v in json.loads(raw).items():
                if isinstance(v, bool):
                    merged[k] = merged.get(k, False) or v
                elif not isinstance(v, (int, float)):
                    merged.setdefault(k, v)
                else:
                    merged[k] = merged.get(k, 0) + v
        # no worker reached one column page of the site (every walk failed): unreachable, as in one process
        walks = sum(int(merged.get(k) or 0) for k in ("walks_full", "walks_incremental", "walks_failed"))
        if walks and not merged.get("columns_reached"):
            merged["unreachable"] = True
        if merged.get("unreachable"):
            result.status = "failed"
            result.problems.append(f"{unit.id}: site unreachable (no column page answered)")
            failed.update(b for b, _ in unit.targets)
        for bureau, site in unit.targets:
            per_bureau[bureau][site] = {**merged, **{f"ingested_{k}": v for k, v in
                                                     result.per_store.get(bureau, {}).get(site, {}).items()}}
    for b, store in stores.items():
        store.finish_run(result.runs[b], "failed" if timed_out or b in failed else "ok", per_bureau[b])
