"""Link checks of a distributed night (issue 15): what one process does in spiders/linkcheck.py, split
between the workers and the ingest.

- Workers check links as one process does, with what they know: a link whose target this worker fetched
  tonight is stored with that answer, any other is stored "pending". Every answer a worker gets is also
  published to ``zwgk:<unit>:seen`` (URL -> [status, error]).
- When the crawl is done, the ingest (``start_link_checks``) takes every pending link of the store:
  targets some worker fetched tonight are resolved from ``seen``; the others go out as *link seeds*
  on the unit's start list, and whichever worker takes one checks its URLs (HEAD, GET when HEAD is
  refused), politely, through the shared queue. Each answer comes back as a LinkItem without
  ``from_url``: it resolves every pending row of that target (``record_link``).
- A link still pending when a night dies is checked the next night (the store keeps it pending).
"""
from __future__ import annotations

import json

from .rediskeys import Keys, seen_key
from .store import PENDING, Store, now_iso

LINK_SEED_SIZE = 100     # link targets per seed: a seed is the unit of work one worker takes


def record_link(store: Store, item: dict, since: str | None) -> str | None:
    """Store one LinkItem as the single-process pipeline does (crawler/pipelines.py), passing through
    whatever fields the item carries. Without ``from_url`` it is the answer of a link check: every
    pending row of its target takes it (or is dropped: robots.txt forbids checking it)."""
    if item.get("from_url") is None:
        if item.get("drop"):
            store.db.execute("delete from links where to_url = ? and error = ?", [item["to_url"], PENDING])
            return None
        store.db.execute("update links set status = ?, error = ?, checked_at = ? where to_url = ? and error = ?",
                         [item.get("status"), item.get("error"), now_iso(), item["to_url"], PENDING])
        return "links"
    row, outcome = link_row(item)
    store.record_links([row], results_since=since)
    return outcome


def link_row(item: dict) -> tuple[dict, str | None]:
    """A found link (a LinkItem with ``from_url``) as a ``Store.record_links`` row, and the counter it adds to."""
    row = {**item, "drop": bool(item.get("drop")), "tentative": item.get("error") == PENDING}
    return row, None if row["drop"] or row["tentative"] else "links"


def start_link_checks(r, units, stores: dict[str, Store], result=None) -> bool:
    """The crawl is done: resolve pending links from what the workers fetched, hand the rest to the
    workers as link seeds. True when there is something to wait for."""
    more = False
    for unit in units:
        if unit.site != "bureau":      # links are checked on the bureau's own site (ColumnSpider.check_links)
            continue
        bureau, site = unit.targets[0]
        urls = [row[0] for row in stores[bureau].db.execute(
            "select distinct to_url from links where error = ? order by to_url", [PENDING])]
        if not urls:
            continue
        pipe = r.pipeline(transaction=False)
        todo = []
        for url, got in zip(urls, r.hmget(seen_key(unit.id), urls)):
            if got is None:
                todo.append(url)
                continue
            status, error = json.loads(got)
            pipe.rpush(Keys.items, json.dumps({"unit": unit.id, "kind": "LinkItem", "item": {
                "site": site, "from_url": None, "to_url": url, "status": status, "error": error}}))
        for i in range(0, len(todo), LINK_SEED_SIZE):
            pipe.rpush(Keys.start(unit.id), json.dumps({"unit": unit.id, "site": site,
                                                        "links": todo[i:i + LINK_SEED_SIZE]}))
        pipe.execute()
        more = True
        if result is not None:
            result.link_checks[unit.id] = {"pending": len(urls), "resolved_from_crawl": len(urls) - len(todo),
                                           "checked": len(todo)}
    r.hset(Keys.night, "phase", "links")
    return more
