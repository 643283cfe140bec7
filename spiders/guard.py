"""Downloader middleware: no request leaves for anything but the configured sites over http(s).

It runs first (before robots.txt is looked up), and again for every redirect and meta-refresh target
(Scrapy reschedules those as new requests), so a list entry, body link, attachment, robots.txt, 30x or
``<meta http-equiv=refresh>`` pointing at another host or at ``file://`` is never requested. Link
checks of external links pass only when the configuration asks for them (crawl.check_external_links),
and only as such (meta ``zwgk_external``).
"""
from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest

from urllib.parse import urlsplit

from crawler.allowlist import SCHEMES, SiteAllowList, site_key

logger = logging.getLogger(__name__)

EXTERNAL = "zwgk_external"
NOT_FETCHED = "not checked: outside the configured sites"   # a link's error when it is never requested


class OffSiteRequest(IgnoreRequest):
    """A request outside the configured sites, refused before it was made."""


class SiteGuardMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self._allow: SiteAllowList | None = None
        self._external_ok = False
        self._external_hosts: set = set()   # hosts external link checks were allowed to

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _allowlist(self) -> SiteAllowList:
        if self._allow is None:
            spider = getattr(self.crawler, "spider", None)
            config = getattr(spider, "config", None)
            if config is not None:
                self._allow = SiteAllowList.from_config(config)
                self._external_ok = bool(getattr(config.crawl, "check_external_links", False))
            else:   # a spider without a configuration may only ask what the settings name
                self._allow = SiteAllowList(self.crawler.settings.getlist("ZWGK_ALLOWED_URLS"))
        return self._allow

    def process_request(self, request, spider=None):
        allow = self._allowlist()
        url = request.url
        scheme = url.split(":", 1)[0].lower()
        if scheme in SCHEMES and allow.allows(url):
            return None
        if scheme in SCHEMES and self._external_ok and request.method in ("HEAD", "GET"):
            host = site_key(url)
            if request.meta.get(EXTERNAL):
                self._external_hosts.add(host)
                return None
            # the robots.txt of a host an external link check goes to (RobotsTxtMiddleware asks it)
            if host in self._external_hosts and urlsplit(url).path == "/robots.txt":
                return None
        self.crawler.stats.inc_value("zwgk/requests_refused")
        why = "not http(s)" if scheme not in SCHEMES else "outside the configured sites"
        logger.warning("refused %s %s: %s", request.method, url[:300], why)
        raise OffSiteRequest(f"{why}: {url[:300]}")
