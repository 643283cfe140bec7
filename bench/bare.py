"""The crawl baseline: a bare Scrapy spider fetching a list of URLs, doing nothing with the answers.

    python bench/bare.py URLS_FILE CONCURRENCY   → prints {"seconds", "responses"} as JSON
Politeness off (no delay, no AutoThrottle, no robots.txt), the given concurrency overall and per host.
"""
from __future__ import annotations

import json
import sys
import time

import scrapy
from scrapy.crawler import CrawlerProcess


class Bare(scrapy.Spider):
    name = "bare"

    def __init__(self, urls, **kw):
        super().__init__(**kw)
        self.urls = urls

    async def start(self):
        for u in self.urls:
            yield scrapy.Request(u, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response):
        self.crawler.stats.inc_value("bare/answers")

    def failed(self, failure):
        self.crawler.stats.inc_value("bare/failed")


def main() -> None:
    path, concurrency = sys.argv[1], int(sys.argv[2])
    urls = [u.strip() for u in open(path, encoding="utf-8") if u.strip()]
    process = CrawlerProcess({
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING", "RETRY_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": True, "HTTPERROR_ALLOW_ALL": True,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor"})
    crawler = process.create_crawler(Bare)
    t0 = time.perf_counter()
    process.crawl(crawler, urls=urls)
    process.start()
    seconds = time.perf_counter() - t0
    stats = crawler.stats.get_stats()
    print(json.dumps({"seconds": round(seconds, 3), "urls": len(urls),
                      "responses": int(stats.get("downloader/response_count", 0)),
                      "failed": int(stats.get("bare/failed", 0))}))


if __name__ == "__main__":
    main()
