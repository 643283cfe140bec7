"""Per-column figures of a running crawl, in the crawler's stats (what `zwgk crawl`'s progress lines show).

``ColumnProgress`` (a Scrapy extension, enabled by `zwgk crawl`) counts each answered request of a column's
walk — list pages, articles, attachments: the requests that carry the walk — under
``zwgk/column/<id>/pages`` and names the column most recently answered (``zwgk/column_current``). New
documents per column come from the store pipeline (``zwgk/column/<id>/new``, counted once stored), failed
pages from the spider's ``zwgk/failed_pages`` list (each names its column). ``column_progress`` reads them back.
"""
from __future__ import annotations

from scrapy import signals

PREFIX = "zwgk/column/"
CURRENT = "zwgk/column_current"


class ColumnProgress:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    def response_received(self, response, request, spider=None):
        walk = (request.cb_kwargs or {}).get("walk")
        column_id = getattr(walk, "column_id", None)
        if column_id is None:
            return
        self.stats.inc_value(f"{PREFIX}{column_id}/pages")
        if getattr(walk, "name", None):
            self.stats.set_value(f"{PREFIX}{column_id}/name", walk.name)
        self.stats.set_value(CURRENT, str(column_id))


def column_progress(stats: dict) -> dict[str, dict]:
    """{column id: {name, pages, new, errors}} of one crawler's stats, in the order columns were first seen."""
    out: dict[str, dict] = {}

    def column(cid: str) -> dict:
        return out.setdefault(cid, {"name": None, "pages": 0, "new": 0, "errors": 0})

    for key, value in stats.items():
        if not key.startswith(PREFIX):
            continue
        cid, _, figure = key[len(PREFIX):].rpartition("/")
        if figure == "name":
            column(cid)["name"] = value
        elif figure in ("pages", "new"):
            column(cid)[figure] = int(value or 0)
    for failed in stats.get("zwgk/failed_pages") or []:
        if isinstance(failed, dict) and failed.get("column_id") is not None:
            column(str(failed["column_id"]))["errors"] += 1
    return out
