"""The Redis side of a distributed night, and its single writer: ``zwgk ingest --redis URL``.

A night on Redis (workers: ``zwgk crawl --redis URL``, spiders/distributed.py):

1. ``zwgk ingest`` opens the night (unless one is running: then it resumes it): clears the previous
   night's work keys, publishes what each crawl unit's store knows (``known`` documents and
   ``columns`` — what the incremental walk needs, so workers need no database), and puts one seed per
   unit on its scrapy-redis start list.
2. Workers pull requests from the shared scrapy-redis queues, push every item to ``zwgk:items``.
3. The ingest moves a batch of items to ``zwgk:items:ingesting``, writes it to the store(s) of every
   bureau its units belong to (one transaction per store), and only then drops it: a killed ingest
   re-applies at most that batch, and every write is idempotent (documents are keyed by URL, a withdrawal
   or sync mark is a state).
4. When every queue, start list, in-flight set and the item list are empty (one atomic look), the crawl
   is done; after the link phase the ingest records one ``runs`` row per store (kind ``crawl``) and
   marks the night done; workers exit.

Requests a worker has popped and not finished are in ``zwgk:inflight:<worker>|<unit>`` (payload ->
score). A worker refreshes ``zwgk:worker:<id>`` every few seconds; when that key expires (the worker
was killed), any live worker or the ingest moves its in-flight requests back to the queue
(``recover_dead``): a SIGKILL loses nothing.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from .bureaus import CrawlUnit, District
from .configcopy import save_config_copy
from .rediskeys import PREFIX, SEED, Keys, seen_key  # noqa: F401 — the keys of a night, used by the workers too
from .redislinks import link_row, record_link, start_link_checks
from .store import Store, now_iso

logger = logging.getLogger(__name__)

BATCH = 1000                # items written in one transaction, at most
# a worker's answer for the link phase (a URL it fetched tonight: [status, error]), sent as an item with the
# request it answers, so it is in Redis once nothing is in flight and every item is written
LINK_ANSWER = "LinkAnswer"
GATHER_SECONDS = 0.25       # a small batch: the next turn starts this long after the last one
CHECK_SECONDS = 0.1         # no items: is the night done? (one atomic Redis call)
RECOVER_SECONDS = 0.5       # and at most this often: did a worker die? (a scan of the keys)

# take a batch of items into the "being written" list and return it (as one JSON array: one reply to read,
# one json.loads for the batch). ARGV[2]: the token of the batch this ingest has written, dropped first in
# the same call — only while that batch is still the one there (KEYS[3] holds the token of the batch in
# it, ARGV[3] the new batch's): a take that Redis ran but whose answer was lost (a restart closing the
# connection) and that is sent again returns the same batch, topped up, instead of dropping it unwritten.
# A batch a killed ingest left there is taken again, topped up with new items. A list short enough for the
# batch becomes the "being written" list whole
_TAKE = """
if ARGV[2] ~= '' and redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
redis.call('SET', KEYS[3], ARGV[3])
local have = redis.call('LLEN', KEYS[2])
local room = tonumber(ARGV[1]) - have
local n = redis.call('LLEN', KEYS[1])
if n > 0 and room > 0 then
  if have == 0 and n <= room then
    redis.call('RENAME', KEYS[1], KEYS[2])
  else
    local more = redis.call('LRANGE', KEYS[1], 0, room - 1)
    redis.call('LTRIM', KEYS[1], #more, -1)
    redis.call('RPUSH', KEYS[2], unpack(more))
  end
end
return '[' .. table.concat(redis.call('LRANGE', KEYS[2], 0, -1), ',') .. ']'
"""

# requests queued, seeds not taken, requests in flight on any worker (KEYS: each unit's queue and start
# list; ARGV[1]: the in-flight hashes' pattern), and items not written: one atomic look, so a request
# moving from the queue to a worker and back is never missed between two reads
_PENDING = """
local n = 0
for i = 1, #KEYS, 2 do
  n = n + redis.call('ZCARD', KEYS[i]) + redis.call('LLEN', KEYS[i + 1])
end
for _, key in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('HLEN', key) end
return {n, redis.call('LLEN', ARGV[2])}
"""


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
        for key in r.scan_iter(match=f"{PREFIX}{kind}:*", count=1000):
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
    return _pending(r, units)[0]


def _pending(r, units: list[str]) -> tuple[int, int]:
    """(pending_work, items not written yet), read in one atomic step."""
    keys = [k for u in units for k in (Keys.queue(u), Keys.start(u))]
    work, items = r.eval(_PENDING, len(keys), *keys, PREFIX + "inflight:*", Keys.items)
    return int(work), int(items)


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
           settle_seconds: float = 0.0, max_seconds: float | None = None, follow: bool = True,
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
        logger.info("%s the night: %d store(s) open, writing items", "joined" if joined else "opened", len(opened))
    t0 = time.monotonic()
    quiet_since: float | None = None
    checked_at = recovered_at = 0.0
    since = (r.hget(Keys.night, "since") or b"").decode() or None
    written = ""         # the token of the batch stored from the "being written" list: the next take drops it
    turns = itertools.count(1)
    taker = f"{socket.gethostname()}|{os.getpid()}|{time.time_ns()}|"   # this ingest's batch tokens
    linking = r.hget(Keys.night, "phase") == b"links" if follow else False
    try:
        while True:
            # a batch left half-written by a killed ingest first, then new items
            turn = time.monotonic()
            token = taker + str(next(turns))
            batch = json.loads(r.eval(_TAKE, 3, Keys.items, Keys.ingesting, Keys.ingesting_turn, BATCH, written,
                                      token))
            written = ""
            if batch:
                quiet_since = None
                answers = _write_batch(batch, by_id, opened, today, since, result)
                for unit_id, mapping in answers.items():   # before the batch is dropped: a kill re-applies it
                    r.hset(seen_key(unit_id), mapping=mapping)
                written = token
                if follow and len(batch) < BATCH and _pending(r, list(by_id))[0]:
                    # items trickle in (a page's at a time) while requests are in flight: let them gather,
                    # so a turn (a transaction, a Redis call) writes many; never once the crawl is quiet
                    time.sleep(max(0.0, turn + GATHER_SECONDS - time.monotonic()))
                continue
            if not follow:
                break
            if max_seconds is not None and time.monotonic() - t0 > max_seconds:
                result.status = "failed"
                result.problems.append(f"the night was not done after {max_seconds:.0f} s")
                break
            if time.monotonic() - checked_at >= CHECK_SECONDS:
                checked_at = time.monotonic()
                if checked_at - recovered_at >= RECOVER_SECONDS:
                    recovered_at = checked_at
                    recover_dead(r)
                work, waiting = _pending(r, list(by_id))
                if work or waiting:
                    quiet_since = None
                else:
                    quiet_since = quiet_since or checked_at
                    # every answer a worker got came with its request's release (LINK_ANSWER) and is written
                    # by now: the link phase needs no wait (settle_seconds: a quiet time before it, if wanted)
                    if linking or checked_at - quiet_since >= settle_seconds:
                        # the crawl is done; then the links it found and did not fetch itself are checked
                        if not linking and start_link_checks(r, units, opened, result):
                            logger.info("crawl done after %.1f s: link checks %s", checked_at - t0, result.link_checks)
                            linking, quiet_since = True, None
                            continue
                        r.hset(Keys.night, "state", "done")
                        logger.info("night done after %.1f s (%d items)", checked_at - t0, result.items)
                        break
            # wait for the next item (moved to the "being written" list, taken with the next turn)
            r.blmove(Keys.items, Keys.ingesting, CHECK_SECONDS, "LEFT", "RIGHT")
        if follow:
            _wait_for_workers(r, timeout=15.0)
            logger.info("workers reported after %.1f s", time.monotonic() - t0)
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


def _write_batch(batch: list[dict], by_id: dict[str, CrawlUnit], stores: dict[str, Store], today: str,
                 since: str | None, result: IngestResult) -> dict[str, dict[str, str]]:
    """Write a batch of items, one transaction per store it touches (all of it or none: re-applied after a
    kill). The links a page found (most of the items) go to each store in one call, in their order.
    Returns the workers' answers for the link phase in the batch ({unit: {url: [status, error]}})."""
    answers: dict[str, dict[str, str]] = {}
    with contextlib.ExitStack() as stack:
        began: set[str] = set()
        links: dict[str, list[dict]] = {}   # bureau -> link rows not written yet

        def count(bureau: str, site: str, outcome: str | None) -> None:
            if outcome:
                counters = result.per_store.setdefault(bureau, {}).setdefault(site, {})
                counters[outcome] = counters.get(outcome, 0) + 1

        def write_links() -> None:
            for bureau, rows in links.items():
                stores[bureau].record_links(rows, results_since=since)
            links.clear()

        for msg in batch:
            unit = by_id.get(msg.get("unit"))
            if unit is None:
                result.problems.append(f"item of an unknown crawl unit {msg.get('unit')!r} skipped")
                continue
            if msg["kind"] == LINK_ANSWER:   # for the link phase, in Redis (written by the caller)
                item = msg["item"]
                answers.setdefault(unit.id, {})[item["url"]] = json.dumps(item["answer"])
                continue
            result.items += 1
            kind, found = msg["kind"], msg["kind"] == "LinkItem" and msg["item"].get("from_url") is not None
            if not found and links:
                write_links()   # anything else is written after the links that came before it
            for bureau, site in unit.targets:
                if bureau not in began:
                    stack.enter_context(stores[bureau].batch())
                    began.add(bureau)
                item = dict(msg["item"])
                if "site" in item:
                    item["site"] = site
                if found:
                    row, outcome = link_row(item)
                    links.setdefault(bureau, []).append(row)
                else:
                    outcome = apply_item(stores[bureau], kind, item, today, since)
                count(bureau, site, outcome)
        write_links()
    return answers


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
