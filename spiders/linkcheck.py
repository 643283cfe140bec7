"""The column spider's link checks (bureau site only): every link of the pages fetched tonight resolved once,
from the crawl's own response when it has one, else by HEAD (GET when HEAD is refused) once the lists are done."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import DontCloseSpider, IgnoreRequest

from crawler.items import LinkItem
from crawler.pipelines import PENDING

from .extract import attachment_type, squash
from .guard import EXTERNAL, NOT_FETCHED

LINK_MAXSIZE = 2 * 1024 * 1024
LINK_TEXT_MAX = 200   # characters of a link's words kept (crawled text: shown trimmed, escaped by the reports)


def link_text(text: str | None) -> str | None:
    """A link's words as stored: whitespace squashed, control characters out, at most LINK_TEXT_MAX."""
    words = "".join(ch for ch in squash(text or "") if ch.isprintable() or ch == " ")
    return (words[:LINK_TEXT_MAX - 1] + "…" if len(words) > LINK_TEXT_MAX else words) or None


class LinkChecking:
    """Mixed into ColumnSpider: links seen, carried to their pages, checked when the spider idles."""

    # --- link checks -------------------------------------------------------------------------------------
    def _kind(self, to_url: str) -> str:

        if urlsplit(to_url).netloc != urlsplit(self.site.base_url).netloc:
            return "external"
        return "attachment" if attachment_type(to_url) else "internal"

    def _carry(self, from_url: str, to_url: str, kind: str | None = None, text: str | None = None):
        """A link from one of the bureau's pages, with its words there (*text*): resolved now if the crawl
        already fetched it tonight, else waiting (checked by HEAD once the crawl is otherwise done)."""
        if not self.check_links or to_url in self.link_unchecked:
            return
        kind = kind or self._kind(to_url)
        text = link_text(text)
        if not self.allow.allows(to_url):
            kind = "external"
            if not (self.check_external and to_url.lower().startswith(("http://", "https://"))):
                yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, status=None,
                               error=NOT_FETCHED, kind=kind, text=text)
                return
        if to_url in self.seen_status:
            status, error = self.seen_status[to_url]
            yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, status=status, error=error,
                           kind=kind, text=text)
            return
        waiting = self.link_waiting.setdefault(to_url, {})
        new = from_url not in waiting
        # registered before yielding: the generator pauses at the yield, and the page's own answer may be
        # seen (_saw) meanwhile; it must find this link waiting, or the link would stay pending for good
        waiting[from_url] = (kind, text or (waiting.get(from_url) or (None, None))[1])
        if new:   # stored now, with the page that holds it; its result replaces it later tonight
            yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, status=None, error=PENDING,
                           kind=kind, text=text)

    def _saw(self, url: str, status: int | None, error: str | None = None):
        """The crawl itself fetched *url* tonight: its answer resolves every link waiting for it."""
        if url in self.seen_status and status is None:
            return
        self.seen_status[url] = (status, error)
        if url in self.link_waiting:
            for from_url, (kind, text) in self.link_waiting.pop(url).items():
                yield LinkItem(site=self.site_key, from_url=from_url, to_url=url, status=status, error=error,
                               kind=kind, text=text)

    def _idle(self, spider=None):
        """Lists and articles done: check the links the crawl did not fetch by itself (HEAD)."""
        todo = [u for u in self.link_waiting if u not in self.link_requested and u not in self.seen_status]
        if not todo:
            return
        for url in todo:
            self.link_requested.add(url)
            self._count("link_requests")
            self.crawler.engine.crawl(self._request(url, self.parse_link, self.link_failed, method="HEAD",
                                                    dont_filter=True, meta={"download_maxsize": LINK_MAXSIZE,
                                                                            EXTERNAL: True},
                                                    cb_kwargs={"to_url": url}))
        raise DontCloseSpider

    def parse_link(self, response, to_url: str):
        if response.request.method == "HEAD" and response.status in (405, 501):
            self._count("link_requests")
            yield self._request(to_url, self.parse_link, self.link_failed, dont_filter=True,
                                meta={"download_maxsize": LINK_MAXSIZE, EXTERNAL: True},
                                cb_kwargs={"to_url": to_url})
            return
        yield from self._saw(to_url, response.status)

    def link_failed(self, failure):
        to_url = failure.request.cb_kwargs["to_url"]
        if failure.check(IgnoreRequest):  # robots.txt forbids it: unknown, not broken
            for from_url, (kind, _text) in self.link_waiting.pop(to_url, {}).items():
                yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, kind=kind, drop=True)
            self.link_unchecked.add(to_url)
            self._count("links_not_checked")
            self.logger.info("link %s not checked: %s", to_url, failure.value)
            return
        yield from self._saw(to_url, None, self._failure_text(failure))
