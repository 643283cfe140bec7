"""The column spider's articles and attachments: a listed article fetched (or re-checked conditionally),
extracted into a document, its attachments downloaded and read; a vanished one withdrawn."""
from __future__ import annotations

import re

from scrapy import signals
from scrapy.http import TextResponse
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.cpupool import CpuPool, deferred_from
from crawler.items import DocumentItem, LinkItem, SeenItem, WithdrawnItem
from crawler.pipelines import WORDS_WANTED

from .adapters import ListEntry, ListWalk
from .attachments import sniff_type
from .extract import extract
from .guard import NOT_FETCHED
from .indexwords import WORDS, article_texts, extract_with_words
from .sandbox import SharedSandbox
from .schedule import recheck_due

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
GONE = (404, 410)


def _charset(response) -> str | None:
    ctype = response.headers.get(b"Content-Type")
    if ctype:
        m = _CHARSET.search(ctype.decode("latin-1"))
        if m:
            return m.group(1)
    return None


class ArticleFetching:
    """Mixed into ColumnSpider: everything from a listed entry to a stored document."""

    # --- articles -------------------------------------------------------------------------------------
    def _recheck_due(self, url: str, published: str | None = None) -> bool:
        return recheck_due(url, published, self.today, self.recheck_days, self.recheck_max_days)

    def _rechecks(self, walk: ListWalk):
        """Known live articles of this column whose re-check turn is tonight, listed tonight or not."""
        for url in self.known_by_column.get(walk.column_id, []):
            if url in self.scheduled:
                continue
            info = self.known[url]
            if self._recheck_due(url, info.get("published")):
                yield from self._article(ListEntry(url=url, title=info.get("title"), date=info.get("published")),
                                         walk)

    def _article(self, entry: ListEntry, walk: ListWalk):
        url = entry.url
        if url in self.scheduled:
            return
        self.scheduled.add(url)
        if not self.allow.allows(url):   # listed elsewhere (another host, file://): a link, never fetched
            self._count("offsite_entries")
            if self.check_links:
                yield from self._carry(walk.url, url, "external", entry.title)
            return
        info = self._known_live(url)
        headers = {"Referer": walk.url}
        kind = "new"
        if info is not None:
            if not self._listed_differs(entry, info):
                if not self._recheck_due(url, info.get("published")):
                    yield SeenItem(site=self.site_key, url=url, column_id=info.get("column_id"))
                    return
                kind = "recheck"
                # Last-Modified is the validator of choice: a page's ETag also changes with its chrome
                # (相关链接, counters), which would re-download articles whose text did not change
                if info.get("last_modified"):
                    headers["If-Modified-Since"] = info["last_modified"]
                elif info.get("etag"):
                    headers["If-None-Match"] = info["etag"]
            else:
                kind = "relisted"
        self._count(f"article_requests_{kind}")
        walk.pending += 1
        yield self._request(url, self.parse_article, self.article_failed, headers=headers,
                            cb_kwargs={"entry": entry, "walk": walk})

    def _article_done(self, walk: ListWalk, ok: bool = True):
        walk.pending -= 1
        if not ok:
            walk.article_failures += 1
        yield from self._maybe_synced(walk)

    async def parse_article(self, response, entry: ListEntry, walk: ListWalk):
        """An article page: extracted in a CPU worker (crawler/cpupool.py, ZWGK_CPU_WORKERS) while the crawl
        downloads on, then turned into items by ``_article_items``."""
        extracted = None
        if response.status == 200 and not isinstance(response, TextResponse):   # a file: the document
            extracted = await self._file_text(response, None)
        elif response.status == 200:
            modified = response.headers.get(b"Last-Modified")
            args = (response.body, response.url, _charset(response), modified.decode("latin-1") if modified else None)
            cpu = self._cpu()
            try:
                if entry.url not in self.known and cpu.workers and getattr(self.crawler, WORDS_WANTED, False):
                    # a new page: its search words come back with the extraction (spiders/indexwords.py)
                    call = cpu.submit(extract_with_words, *args, entry.title)
                else:
                    call = cpu.submit(extract, *args)
                extracted = await maybe_deferred_to_future(call)
            except Exception as e:  # noqa: BLE001 — reported with the page below
                extracted = e
        for out in self._article_items(response, entry, walk, extracted):
            yield out

    def _cpu(self) -> CpuPool:
        if getattr(self, "cpu_pool", None) is None:
            self.cpu_pool = CpuPool.from_settings(self.crawler.settings)
        return self.cpu_pool

    def _article_items(self, response, entry: ListEntry, walk: ListWalk, extracted):
        url = entry.url
        status = 200 if response.status == 304 else response.status
        yield from self._saw(url, status)
        if response.url != url:
            yield from self._saw(response.url, status)
        if response.status == 304:
            self._count("not_modified")
            yield SeenItem(site=self.site_key, url=url, column_id=walk.column_id)
            yield from self._article_done(walk)
            return
        if url in self.known and response.status == 200:
            self._count("refetched")
        if response.status in GONE:
            if url in self.known:
                self.withdrawn.add(url)
                yield WithdrawnItem(site=self.site_key, url=url, column_id=walk.column_id,
                                    reason=f"HTTP {response.status}")
            elif self.check_links:  # a list entry pointing nowhere is a broken link of the list page
                yield LinkItem(site=self.site_key, from_url=walk.url, to_url=url, status=response.status,
                               kind="internal")
            yield from self._article_done(walk)
            return
        if response.status != 200:
            self._err("%s: article %s answered HTTP %s", self.site_key, url, response.status)
            self._failed(url, walk, "article", f"HTTP {response.status}")
            if url in self.known:  # still listed; what it says now is unknown
                yield SeenItem(site=self.site_key, url=url, column_id=walk.column_id)
            yield from self._article_done(walk, ok=False)
            return
        if not isinstance(response, TextResponse):
            # the list links straight to a file: the file is the document
            doc = self._doc(url, walk, entry, {"title": entry.title, "published": entry.date, "body": "",
                                               "attachments": [{"url": url, "name": entry.title or url,
                                                                "type": None}]}, response)
            doc["attachments"] = [self._attachment_record(doc["attachments"][0], response, extracted)]
            yield DocumentItem(doc)
            yield from self._article_done(walk)
            return
        try:
            if isinstance(extracted, Exception):
                raise extracted
            data = extracted
        except Exception:
            self._count("errors")
            self.logger.exception("%s: article %s could not be extracted", self.site_key, url)
            self._failed(url, walk, "article", "could not be extracted")
            yield from self._article_done(walk, ok=False)
            return
        doc = self._doc(url, walk, entry, data, response)
        if self.check_links:
            texts = data.get("link_texts") or {}
            for link in data.get("links") or []:
                if link != url:
                    yield from self._carry(url, link, text=texts.get(link))
        yield from self._next_attachment(doc, list(doc["attachments"]), [], walk)

    def _doc(self, url, walk: ListWalk, entry: ListEntry, data: dict, response) -> dict:
        def header(name):
            v = response.headers.get(name)
            return v.decode("latin-1") if v else None

        title, body = article_texts(data, entry.title)
        doc = {
            "url": url, "site": self.site_key, "column_id": walk.column_id,
            "column_name": walk.name or data.get("column"),
            "title": title, "published": data.get("published") or entry.date,
            "publisher": data.get("publisher"), "source": data.get("source"),
            "index_no": data.get("index_no"), "doc_no": data.get("doc_no"), "category": data.get("category"),
            "body": body, "attachments": data.get("attachments") or [],
            "etag": header(b"ETag"), "last_modified": header(b"Last-Modified"),
        }
        if data.get(WORDS):
            doc[WORDS] = data[WORDS]
        return doc

    def article_failed(self, failure):
        url = failure.request.cb_kwargs["entry"].url
        walk = failure.request.cb_kwargs["walk"]
        yield from self._saw(url, None, self._failure_text(failure))
        self._err("%s: article %s failed: %s", self.site_key, url, failure.value)
        self._failed(url, walk, "article", self._failure_text(failure))
        if url in self.known:  # still listed; what it says now is unknown
            yield SeenItem(site=self.site_key, url=url, column_id=walk.column_id)
        yield from self._article_done(walk, ok=False)

    # --- attachments ----------------------------------------------------------------------------------
    def _next_attachment(self, doc: dict, pending: list[dict], done: list[dict], walk: ListWalk):
        while pending:
            att = pending.pop(0)
            if not self.allow.allows(att["url"]):   # hosted elsewhere: recorded, not downloaded
                done.append({"url": att["url"], "name": att.get("name"), "type": att.get("type"), "size": None,
                             "text": None, "status": "external", "error": NOT_FETCHED})
                if self.check_links:
                    yield from self._carry(doc["url"], att["url"], "external", att.get("name"))
                continue
            cached = self.attachment_cache.get(att["url"])
            if cached is not None:
                done.append({**cached, "name": att.get("name") or cached.get("name")})
                if self.check_links:
                    yield from self._carry(doc["url"], att["url"], "attachment", att.get("name"))
                continue
            yield self._request(att["url"], self.parse_attachment, self.attachment_failed, dont_filter=True,
                                priority=10, meta={"download_maxsize": self.max_attachment,
                                                   "download_warnsize": 0},
                                headers={"Referer": doc["url"]},
                                cb_kwargs={"doc": doc, "pending": pending, "done": done, "att": att,
                                           "walk": walk})
            return
        doc["attachments"] = done
        self._count("documents_parsed")
        yield DocumentItem(doc)
        yield from self._article_done(walk)

    async def _file_text(self, response, declared: str | None) -> tuple[str | None, str | None]:
        """(text, error) of a downloaded file, from the process's sandbox (spiders/sandbox.py), read on a
        thread of its own: the reactor downloads on while the sandbox's child reads the file."""
        if response.status != 200:
            return None, None
        kind = sniff_type(response.body, declared) or declared
        text, error, over_limits = await maybe_deferred_to_future(
            deferred_from(self._extractor().read(response.body, kind)))
        if over_limits:
            self._count("attachments_over_limits")
        return text, error

    def _attachment_record(self, att: dict, response, read: tuple[str | None, str | None]) -> dict:
        """The attachment's record; *read*: ``await self._file_text(response, att["type"])``."""
        rec = {"url": att["url"], "name": att.get("name"), "type": att.get("type"), "size": None,
               "text": None, "status": None}
        if response.status != 200:
            rec.update(status="failed", error=f"HTTP {response.status}", http_status=response.status)
            return rec
        body = response.body
        rec["size"] = len(body)
        rec["type"] = sniff_type(body, att.get("type")) or att.get("type")
        text, error = read
        rec.update(text=text, status="ok" if not error else "unreadable", http_status=200)
        if error:
            rec["error"] = error
        return rec

    def _extractor(self) -> SharedSandbox:
        """Attachment text comes from a child process with memory and CPU limits (spiders/sandbox.py),
        one per process, shared by its spiders."""
        if getattr(self, "sandbox", None) is None:
            self.sandbox = SharedSandbox.acquire()
            self.crawler.signals.connect(self._close_sandbox, signal=signals.spider_closed)
        return self.sandbox

    def _close_sandbox(self, spider=None):
        sandbox, self.sandbox = getattr(self, "sandbox", None), None
        if sandbox is not None:
            sandbox.release()

    async def parse_attachment(self, response, doc, pending, done, att, walk):
        rec = self._attachment_record(att, response, await self._file_text(response, att.get("type")))
        for out in self._attachment_items(rec, response, doc, pending, done, att, walk):
            yield out

    def _attachment_items(self, rec, response, doc, pending, done, att, walk):
        self.attachment_cache[att["url"]] = rec
        done.append(rec)
        if self.check_links:
            yield from self._saw(att["url"], response.status)
            yield from self._carry(doc["url"], att["url"], "attachment", att.get("name"))
        yield from self._next_attachment(doc, pending, done, walk)

    def attachment_failed(self, failure):
        kw = failure.request.cb_kwargs
        att = kw["att"]
        reason = self._failure_text(failure)
        too_big = "maxsize" in reason.lower() or "cancel" in reason.lower()
        if too_big:
            reason = f"larger than {self.max_attachment} bytes ({reason})"
        rec = {"url": att["url"], "name": att.get("name"), "type": att.get("type"), "size": None,
               "text": None, "status": "failed", "error": reason, "http_status": None}
        self.logger.warning("%s: attachment %s failed: %s", self.site_key, att["url"], reason)
        self.attachment_cache[att["url"]] = rec
        kw["done"].append(rec)
        if self.check_links:
            # too big to download is still there: not a broken link
            yield from self._saw(att["url"], 200 if too_big else None, reason)
            yield from self._carry(kw["doc"]["url"], att["url"], "attachment", att.get("name"))
        yield from self._next_attachment(kw["doc"], kw["pending"], kw["done"], kw["walk"])
