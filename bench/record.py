"""A Scrapy extension for the benchmark: the URL of every response a crawl got (for the bare baseline)."""
from __future__ import annotations

from scrapy import signals


class RecordUrls:
    def __init__(self, path: str):
        self.path, self.urls = path, []

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler.settings.get("BENCH_URLS_FILE"))
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def response_received(self, response, request, spider):
        self.urls.append(request.url)

    def spider_closed(self, spider):
        if self.path:
            with open(self.path, "a", encoding="utf-8") as f:
                f.writelines(u + "\n" for u in self.urls)
