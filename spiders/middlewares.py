"""Downloader middleware: Scrapy's retry, with an exponential back-off between attempts."""
from __future__ import annotations

import asyncio
import logging

from scrapy.downloadermiddlewares.retry import RetryMiddleware

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
