"""Downloader middlewares: Scrapy's retry with an exponential back-off between attempts, sample URLs of
failed downloads for the health alarms, and the http↔https fallback."""
from __future__ import annotations

import asyncio
import logging

from scrapy.downloadermiddlewares.retry import RetryMiddleware

from crawler.alarms import SAMPLES
from crawler.pipelines import SAMPLE_KEYS, is_timeout

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Like RetryMiddleware, but waits RETRY_BACKOFF_BASE·2ⁿ seconds (≤ RETRY_BACKOFF_MAX) before
    handing the n-th retry back to the scheduler, so a struggling server gets room to recover."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _pause(self, request):
        retries = request.meta.get("retry_times", 0)
        delay = min(self.backoff_max, self.backoff_base * (2 ** max(0, retries - 1)))
        if delay > 0:
            try:
                await asyncio.sleep(delay)
            except RuntimeError:  # no running asyncio loop (non-asyncio reactor): retry at once
                pass

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if result is not response and result is not None:
            await self._pause(result)
        return result

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if result is not None:
            await self._pause(result)
        return result


class FailureSamples:
    """Keeps the first few URLs whose download failed (an exception, or a 5xx/408/429 answer) and those that
    timed out in the crawl's stats: Scrapy's counters say how many, the health alarms show where."""

    STATUSES = (408, 429)

    def __init__(self, stats, limit: int = SAMPLES):
        self.stats, self.limit = stats, limit

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def _keep(self, field: str, url: str) -> None:
        key = SAMPLE_KEYS[field]
        kept = self.stats.get_value(key) or []
        if len(kept) < self.limit and url not in kept:
            self.stats.set_value(key, [*kept, url])

    def process_response(self, request, response, spider=None):
        if response.status >= 500 or response.status in self.STATUSES:
            self._keep("failure_samples", request.url)
        return response

    def process_exception(self, request, exception, spider=None):
        self._keep("failure_samples", request.url)
        if is_timeout(f"{type(exception).__module__}.{type(exception).__name__}"):
            self._keep("timeout_samples", request.url)
        return None


class SchemeFallbackMiddleware:
    """http↔https fallback: a request that fails on one scheme at the connection level (refused,
    timed out, TLS handshake failure, connection lost, or nginx's "plain HTTP request was sent to
    HTTPS port") is retried once on the other scheme — after BackoffRetryMiddleware has used up its
    retries on the same URL (it sits below the retries in DOWNLOADER_MIDDLEWARES, so it only sees the
    exceptions the retries gave up on). When the other scheme answers, the host's
    working scheme is remembered and later requests to it are sent that way directly.

    Ports given explicitly are kept (tests serve one port that answers one way only); a URL without
    a port switches between the default ports 80 and 443, as browsers do.
    """

    FLAG = "zwgk_scheme_fallback"

    def __init__(self, stats=None):
        self.stats = stats
        self.prefer: dict[str, str] = {}      # host[:port] -> the scheme that answers

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    @staticmethod
    def _swap(url: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        p = urlsplit(url)
        scheme = "http" if p.scheme == "https" else "https"
        return urlunsplit((scheme, p.netloc, p.path, p.query, p.fragment))

    @staticmethod
    def _host(url: str) -> str:
        from urllib.parse import urlsplit

        return urlsplit(url).netloc

    def process_request(self, request, spider=None):
        if not self.prefer or not request.url.startswith(("http://", "https://")):
            return None   # (no host has switched scheme: the usual case, without parsing every URL)
        want = self.prefer.get(self._host(request.url))
        if want and not request.url.startswith(want + "://") and not request.meta.get(self.FLAG):
            return request.replace(url=self._swap(request.url), meta={**request.meta, self.FLAG: "preferred"})
        return None

    def process_response(self, request, response, spider=None):
        if request.meta.get(self.FLAG) == "swapped":
            host = self._host(request.url)
            if host not in self.prefer:
                self.prefer[host] = request.url.split("://", 1)[0]
                logger.warning("%s answers on %s only: using %s:// for it from now on", host,
                               self.prefer[host], self.prefer[host])
        if response.status in (400, 497) and not request.meta.get(self.FLAG) \
                and b"HTTPS port" in (response.body or b"")[:2000]:
            return self._fallback(request, f"HTTP {response.status}: plain HTTP sent to an HTTPS port")
        return response

    def process_exception(self, request, exception, spider=None):
        if request.meta.get(self.FLAG) or not request.url.startswith(("http://", "https://")):
            return None
        if not self._connection_level(exception):
            return None
        return self._fallback(request, f"{type(exception).__name__}: {exception}")

    def _fallback(self, request, why: str):
        other = self._swap(request.url)
        logger.info("%s failed (%s): trying %s", request.url, why[:200], other)
        if self.stats is not None:
            self.stats.inc_value("zwgk/scheme_fallbacks")
        return request.replace(url=other, dont_filter=True, meta={**request.meta, self.FLAG: "swapped"})

    @staticmethod
    def _connection_level(exc) -> bool:
        from twisted.internet import error as terr
        from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

        kinds = (terr.ConnectError, terr.ConnectionLost, terr.ConnectionDone, terr.TimeoutError,
                 ResponseNeverReceived, ResponseFailed)
        try:
            from OpenSSL.SSL import Error as SSLError
            kinds += (SSLError,)
        except Exception:  # pragma: no cover
            pass
        try:  # recent Scrapy (2.19 here) wraps the Twisted errors above (``raise … from``) in its own exceptions
            from scrapy.exceptions import DownloadConnectionRefusedError, DownloadFailedError, DownloadTimeoutError
            kinds += (DownloadConnectionRefusedError, DownloadFailedError, DownloadTimeoutError)
        except ImportError:  # pragma: no cover - older Scrapy raises the Twisted errors themselves
            pass
        seen = 0
        while exc is not None and seen < 5:   # the exception, then what it was raised from
            if isinstance(exc, kinds):
                return True
            name = type(exc).__name__
            if "SSL" in name or "TLS" in name or "Timeout" in name:
                return True
            exc, seen = exc.__cause__, seen + 1
        return False
