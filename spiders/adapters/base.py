"""The list-adapter interface: how a column's list of articles is read on one CMS platform.

An adapter knows one platform's list pages. The column spider drives every adapter the same way:

1. ``adapter.first(response, walk)`` reads the column page: records the entries it shows, the total
   the page claims, and whatever the adapter needs to ask for more (kept in ``walk.state``);
2. while ``adapter.next_request(walk)`` returns a request, the spider sends it (setting callback
   and errback) and hands the answer to ``adapter.more(response, walk)``;
3. the walk ends complete (every record seen) or incomplete with a reason (``walk.fail(...)``).

Adapters parse only: no store, no items. New platforms (JPaaS, TRS …) subclass ListAdapter and are
added to ``spiders.adapters.ADAPTERS``; ``detect`` decides which one reads a given column page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import scrapy

from crawler.dates import parse_date

from ..extract import squash

# what an article URL looks like on the platforms we know
ARTICLE_PATTERNS = (
    re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?"),       # Hanweb JCMS
    re.compile(r"/col/col\d+/art/\d{4}/art_[0-9a-f]{32}\.html"),        # Hanweb JPaaS
    re.compile(r"/t\d{8}_\d+\.s?html?$"),                              # TRS WCM
    re.compile(r"/info/\d+/\d+\.htm"),                                 # VSB
    re.compile(r"/content/(post_)?\d+\.s?html?$"),
    re.compile(r"/(art|article|content|detail|news)[/_-]?\w*?\d{4,}[\w/-]*\.s?html?$", re.I),
)


def looks_like_article(url: str) -> bool:
    path = urlsplit(url).path
    return any(p.search(path) for p in ARTICLE_PATTERNS)


@dataclass
class ListEntry:
    url: str
    title: str | None = None
    date: str | None = None


@dataclass
class ListWalk:
    """The state of one column's list walk."""
    site: str
    column_id: str
    url: str                         # the column page
    name: str | None = None
    cls: str = "other"
    adapter: str | None = None
    entries: dict[str, ListEntry] = field(default_factory=dict)
    total: int | None = None         # records the source claims to hold
    is_list_page: bool = False       # the page is a real list page (not a shell / error page)
    complete: bool = False
    failed: str | None = None        # why the walk could not be completed
    pages: int = 0                   # list responses read
    state: dict = field(default_factory=dict)  # adapter-private
    # --- the spider's bookkeeping (adapters never read these) ---
    page_entries: list = field(default_factory=list)   # entries read from the latest list response
    full: bool = True                # walk the whole list (else stop at a page of known items)
    stopped_early: bool = False      # the walk stopped at a page holding only known items
    full_reason: str | None = None   # why a full walk (rotation, never synced, suspicion …)
    candidate: bool = False          # discovered link that may not be a column: dropped if not a list
    known_live: int = 0              # live documents of this column in the store before tonight
    pending: int = 0                 # article fetches still outstanding (sync marker waits for them)
    article_failures: int = 0
    finished: bool = False

    def add(self, entries) -> int:
        """Add entries, return how many were new."""
        new = 0
        for e in entries:
            self.page_entries.append(e)
            if e.url not in self.entries:
                self.entries[e.url] = e
                new += 1
        return new

    def fail(self, reason: str) -> None:
        self.failed = self.failed or reason
        self.complete = False

    @property
    def last_item_date(self) -> str | None:
        dates = [e.date for e in self.entries.values() if e.date]
        return max(dates) if dates else None


class ListAdapter:
    """One platform's list pages. Subclasses override detect/first/next_request/more."""

    name = "base"

    def detect(self, response) -> bool:
        raise NotImplementedError

    def first(self, response, walk: ListWalk) -> None:
        raise NotImplementedError

    def next_request(self, walk: ListWalk) -> scrapy.Request | None:
        return None

    def more(self, response, walk: ListWalk) -> None:
        pass

    def retry(self, response, walk: ListWalk) -> scrapy.Request | None:
        """A list request answered non-200: another way to ask (None: the walk fails)."""
        return None

    def total_hint(self, walk: ListWalk) -> int | None:
        """The number of records the source claims (for item counts of walks that stop early)."""
        return walk.total


# --- helpers shared by adapters -----------------------------------------------------------------

_A = re.compile(r"<a\s[^>]*?href\s*=\s*([\"'])(.*?)\1[^>]*>(.*?)</a>", re.I | re.S)
_TITLE_ATTR = re.compile(r"\stitle\s*=\s*([\"'])(.*?)\1", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")


def entries_from_html(fragment: str, base_url: str, *, article_only: bool = False) -> list[ListEntry]:
    """List entries from an HTML fragment (a JCMS record, a <li>): first link + a date beside it."""
    import html as _html

    out = []
    for m in _A.finditer(fragment):
        href = _html.unescape(m.group(2).strip())
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        if article_only and not looks_like_article(url):
            continue
        t = _TITLE_ATTR.search(m.group(0))
        title = squash(_html.unescape(t.group(2))) if t else squash(_html.unescape(_TAGS.sub("", m.group(3))))
        rest = _TAGS.sub(" ", fragment[m.end():])
        out.append(ListEntry(url=url, title=title or None, date=parse_date(rest) or parse_date(url)))
        if not article_only:
            break  # one record, one article
    return out
