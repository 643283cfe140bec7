"""Item pipeline: everything the column spider learns goes into the store here, and nowhere else.

StorePipeline opens crawler.store.Store on the crawl's database (setting ZWGK_DB_PATH), writes each
item, counts per-site outcomes, and at the end puts them in the crawler's stats (``zwgk/…``). When
the crawl belongs to a ``zwgk crawl`` run (setting ZWGK_RUN_ID) that command records the run;
a stand-alone ``scrapy crawl`` records its own ``runs`` row (kind ``crawl``, stats per site).
"""
from __future__ import annotations

import datetime as dt
import logging
import sys
import time

from scrapy import signals

from .items import ColumnItem, ColumnSyncedItem, DocumentItem, LinkItem, SeenItem, WithdrawnItem
from .config import database_path
from .cpupool import CpuPool
from .records import document_record
from .searchindex import indexed_texts, segments
from .store import PENDING, Store, now_iso  # noqa: F401 — PENDING is part of this module's API

logger = logging.getLogger(__name__)

COUNTERS = ("new", "changed", "unchanged", "withdrawn", "columns", "columns_normal", "columns_blank",
            "columns_unverifiable", "links", "broken_links", "attachments", "attachments_failed")
# what the requests of a crawl went to (spider counters), and how its list walks went
REQUEST_COUNTERS = ("list_requests", "article_requests_new", "article_requests_recheck",
                    "article_requests_relisted", "link_requests", "walks_full", "walks_incremental",
                    "walks_failed", "columns_synced", "not_checked", "links_not_checked", "scheme_fallbacks",
                    "withdrawals_held", "requests_refused", "offsite_entries", "list_caps", "list_repeats",
                    "attachments_over_limits")
MAX_FAILED_LISTED = 500
# PENDING (crawler/store.py): LinkItem.error of a link found tonight whose target is checked later
# Writes go to the store in batches, one transaction each (all of a batch or none): a killed crawl
# resumes from the last committed batch (what is not stored is fetched again; a column's sync marker is
# written after its documents, in the same batch or a later one). Per-document transactions cost a WAL
# sync each: a first crawl wrote 1.8 GB for a 69 MB database.
BATCH_ITEMS = 200
BATCH_SECONDS = 1.0
# A new or changed document is segmented for the search index in a worker process (crawler/cpupool.py)
# while the crawl goes on; it holds its place in the pending items until its words are back.
SEGMENTING = object()
WORDS = "index_words"   # DocumentItem's field: title and body words segmented with the extraction
WORDS_WANTED = "zwgk_index_words"   # set on the crawler: this pipeline uses them (spiders/articles.py)
# a few URLs of failed downloads (spiders.middlewares.FailureSamples), shown as an alarm's evidence
SAMPLE_KEYS = {"timeout_samples": "zwgk/samples/timeouts", "failure_samples": "zwgk/samples/failures"}


def _extracted_words(item, record: dict) -> tuple[str, str] | None:
    """The title and body words the CPU worker segmented with the extraction (spiders/indexwords.py), if
    they were made from exactly this document's title and body."""
    words = item.get(WORDS)
    if not words or words.get("title") != record["title"] or words.get("body") != record["body"]:
        return None
    return tuple(words["words"])


def site_stats(stats: dict) -> dict:
    """The per-site summary recorded in ``runs.stats`` from one crawler's Scrapy stats."""
    out = {k: int(stats.get(f"zwgk/{k}", 0) or 0) for k in COUNTERS}
    exceptions = {k: v for k, v in stats.items() if k.startswith("spider_exceptions/")}
    raised = exceptions.get("spider_exceptions/count")
    if raised is None:
        raised = sum(int(v or 0) for v in exceptions.values())
    out["errors"] = int(stats.get("zwgk/errors", 0) or 0) + int(raised or 0)
    out["requests"] = int(stats.get("downloader/request_count", 0) or 0)
    out["refetched"] = int(stats.get("zwgk/refetched", 0) or 0)        # known articles downloaded again
    out["not_modified"] = int(stats.get("zwgk/not_modified", 0) or 0)  # known articles answering 304
    out["responses"] = int(stats.get("downloader/response_count", 0) or 0)
    out["bytes"] = int(stats.get("downloader/response_bytes", 0) or 0)
    for k in REQUEST_COUNTERS:
        out[k] = int(stats.get(f"zwgk/{k}", 0) or 0)
    out["robots_requests"] = int(stats.get("robotstxt/request_count", 0) or 0)
    out["unreachable"] = bool(stats.get("zwgk/site_unreachable"))
    # pages that did not load after retries (rules/failures.py turns what rests on them unverifiable)
    failed = list(stats.get("zwgk/failed_pages") or [])
    out["failed_pages"] = failed[:MAX_FAILED_LISTED]
    out["pages_failed"] = len(failed)
    out["finish_reason"] = stats.get("finish_reason")
    out.update(download_problems(stats))
    return out


def is_timeout(exception_type: str) -> bool:
    """A download exception that means "no answer in time" (Scrapy's DownloadTimeoutError, Twisted's
    TimeoutError / TCPTimedOutError, asyncio's TimeoutError), by its (dotted) class name."""
    name = exception_type.rsplit(".", 1)[-1]
    return "Timeout" in name or "TimedOut" in name


def download_problems(stats: dict) -> dict:
    """Timeouts, failed downloads, server errors and retries of one crawl, from Scrapy's own counters
    (every attempt counts, as in downloader/request_count, so the ratios compare like with like)."""
    prefix = "downloader/exception_type_count/"
    exceptions = {k[len(prefix):]: int(v or 0) for k, v in stats.items() if k.startswith(prefix)}
    statuses = {k.rsplit("/", 1)[-1]: int(v or 0) for k, v in stats.items()
                if k.startswith("downloader/response_status_count/")}
    out = {"timeouts": sum(n for name, n in exceptions.items() if is_timeout(name)),
           "download_exceptions": int(stats.get("downloader/exception_count", 0) or sum(exceptions.values())),
           "exception_types": exceptions,
           "server_errors": sum(n for code, n in statuses.items() if code.isdigit() and int(code) >= 500),
           "retries": int(stats.get("retry/count", 0) or 0),
           "retries_exhausted": int(stats.get("retry/max_reached", 0) or 0)}
    for field, key in SAMPLE_KEYS.items():
        out[field] = list(stats.get(key) or [])
    return out


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store: Store | None = None
        self.run_id: int | None = None
        self.owns_run = False
        self.today = dt.date.today().isoformat()
        self.pending: list[list] = []      # [item, search row's fields or None, record or None], in order
        self.cpu = CpuPool.from_settings(crawler.settings)
        self.batch_started = time.monotonic()
        self.timer = None
        self.counting: dict[str, int] | None = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def _inc(self, key: str, n: int = 1) -> None:
        if self.counting is not None:   # inside a batch: counted once it is committed
            self.counting[key] = self.counting.get(key, 0) + n
        else:
            self.crawler.stats.inc_value(f"zwgk/{key}", n)

    def open_spider(self, spider=None):
        path = self.crawler.settings.get("ZWGK_DB_PATH")
        self.store = Store(database_path(None, path))
        if self.cpu.workers:
            # the spider may send a new page's title and body words with its extraction (spiders/indexwords.py)
            setattr(self.crawler, WORDS_WANTED, True)
            self.cpu.start()   # the worker loads jieba's dictionary while the first lists are read
        self.started = now_iso()   # a link checked since then is tonight's result: "pending" never replaces it
        for k in COUNTERS:
            self.crawler.stats.set_value(f"zwgk/{k}", 0)
        run_id = self.crawler.settings.get("ZWGK_RUN_ID")
        if run_id:
            self.run_id = int(run_id)
        else:
            self.run_id = self.store.start_run("crawl", as_of=self.today)
            self.owns_run = True
        if "twisted.internet.reactor" in sys.modules:   # (never install a reactor of our own)
            from twisted.internet import task

            # a quiet spell (slow pages) must not hold written items back for long
            self.timer = task.LoopingCall(self._flush_if_due)
            self.timer.start(BATCH_SECONDS, now=False)

    def close_spider(self, spider=None):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush(final=True)
        if self.store is not None and not self.owns_run:
            self.store.close()
            self.store = None

    def spider_closed(self, spider, reason):
        """Record a stand-alone crawl's run once Scrapy knows why it ended."""
        if self.store is None:
            return
        self.flush(final=True)
        try:
            stats = dict(self.crawler.stats.get_stats())
            stats["finish_reason"] = reason
            site = getattr(spider, "site_key", None) or "site"
            summary = site_stats(stats)
            status = "ok" if reason == "finished" and not summary["unreachable"] else "failed"
            self.store.finish_run(self.run_id, status, {site: summary})
        finally:
            self.store.close()
            self.store = None

    def process_item(self, item, spider=None):
        entry = [item, None, None]   # [item, its search row's fields or None, its documents record or None]
        self.pending.append(entry)
        if isinstance(item, DocumentItem) and self.cpu.workers and self.store is not None:
            record = entry[2] = document_record(item)
            if self.store.stored_hash(record["url"]) != record["content_hash"]:   # never an unchanged one
                words = _extracted_words(item, record)
                if words is not None and not record["attachment_text"]:
                    entry[1] = (*words, "")   # segmented with the extraction: nothing to wait for
                    self._added()
                    return item
                entry[1] = SEGMENTING

                def segmented(fields):
                    entry[1] = fields if words is None or fields is None else (*words, fields[2])
                    self._added()
                    return item

                def failed(failure):   # the store segments it when it is written
                    logger.warning("segmenting %s in a worker failed: %s", record["url"], failure.value)
                    return segmented(None)

                # only what is not segmented yet (the attachments' text of a page segmented with its extraction)
                texts = indexed_texts(record) if words is None else (None, None, record["attachment_text"])
                # the item's Deferred: Scrapy holds the page's output until it fires (back-pressure)
                return self.cpu.submit(segments, *texts).addCallbacks(segmented, failed)
        self._added()
        return item

    def _ready(self) -> int:
        """How many pending items, from the first, can be written (none still being segmented)."""
        n = 0
        for _, fields, _ in self.pending:
            if fields is SEGMENTING:
                break
            n += 1
        return n

    def _added(self) -> None:
        if len(self.pending) >= BATCH_ITEMS and self._ready() >= BATCH_ITEMS:
            self.flush()
        else:
            self._flush_if_due()

    def _flush_if_due(self) -> None:
        if self.pending and time.monotonic() - self.batch_started >= BATCH_SECONDS:
            self.flush()

    def flush(self, *, final: bool = False) -> None:
        """Write the pending items in one transaction; an item that fails is counted, logged and left out.
        Only the items before the first one still being segmented, unless *final* (then the store
        segments what is missing)."""
        self.batch_started = time.monotonic()
        if not self.pending or self.store is None:
            return
        ready = len(self.pending) if final else self._ready()
        if not ready:
            return
        entries, self.pending = self.pending[:ready], self.pending[ready:]
        items = [item for item, _, _ in entries]
        fields_of = {id(item): fields for item, fields, _ in entries if fields is not None and fields is not SEGMENTING}
        records_of = {id(item): record for item, _, record in entries if record is not None}
        links: list[dict] = []
        self.counting = {}
        try:
            with self.store.batch():
                for item in items:
                    if isinstance(item, LinkItem):
                        links.append(self._link(item))
                        continue
                    try:
                        self._store_item(item, fields_of.get(id(item)), records_of.get(id(item)))
                    except Exception:
                        self._inc("errors")
                        logger.exception("could not store %s %s", type(item).__name__, item.get("url") or "")
                self.store.record_links(links, results_since=self.started)
        except Exception:   # the whole batch was rolled back (a locked or full disk …): fetched again next night
            counted = {"errors": self.counting.get("errors", 0) + 1}
            logger.exception("could not store a batch of %d items", len(items))
        else:
            counted = self.counting
        finally:
            self.counting = None
        for key, n in counted.items():
            self._inc(key, n)

    def _link(self, item) -> dict:
        """A link row for the batch. A link found on an article is stored with it, first as "pending" when its
        target is checked later: a killed crawl leaves it pending and the next night checks it again
        (spiders/linkcheck.py), so no result is lost for good. ``drop`` removes a row no longer wanted."""
        row = {"from_url": item["from_url"], "to_url": item["to_url"], "status": item.get("status"),
               "error": item.get("error"), "kind": item.get("kind"), "text": item.get("text"),
               "drop": bool(item.get("drop")),
               "tentative": item.get("error") == PENDING}
        if row["drop"] or row["tentative"]:
            return row
        self._inc("links")
        if (item.get("status") is None and not str(item.get("error") or "").startswith("not checked")) \
                or (item.get("status") or 0) >= 400:
            self._inc("broken_links")
        return row

    def _store_item(self, item, segmented: tuple | None = None, record: dict | None = None):
        store = self.store
        if isinstance(item, DocumentItem):
            doc = dict(item)
            outcome = store.upsert_document(doc, segmented=segmented, record=record)
            self._inc(outcome)
            if outcome == "new":   # per column too: `zwgk crawl`'s progress lines (spiders/progress.py)
                self._inc(f"column/{doc.get('column_id')}/new")
            for a in doc.get("attachments") or []:
                self._inc("attachments")
                if a.get("status") == "failed":
                    self._inc("attachments_failed")
        elif isinstance(item, SeenItem):
            store.touch_document(item["url"])
            self._inc("unchanged")
        elif isinstance(item, WithdrawnItem):
            if store.mark_withdrawn(item["url"], self.today):
                self._inc("withdrawn")
                logger.info("withdrawn (%s): %s", item.get("reason"), item["url"])
        elif isinstance(item, ColumnItem):
            col = dict(item)
            col["class"] = col.pop("column_class", None) or "other"
            store.upsert_column(col)
            self._inc("columns")
            self._inc(f"columns_{col.get('state') or 'unverifiable'}")
        elif isinstance(item, ColumnSyncedItem):
            store.mark_column_synced(item["site"], item["column_id"])
            self._inc("columns_synced")
