"""Scrapy settings for zwgk: polite by default.

The configuration's ``crawl:`` section (CrawlConfig) overrides the politeness values per crawl (the
spider applies it in ``from_crawler``); the demo/test configuration turns the delay and AutoThrottle
off for loopback replicas. Command-line ``-s NAME=VALUE`` still wins over both.
"""
from __future__ import annotations

try:
    from importlib.metadata import version as _version

    VERSION = _version("zwgk")
except Exception:  # pragma: no cover - running from a tree that was never installed
    VERSION = "0.0"

BOT_NAME = "zwgk"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Identify ourselves; the spider puts the configured contact address in place of this one.
USER_AGENT = f"zwgk/{VERSION} (+mailto:zwgk@localhost)"

# Politeness
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5   # ±50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# the per-host limit above, enforced even without a download delay (see spiders/downloader.py)
DOWNLOADER = "spiders.downloader.PoliteDownloader"

# Retries: transient errors only (not 403/412: a WAF answer is a finding, not a glitch), with backoff
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0      # seconds before the first retry, doubled for each further one
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    # only the configured sites over http(s): before robots.txt (100), again for every redirect target
    "spiders.guard.SiteGuardMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    # http↔https fallback: its process_exception runs AFTER the retries (lower number = later): a reset or a
    # timeout is retried on the same URL with back-off first; only when those are used up is the other
    # scheme tried — the fallback never replaces the retries
    "spiders.middlewares.SchemeFallbackMiddleware": 540,
    # beside Scrapy's DownloaderStats (850): sees every attempt that the exception counters count
    "spiders.middlewares.FailureSamples": 860,
}

# Only http(s) is ever downloaded: no file://, ftp://, s3://, data: handlers at all
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}

# Size caps: responses above 32 MiB are refused; attachments use crawl.max_attachment_bytes per request
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# No remote control: no telnet console, no web service, no feeds
TELNETCONSOLE_ENABLED = False
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
}
FEEDS: dict = {}
COOKIES_ENABLED = True

ITEM_PIPELINES = {
    "crawler.pipelines.StorePipeline": 300,
}
# Scrapy (2.13+, asyncio) starts CONCURRENT_ITEMS worker tasks for the output of EVERY callback
# (scrapy/utils/asyncio.py _parallel_asyncio): the default 100 made ~100 tasks and ~220 loop callbacks
# per page. Our pipeline is synchronous, so parallel items gain nothing.
CONCURRENT_ITEMS = 1
# Scrapy's DepthMiddleware only counts link depth (zwgk sets no DEPTH_LIMIT and reads no depth stat), yet
# every request and item the spider yields passes through it: one async-generator layer per output
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.depth.DepthMiddleware": None}
# Scrapy parses a callback's source (ast) to warn about `return value` in generators, once per distinct
# callable: ~3 s per crawl for our per-request callbacks; a development aid, not a production check
WARN_ON_GENERATOR_RETURN_VALUE = False

# Scrapy's defaults, stated: asyncio reactor, the 2.7+ request fingerprinter
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# zwgk's own settings
ZWGK_DB_PATH = None        # SQLite file; default: $ZWGK_DB, else the config's db path, else var/zwgk.db
ZWGK_RUN_ID = None         # set by `zwgk crawl`: the runs row it owns; unset → each spider records its own
ZWGK_CONFIG = None         # configuration path when -a config= is not given (env ZWGK_CONFIG also works)
# Incremental nights (spiders/column.py): each column is walked to the end of its list once in this many
# nights (a fixed turn per column; also whenever it was never completely synced), else only until a page
# holds only known items; known articles are re-checked every clamp(age/2, crawl.recheck_days, this) nights.
ZWGK_FULL_WALK_DAYS = 7
ZWGK_RECHECK_MAX_DAYS = 90
# A fully read list that no longer shows more than this share of a column's articles (and more than 5)
# withdraws none of them that night (a redesigned or broken list; the health monitors raise an alarm).
ZWGK_MAX_WITHDRAW_SHARE = 0.2
# Worker processes for the crawl's CPU-heavy work (segmenting new documents for the search index,
# extracting articles): off the reactor thread, which then only downloads (crawler/cpupool.py).
# 0: all in the crawl's own process.
ZWGK_CPU_WORKERS = 1
# Scrapy fetches no more while this many bytes of responses wait for their callbacks (default 5 MB): pages
# waiting for the worker then pile up in memory for nothing (+66 MB at scale 1), as the worker sets the pace
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
ZWGK_TODAY = None          # YYYY-MM-DD: the crawl's "today" for those schedules (default: the real date)
