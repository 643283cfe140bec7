"""Scrapy's downloader with the per-host concurrency limit enforced on the asyncio reactor.

Scrapy (2.13+, asyncio reactor) starts each download as an asyncio task that only runs on the next
loop iteration, while the loop that launches downloads checks ``slot.free_transfer_slots()`` — which
counts the transfers already started. Without a download delay, one pass therefore launches every
queued request for a host at once, whatever CONCURRENT_REQUESTS_PER_DOMAIN says. Here a download
counts as transferring from the moment it is launched, so a host never has more than its limit in
flight (``Downloader._download`` adds it again — a set — and removes it when the response is in).
"""
from __future__ import annotations

from scrapy.core.downloader import Downloader


class PoliteDownloader(Downloader):
    def _wait_for_download(self, slot, request, queue_dfd):
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)
